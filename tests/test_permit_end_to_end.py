"""One application carried from submission to a permit by the real parts: the three services on
loopback over their own databases, their outbox relays, the Temporal dev server and the permit
worker with its real activities. People act only through the public gRPC API, with their own
tokens; the demo calendar makes a statutory day last a few hundredths of a second."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import grpc
import pytest
from google.type import date_pb2
from temporalio.testing import WorkflowEnvironment

from ecopermit.applicants.v1 import applicant_service_pb2 as applicants_api
from ecopermit.applicants.v1 import applicant_service_pb2_grpc
from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.domain import tasks
from ecopermit.domain.business_calendar import kazakhstan_calendar
from ecopermit.inspections.v1 import inspection_service_pb2_grpc
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.reviews.v1 import review_service_pb2 as reviews_api
from ecopermit.reviews.v1 import review_service_pb2_grpc
from ecopermit.runtime.database import create_engine, session_factory
from ecopermit.runtime.esign.local_authority import stand_in_iin
from ecopermit.runtime.esign.statements import Purpose
from ecopermit.runtime.identity import Role
from ecopermit.runtime.settings import ServiceName, Settings
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.services.applicants.store import ApplicantStore
from ecopermit.services.inspections.store import InspectionStore
from ecopermit.services.reviews.store import ReviewStore
from ecopermit.services.workflow_relay import WorkflowRelay
from ecopermit.type.v1 import kazakhstan_pb2 as kz
from ecopermit.workflows.activities import PermitActivities, ServiceChannels, WorkerCredentials
from ecopermit.workflows.worker import build_worker
from tests import samples
from tests.conftest import ENTERPRISE_BIN, Metadata, ServiceChannel, bearer

# A statutory day lasts 0.1 s: the 30-day consultation takes three seconds.
DAY_SECONDS = 0.1
_T = TypeVar("_T")


@pytest.fixture
def demo_calendar(embedded_environment: Path, monkeypatch: pytest.MonkeyPatch) -> float:
    monkeypatch.setenv("ECOPERMIT_STATUTORY_DAY_SECONDS", str(DAY_SECONDS))
    return DAY_SECONDS


@dataclass
class Desk:
    applicants: applicant_service_pb2_grpc.ApplicantServiceStub
    reviews: review_service_pb2_grpc.ReviewServiceStub
    inspections: inspection_service_pb2_grpc.InspectionServiceStub
    issuer: TokenIssuer

    def token(self, role: Role, subject: str) -> Metadata:
        return bearer(self.issuer, role, subject)


async def eventually(probe: Callable[[], Awaitable[_T | None]], what: str) -> _T:
    """Polls until the probe returns something; the workflow moves on its own time."""
    for _ in range(600):
        found = await probe()
        if found is not None:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture
async def stack(
    demo_calendar: float,
    settings: Settings,
    service_channel: ServiceChannel,
    issuer: TokenIssuer,
    temporal: WorkflowEnvironment,
) -> AsyncIterator[Desk]:
    """The services, a relay per service and a permit worker, all on one fresh task queue."""
    assert settings.statutory_day_seconds == DAY_SECONDS
    task_queue = f"permits-{uuid.uuid4()}"
    channels = ServiceChannels(
        applicants=await service_channel(ServiceName.APPLICANTS),
        reviews=await service_channel(ServiceName.REVIEWS),
        inspections=await service_channel(ServiceName.INSPECTIONS),
    )
    async with AsyncExitStack() as stack:
        outboxes: list[ApplicantStore | ReviewStore | InspectionStore] = []
        for service in ServiceName:
            engine = create_engine(settings.database_url(service))
            stack.push_async_callback(engine.dispose)
            sessions = session_factory(engine)
            outboxes.append(
                ApplicantStore(sessions)
                if service is ServiceName.APPLICANTS
                else ReviewStore(sessions, comments_per_hour=10)
                if service is ServiceName.REVIEWS
                else InspectionStore(sessions)
            )

        async def connect() -> object:
            return temporal.client

        relays = [
            asyncio.create_task(
                WorkflowRelay(outbox, connect, task_queue, interval_seconds=0.05).run()  # type: ignore[arg-type]
            )
            for outbox in outboxes
        ]
        activities = PermitActivities(
            channels,
            WorkerCredentials(issuer),
            kazakhstan_calendar(),
            settings.statutory_day_seconds,
        )
        # No cache at all: each step of the workflow first replays its whole history, as an
        # evicted one does on a worker whose cache is capped
        # (ECOPERMIT_WORKER_MAX_CACHED_WORKFLOWS).
        worker = build_worker(
            temporal.client, task_queue, activities, timedelta(seconds=1), max_cached_workflows=0
        )
        await stack.enter_async_context(worker)
        yield Desk(
            applicant_service_pb2_grpc.ApplicantServiceStub(channels.applicants),
            review_service_pb2_grpc.ReviewServiceStub(channels.reviews),
            inspection_service_pb2_grpc.InspectionServiceStub(channels.inspections),
            issuer,
        )
        for relay in relays:
            relay.cancel()


def coal_plant_above_bat() -> applicants_pb.Application:
    """A 420 MWth pulverised-coal plant whose NOx is above the existing-plant BAT-AEL, with no
    efficiency programme yet: the remarks will ask for one."""
    application = samples.application(ENTERPRISE_BIN, nox_mg_nm3=240.0)
    application.emission_sources[0].source_type = "lcp_coal_pc_existing"
    application.emission_sources[0].emissions[1].concentration_mg_nm3 = 8.0  # dust within 3-11
    application.documents.extend(
        samples.document(kind, f"{applicants_pb.DocumentKind.Name(kind).lower()}.pdf")
        for kind in (
            applicants_pb.DOCUMENT_KIND_WASTE_PROGRAMME,
            applicants_pb.DOCUMENT_KIND_PRODUCTION_CONTROL_PROGRAMME,
            applicants_pb.DOCUMENT_KIND_BAT_GAP_ANALYSIS,
        )
    )
    return application


async def work_task(
    desk: Desk,
    application: str,
    kind: int,
    role: Role,
    subject: str,
    outcome: int,
    **completion: object,
) -> reviews_pb.Task:
    """Finds the open task in the role's inbox, claims and completes it, as a person would."""
    who = desk.token(role, subject)

    async def open_task() -> reviews_pb.Task | None:
        inbox = await desk.reviews.ListTasks(
            reviews_api.ListTasksRequest(
                role=role.to_proto(),  # type: ignore[arg-type]
                application=application,
                state=reviews_pb.TASK_STATE_OPEN,
            ),
            metadata=who,
        )
        return next((t for t in inbox.tasks if t.kind == kind), None)

    task = await eventually(open_task, f"an open {reviews_pb.TaskKind.Name(kind)} task")
    await desk.reviews.ClaimTask(reviews_api.ClaimTaskRequest(name=task.name), metadata=who)
    request = reviews_api.CompleteTaskRequest(name=task.name, outcome=outcome, **completion)  # type: ignore[arg-type]
    if tasks.spec(kind).signed_decision:
        samples.signed(request, Purpose.DECISION, subject, role=role)
    done = await desk.reviews.CompleteTask(request, metadata=who)
    completed: reviews_pb.Task = done.task
    return completed


async def reaches(desk: Desk, application: str, stage: int) -> applicants_pb.Application:
    owner = desk.token(Role.APPLICANT, "aliya")

    async def at_stage() -> applicants_pb.Application | None:
        found = await desk.applicants.GetApplication(
            applicants_api.GetApplicationRequest(name=application), metadata=owner
        )
        current: applicants_pb.Application = found.application
        return current if current.stage == stage else None

    try:
        return await eventually(at_stage, applicants_pb.Stage.Name(stage))
    except AssertionError:
        found = await desk.applicants.GetApplication(
            applicants_api.GetApplicationRequest(name=application), metadata=owner
        )
        history = [(h.stage, h.reason) for h in found.application.stage_history]
        raise AssertionError(f"stuck; history {history}") from None


async def test_an_application_above_bat_is_carried_to_a_permit_through_the_public_api(
    stack: Desk,
) -> None:
    desk = stack
    owner = desk.token(Role.APPLICANT, "aliya")
    await desk.applicants.RegisterEnterprise(
        applicants_api.RegisterEnterpriseRequest(enterprise=samples.enterprise(ENTERPRISE_BIN)),
        metadata=owner,
    )
    submitted = await samples.submit(
        desk.applicants,
        applicants_api.SubmitApplicationRequest(
            request_id=str(uuid.uuid4()), application=coal_plant_above_bat()
        ),
        owner,
        subject="aliya",
    )
    name = submitted.name

    at_completeness = await reaches(desk, name, applicants_pb.STAGE_COMPLETENESS)
    assert at_completeness.rules_version == "kep-2026.2"
    assert "registered on" in at_completeness.stage_history[0].reason
    [deadline] = at_completeness.deadlines
    assert deadline.business_days == 5
    # Where is my application and when will it be decided: after every stage's deadline.
    assert at_completeness.HasField("predicted_decision_time")
    predicted = at_completeness.predicted_decision_time.ToDatetime()
    assert predicted > deadline.due_time.ToDatetime()
    reviewer = (Role.REVIEWER, "reviewer-1")
    await work_task(
        desk, name, reviews_pb.TASK_KIND_COMPLETENESS, *reviewer, reviews_pb.TASK_OUTCOME_COMPLETE
    )

    # The state environmental expertise: its parts, the BAT review, and the public hearing.
    in_expertise = await reaches(desk, name, applicants_pb.STAGE_STATE_EXPERTISE)
    assert len(in_expertise.open_tasks) == 4
    # Why it moved, as a key and values a reader can say in any language.
    entered = in_expertise.stage_history[-1]
    assert entered.reason_key == "expertise_open_meeting"
    assert "TASK_KIND_BAT_REVIEW" in entered.reason_values["parts"]
    assert entered.reason.startswith("state environmental expertise: technical_air")
    question = await desk.reviews.SubmitPublicComment(
        reviews_api.SubmitPublicCommentRequest(
            parent=name,
            request_id=str(uuid.uuid4()),
            public_comment=reviews_pb.PublicComment(
                author_display_name="Ecoforum Pavlodar", text="Will the ASM data be published?"
            ),
        ),
        metadata=desk.token(Role.PUBLIC, "citizen-1"),
    )
    for kind in (
        reviews_pb.TASK_KIND_TECHNICAL_AIR,
        reviews_pb.TASK_KIND_TECHNICAL_WATER,
        reviews_pb.TASK_KIND_TECHNICAL_WASTE,
    ):
        done = await work_task(desk, name, kind, *reviewer, reviews_pb.TASK_OUTCOME_NO_OBJECTIONS)
        # An inbox says what each task is about, and the stage it is part of (the workflow
        # opens the tasks just before it enters their stage).
        assert done.subject.application_stage == applicants_pb.STAGE_STATE_EXPERTISE
        assert (done.subject.region, done.subject.enterprise) == (
            in_expertise.facility.region,
            in_expertise.enterprise,
        )
        assert done.subject.facility_display_name == in_expertise.facility.display_name
    expert = (Role.BAT_EXPERT, "expert-1")
    await work_task(
        desk, name, reviews_pb.TASK_KIND_BAT_REVIEW, *expert, reviews_pb.TASK_OUTCOME_BAT_CONFIRMED
    )
    assessment = (
        await desk.reviews.GetBatAssessment(
            reviews_api.GetBatAssessmentRequest(name=f"{name}/batAssessment"), metadata=owner
        )
    ).bat_assessment
    nox = next(r for r in assessment.rows if r.pollutant == kz.POLLUTANT_NOX)
    assert nox.verdict == reviews_pb.BAT_VERDICT_ABOVE_UPPER_BOUND
    assert assessment.reviewed
    assert assessment.programme_required
    # The open meeting, 30 days after the documents were posted; then the protocol.
    protocol = await work_task(
        desk,
        name,
        reviews_pb.TASK_KIND_HEARING_PROTOCOL,
        *reviewer,
        reviews_pb.TASK_OUTCOME_ACKNOWLEDGED,
        comment_dispositions=[
            reviews_api.CommentDispositionEntry(
                public_comment=question.public_comment.name,
                disposition=reviews_pb.COMMENT_DISPOSITION_ACCEPTED,
                reason="Yes: a permit condition on ASM reporting.",
            )
        ],
    )
    assert "publishes the protocol" in protocol.instructions
    conclusion = await work_task(
        desk,
        name,
        reviews_pb.TASK_KIND_STATE_EXPERTISE,
        *reviewer,
        reviews_pb.TASK_OUTCOME_POSITIVE_CONCLUSION,
    )
    assert "protocol item 1: Ecoforum Pavlodar: Will the ASM data be published?" in (
        conclusion.instructions
    )

    # NOx above range and no efficiency programme: the remarks must ask for one.
    remarks = await work_task(
        desk,
        name,
        reviews_pb.TASK_KIND_REMARKS,
        *reviewer,
        reviews_pb.TASK_OUTCOME_REMARKS_SENT,
        comments="Attach the ППЭЭ.",
    )
    assert "ППЭЭ" in remarks.instructions
    assert list(remarks.allowed_outcomes) == [reviews_pb.TASK_OUTCOME_REMARKS_SENT]
    await reaches(desk, name, applicants_pb.STAGE_APPLICANT_ANSWER)
    answer = applicants_api.AmendApplicationRequest(
        name=name,
        request_id=str(uuid.uuid4()),
        response="The efficiency programme is attached.",
        efficiency_programme=[
            applicants_pb.ProgrammeMilestone(
                description="Low-NOx burners on stack-1",
                due_date=date_pb2.Date(year=2029, month=12, day=31),
                source_id="stack-1",
            )
        ],
    )
    await desk.applicants.AmendApplication(
        samples.signed(answer, Purpose.ANSWER, "aliya", ENTERPRISE_BIN), metadata=owner
    )

    await reaches(desk, name, applicants_pb.STAGE_DECISION)
    decided = await work_task(
        desk,
        name,
        reviews_pb.TASK_KIND_DECISION,
        Role.DECISION_MAKER,
        "head-1",
        reviews_pb.TASK_OUTCOME_APPROVE,
    )
    assert "The efficiency programme is attached." in decided.instructions

    approved = await reaches(desk, name, applicants_pb.STAGE_APPROVED)
    assert [applicants_pb.Stage.Name(h.stage) for h in approved.stage_history] == [
        "STAGE_SUBMITTED",
        "STAGE_COMPLETENESS",
        "STAGE_STATE_EXPERTISE",
        "STAGE_REMARKS",
        "STAGE_APPLICANT_ANSWER",
        "STAGE_DECISION",
        "STAGE_APPROVED",
    ]
    assert list(approved.open_tasks) == []
    assert not approved.HasField("predicted_decision_time")  # decided: nothing left to predict
    permit = (
        await desk.applicants.GetPermit(
            applicants_api.GetPermitRequest(name=approved.permit), metadata=owner
        )
    ).permit
    # Named as the decision maker's signing certificate names them, and sealed by the
    # Committee: the register's copy of the certificate verifies.
    assert permit.signed_by == "head-1"
    assert permit.decision_signature.signer_iin == ""  # the holder does not see the IIN
    for_staff = await desk.applicants.GetPermit(
        applicants_api.GetPermitRequest(name=approved.permit), metadata=desk.token(*reviewer)
    )
    assert for_staff.permit.decision_signature.signer_iin == stand_in_iin("head-1")
    assert permit.certificate.kind == applicants_pb.DOCUMENT_KIND_PERMIT_CERTIFICATE
    verdict = await desk.applicants.VerifyPermitCertificate(
        applicants_api.VerifyPermitCertificateRequest(permit=permit.name)
    )
    assert verdict.valid, verdict.explanation
    # The permit names the dossier it was decided on, and a reviewer reads every document.
    assert [d.sha256 for d in permit.dossier] == [d.sha256 for d in submitted.documents]
    project = permit.dossier[0]
    read = desk.applicants.DownloadDocument(
        applicants_api.DownloadDocumentRequest(name=f"{name}/documents/{project.sha256}"),
        metadata=desk.token(*reviewer),
    )
    content = b"".join([m.chunk async for m in read])
    assert content == samples.document_bytes(project.file_name)
    limits = {(limit.source_id, limit.pollutant): limit for limit in permit.emission_limits}
    # NOx above range, and a programme: the declared value until its milestone, then the
    # yearly BAT level (an EU benchmark here, which the programme commits the plant to).
    nox_limit = limits["stack-1", kz.POLLUTANT_NOX]
    assert nox.yearly_high == 150.0
    assert nox.basis == kz.BAT_BASIS_EU_BENCHMARK
    assert nox_limit.basis == kz.LIMIT_BASIS_EFFICIENCY_PROGRAMME
    assert nox_limit.interim_limit_mg_nm3 == pytest.approx(nox.normalised_mg_nm3)
    assert (nox_limit.step_down_date.year, nox_limit.step_down_date.month) == (2029, 12)
    assert nox_limit.limit_mg_nm3 == pytest.approx(nox.yearly_high)
    assert nox_limit.derogation_reason == ""
    assert len(permit.efficiency_programme) == 1
    with pytest.raises(grpc.aio.AioRpcError) as late:
        await desk.applicants.WithdrawApplication(
            applicants_api.WithdrawApplicationRequest(name=name, reason="too late"), metadata=owner
        )
    assert late.value.code() is grpc.StatusCode.FAILED_PRECONDITION
