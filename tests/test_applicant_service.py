"""ApplicantService through a real channel: enterprises, submissions, status, amendments,
withdrawals, the workflow's transitions and permits, on SQLite or PostgreSQL."""

from __future__ import annotations

import asyncio
import base64
import json
import uuid
from dataclasses import dataclass

import grpc
import pytest
import sqlalchemy as sa
from sqlmodel import col

from ecopermit.applicants.v1 import applicant_service_pb2 as api
from ecopermit.applicants.v1 import applicant_service_pb2_grpc, applicant_workflow_service_pb2_grpc
from ecopermit.applicants.v1 import applicant_workflow_service_pb2 as workflow_api
from ecopermit.applicants.v1 import resources_pb2 as pb
from ecopermit.domain import errors
from ecopermit.runtime.database import create_engine
from ecopermit.runtime.esign.statements import Purpose
from ecopermit.runtime.grpc.status import reason_of
from ecopermit.runtime.identity import Role
from ecopermit.runtime.settings import ServiceName, Settings
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.services.applicants import store as store_module
from ecopermit.services.applicants.models import ApplicationRecord, WorkflowOutboxRecord
from ecopermit.type.v1 import kazakhstan_pb2 as kz
from tests import samples
from tests.conftest import ENTERPRISE_BIN, OTHER_ENTERPRISE_BIN, Metadata, bearer


@dataclass
class Actors:
    """Stubs and tokens for everyone who talks to the applicants service in these tests."""

    applicants: applicant_service_pb2_grpc.ApplicantServiceStub
    workflow: applicant_workflow_service_pb2_grpc.ApplicantWorkflowServiceStub
    owner: Metadata
    competitor: Metadata
    reviewer: Metadata
    public: Metadata
    worker: Metadata

    async def register(self, metadata: Metadata, bin_: str) -> None:
        await self.applicants.RegisterEnterprise(
            api.RegisterEnterpriseRequest(enterprise=samples.enterprise(bin_)), metadata=metadata
        )

    async def submit(self, request_id: str | None = None) -> pb.Application:
        return await samples.submit(
            self.applicants,
            samples.submit_request(ENTERPRISE_BIN, request_id),
            self.owner,
            subject="aliya",
        )

    async def transition(
        self,
        application: pb.Application,
        sequence: int,
        stage: pb.Stage,
        reason: str = "",
        progress: workflow_api.RecordStageTransitionRequest | None = None,
    ) -> pb.Application:
        request = workflow_api.RecordStageTransitionRequest(
            name=application.name, sequence=sequence, stage=stage, reason=reason
        )
        if progress is not None:
            request.MergeFrom(progress)
        response = await self.workflow.RecordStageTransition(request, metadata=self.worker)
        recorded: pb.Application = response.application
        return recorded


@pytest.fixture
async def actors(applicants_channel: grpc.aio.Channel, issuer: TokenIssuer) -> Actors:
    actors = Actors(
        applicants=applicant_service_pb2_grpc.ApplicantServiceStub(applicants_channel),
        workflow=applicant_workflow_service_pb2_grpc.ApplicantWorkflowServiceStub(
            applicants_channel
        ),
        owner=bearer(issuer, Role.APPLICANT, "aliya", ENTERPRISE_BIN),
        competitor=bearer(issuer, Role.APPLICANT, "bolat", OTHER_ENTERPRISE_BIN),
        reviewer=bearer(issuer, Role.REVIEWER, "r1"),
        public=bearer(issuer, Role.PUBLIC, "citizen"),
        worker=bearer(issuer, Role.WORKER, "permit-workflow"),
    )
    await actors.register(actors.owner, ENTERPRISE_BIN)
    await actors.register(actors.competitor, OTHER_ENTERPRISE_BIN)
    return actors


async def rpc_error(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    return caught.value


# Enterprises


async def test_an_enterprise_is_registered_once(actors: Actors) -> None:
    again = await rpc_error(
        actors.applicants.RegisterEnterprise(
            api.RegisterEnterpriseRequest(enterprise=samples.enterprise(ENTERPRISE_BIN)),
            metadata=actors.owner,
        )
    )
    assert again.code() is grpc.StatusCode.ALREADY_EXISTS
    found = await actors.applicants.GetEnterprise(
        api.GetEnterpriseRequest(name=f"enterprises/{ENTERPRISE_BIN}"), metadata=actors.reviewer
    )
    assert found.enterprise.display_name == "Pavlodar Power JSC"
    assert found.enterprise.create_time.seconds > 0


async def test_an_applicant_registers_and_sees_only_its_own_enterprise(actors: Actors) -> None:
    foreign = await rpc_error(
        actors.applicants.RegisterEnterprise(
            api.RegisterEnterpriseRequest(enterprise=samples.enterprise("120840001239")),
            metadata=actors.owner,
        )
    )
    assert foreign.code() is grpc.StatusCode.PERMISSION_DENIED
    hidden = await rpc_error(
        actors.applicants.GetEnterprise(
            api.GetEnterpriseRequest(name=f"enterprises/{ENTERPRISE_BIN}"),
            metadata=actors.competitor,
        )
    )
    assert hidden.code() is grpc.StatusCode.NOT_FOUND


# Submission


async def test_a_submission_is_stored_with_its_first_stage(actors: Actors) -> None:
    application = await actors.submit()
    assert application.name.startswith("applications/")
    assert application.stage == pb.STAGE_SUBMITTED
    assert [h.stage for h in application.stage_history] == [pb.STAGE_SUBMITTED]
    assert application.emission_sources[0].emissions[0].concentration_mg_nm3 == 180
    assert len(application.documents) == 2
    fetched = await actors.applicants.GetApplication(
        api.GetApplicationRequest(name=application.name), metadata=actors.reviewer
    )
    assert fetched.application == application


async def test_resubmitting_with_the_same_request_id_returns_the_same_application(
    actors: Actors,
) -> None:
    request_id = str(uuid.uuid4())
    first = await actors.submit(request_id)
    concurrent = await asyncio.gather(*(actors.submit(request_id) for _ in range(8)))
    assert {a.name for a in concurrent} == {first.name}
    listed = await actors.applicants.ListApplications(
        api.ListApplicationsRequest(), metadata=actors.owner
    )
    assert [a.name for a in listed.applications] == [first.name]


async def test_a_request_id_reused_for_another_application_is_refused_and_changes_nothing(
    actors: Actors,
) -> None:
    request_id = str(uuid.uuid4())
    first = await actors.submit(request_id)
    other = samples.submit_request(ENTERPRISE_BIN, request_id)
    other.application.facility.display_name = "CHP-3"
    for attempt in (other, other):  # refused every time, not only the first
        reused = await rpc_error(
            actors.applicants.SubmitApplication(
                samples.signed(attempt, Purpose.SUBMISSION, "aliya"), metadata=actors.owner
            )
        )
        assert reused.code() is grpc.StatusCode.ALREADY_EXISTS
        assert reason_of(reused) == errors.REASON_REQUEST_ID_REUSED
        assert request_id in (reused.details() or "")
    kept = await actors.applicants.GetApplication(
        api.GetApplicationRequest(name=first.name), metadata=actors.owner
    )
    assert kept.application.facility.display_name == "CHP-2"
    assert len(kept.application.signatures) == 1
    # The same body under the same request_id is still the same application.
    assert (await actors.submit(request_id)).name == first.name


async def test_an_answer_reusing_a_request_id_with_other_words_is_refused(actors: Actors) -> None:
    application = await actors.submit()
    await actors.transition(application, 1, pb.STAGE_APPLICANT_ANSWER, reason="remarks")
    request_id = str(uuid.uuid4())

    def answer(text: str) -> api.AmendApplicationRequest:
        request = api.AmendApplicationRequest(
            name=application.name, request_id=request_id, response=text
        )
        return samples.signed(request, Purpose.ANSWER, "aliya", ENTERPRISE_BIN)

    await actors.applicants.AmendApplication(answer("Heights corrected."), metadata=actors.owner)
    await actors.applicants.AmendApplication(answer("Heights corrected."), metadata=actors.owner)
    changed = await rpc_error(
        actors.applicants.AmendApplication(answer("Heights are fine."), metadata=actors.owner)
    )
    assert changed.code() is grpc.StatusCode.ALREADY_EXISTS
    assert reason_of(changed) == errors.REASON_REQUEST_ID_REUSED
    status = await actors.applicants.GetApplication(
        api.GetApplicationRequest(name=application.name), metadata=actors.owner
    )
    assert [s.purpose for s in status.application.signatures].count("ecopermit.kep.answer") == 1


@pytest.mark.faults
async def test_two_hundred_submissions_each_sent_twice_at_once_make_one_application_each(
    actors: Actors, settings: Settings
) -> None:
    request_ids = [str(uuid.uuid4()) for _ in range(200)]
    # Every request twice, all 400 in flight together, the twins racing each other.
    sent = [actors.submit(request_id) for request_id in request_ids for _ in range(2)]
    answers = await asyncio.gather(*sent)
    twins = list(zip(answers[::2], answers[1::2], strict=True))
    assert all(first.name == second.name for first, second in twins)
    assert len({first.name for first, _ in twins}) == len(request_ids)
    # The database holds one application and one workflow start for each request.
    engine = create_engine(settings.database_url(ServiceName.APPLICANTS))
    try:
        async with engine.connect() as connection:
            applications = (
                await connection.execute(
                    sa.select(col(ApplicationRecord.request_id), sa.func.count()).group_by(
                        col(ApplicationRecord.request_id)
                    )
                )
            ).all()
            starts = (
                await connection.execute(
                    sa.select(col(WorkflowOutboxRecord.application_id), sa.func.count())
                    .where(col(WorkflowOutboxRecord.kind) == "start")
                    .group_by(col(WorkflowOutboxRecord.application_id))
                )
            ).all()
    finally:
        await engine.dispose()
    assert sorted(request_id for request_id, _ in applications) == sorted(request_ids)
    assert {count for _, count in applications} == {1}
    assert len(starts) == len(request_ids)
    assert {count for _, count in starts} == {1}


async def test_a_failure_mid_submission_leaves_nothing_and_the_retry_one(
    actors: Actors, monkeypatch: pytest.MonkeyPatch
) -> None:
    request_id = str(uuid.uuid4())
    real_outbox = store_module._outbox

    def crash(*args: object, **kwargs: object) -> object:
        raise RuntimeError("process died between the writes")

    monkeypatch.setattr(store_module, "_outbox", crash)
    failed = await rpc_error(actors.submit(request_id))
    assert failed.code() is grpc.StatusCode.INTERNAL
    nothing = await actors.applicants.ListApplications(
        api.ListApplicationsRequest(), metadata=actors.owner
    )
    assert list(nothing.applications) == []
    monkeypatch.setattr(store_module, "_outbox", real_outbox)
    retried = await actors.submit(request_id)
    listed = await actors.applicants.ListApplications(
        api.ListApplicationsRequest(), metadata=actors.owner
    )
    assert [a.name for a in listed.applications] == [retried.name]


async def test_an_unregistered_enterprise_cannot_submit(
    actors: Actors, issuer: TokenIssuer
) -> None:
    stranger_bin = "120840001239"
    refused = await rpc_error(
        actors.applicants.SubmitApplication(
            samples.signed(samples.submit_request(stranger_bin), Purpose.SUBMISSION, "s"),
            metadata=bearer(issuer, Role.APPLICANT, "s", stranger_bin),
        )
    )
    assert refused.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert "register" in (refused.details() or "")


async def test_an_applicant_cannot_submit_for_another_enterprise(actors: Actors) -> None:
    refused = await rpc_error(
        actors.applicants.SubmitApplication(
            samples.signed(samples.submit_request(ENTERPRISE_BIN), Purpose.SUBMISSION, "bolat"),
            metadata=actors.competitor,
        )
    )
    assert refused.code() is grpc.StatusCode.PERMISSION_DENIED


async def test_bad_input_is_refused_with_field_paths_and_nothing_written(actors: Actors) -> None:
    request = samples.submit_request(ENTERPRISE_BIN)
    request.application.emission_sources.append(request.application.emission_sources[0])
    samples.signed(request, Purpose.SUBMISSION, "aliya")
    duplicate = await rpc_error(actors.applicants.SubmitApplication(request, metadata=actors.owner))
    assert duplicate.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "emission_sources[1].source_id" in (duplicate.details() or "")
    request = samples.submit_request(ENTERPRISE_BIN)
    request.application.documents[0].sha256 = "not-a-digest"
    samples.signed(request, Purpose.SUBMISSION, "aliya")
    malformed = await rpc_error(actors.applicants.SubmitApplication(request, metadata=actors.owner))
    assert malformed.code() is grpc.StatusCode.INVALID_ARGUMENT
    listed = await actors.applicants.ListApplications(
        api.ListApplicationsRequest(), metadata=actors.reviewer
    )
    assert list(listed.applications) == []


async def test_another_enterprise_cannot_tell_an_application_exists(actors: Actors) -> None:
    application = await actors.submit()
    hidden = await rpc_error(
        actors.applicants.GetApplication(
            api.GetApplicationRequest(name=application.name), metadata=actors.competitor
        )
    )
    missing = await rpc_error(
        actors.applicants.GetApplication(
            api.GetApplicationRequest(name="applications/no-such-application"),
            metadata=actors.competitor,
        )
    )
    assert hidden.code() is missing.code() is grpc.StatusCode.NOT_FOUND
    assert hidden.details() == (missing.details() or "").replace(
        "no-such-application", application.name.removeprefix("applications/")
    )


# Listing


async def test_pages_are_stable_while_new_applications_arrive(actors: Actors) -> None:
    submitted = [(await actors.submit()).name for _ in range(7)]
    seen: list[str] = []
    token = ""
    while True:
        page = await actors.applicants.ListApplications(
            api.ListApplicationsRequest(page_size=3, page_token=token), metadata=actors.reviewer
        )
        seen += [a.name for a in page.applications]
        if len(seen) == 3:
            await actors.submit()  # arrives while the reviewer is paging
        token = page.next_page_token
        if not token:
            break
    assert seen[:7] == submitted
    assert len(seen) == len(set(seen)) == 8


async def test_lists_filter_and_keep_applicants_to_their_own(actors: Actors) -> None:
    first = await actors.submit()
    await actors.submit()
    await actors.transition(first, 1, pb.STAGE_COMPLETENESS)
    in_completeness = await actors.applicants.ListApplications(
        api.ListApplicationsRequest(stage=pb.STAGE_COMPLETENESS), metadata=actors.reviewer
    )
    assert [a.name for a in in_completeness.applications] == [first.name]
    theirs = await actors.applicants.ListApplications(
        api.ListApplicationsRequest(), metadata=actors.competitor
    )
    assert list(theirs.applications) == []
    snooping = await rpc_error(
        actors.applicants.ListApplications(
            api.ListApplicationsRequest(enterprise=f"enterprises/{ENTERPRISE_BIN}"),
            metadata=actors.competitor,
        )
    )
    assert snooping.code() is grpc.StatusCode.PERMISSION_DENIED


async def test_a_page_token_only_works_with_its_own_filters(actors: Actors) -> None:
    for _ in range(3):
        await actors.submit()
    page = await actors.applicants.ListApplications(
        api.ListApplicationsRequest(page_size=1), metadata=actors.reviewer
    )
    refused = await rpc_error(
        actors.applicants.ListApplications(
            api.ListApplicationsRequest(
                page_size=1, page_token=page.next_page_token, stage=pb.STAGE_SUBMITTED
            ),
            metadata=actors.reviewer,
        )
    )
    assert refused.code() is grpc.StatusCode.INVALID_ARGUMENT
    forged = await rpc_error(
        actors.applicants.ListApplications(
            api.ListApplicationsRequest(page_token="garbage"), metadata=actors.reviewer
        )
    )
    assert forged.code() is grpc.StatusCode.INVALID_ARGUMENT


async def test_an_edited_page_token_is_refused_not_served(actors: Actors) -> None:
    for _ in range(3):
        await actors.submit()
    page = await actors.applicants.ListApplications(
        api.ListApplicationsRequest(page_size=1), metadata=actors.reviewer
    )
    cursor, _, signature = page.next_page_token.rpartition(".")
    # The cursor moved to the start of time, its signature kept: a page it was never issued for.
    raw = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw["t"] = "2000-01-01T00:00:00+00:00"
    moved = base64.urlsafe_b64encode(json.dumps(raw).encode()).decode().rstrip("=")
    for edited in (f"{moved}.{signature}", moved, cursor):
        refused = await rpc_error(
            actors.applicants.ListApplications(
                api.ListApplicationsRequest(page_size=1, page_token=edited),
                metadata=actors.reviewer,
            )
        )
        assert refused.code() is grpc.StatusCode.INVALID_ARGUMENT
        assert "page_token" in (refused.details() or "")
    # The token as issued still turns the page.
    following = await actors.applicants.ListApplications(
        api.ListApplicationsRequest(page_size=1, page_token=page.next_page_token),
        metadata=actors.reviewer,
    )
    assert following.applications[0].name != page.applications[0].name


# The workflow's transitions, amendments and withdrawals


async def test_transitions_show_progress_and_a_replayed_one_is_recorded_once(
    actors: Actors,
) -> None:
    application = await actors.submit()
    task = pb.OpenTask(task="tasks/t-1", kind="TASK_KIND_COMPLETENESS")
    deadline = pb.Deadline(stage=pb.STAGE_COMPLETENESS, business_days=5)
    deadline.due_time.GetCurrentTime()
    progress = workflow_api.RecordStageTransitionRequest(
        open_tasks=[task], deadlines=[deadline], rules_version="2026.1"
    )
    await actors.transition(application, 1, pb.STAGE_COMPLETENESS, progress=progress)
    replayed = await actors.transition(application, 1, pb.STAGE_COMPLETENESS, progress=progress)
    assert replayed.stage == pb.STAGE_COMPLETENESS
    assert [h.stage for h in replayed.stage_history] == [
        pb.STAGE_SUBMITTED,
        pb.STAGE_COMPLETENESS,
    ]
    assert [t.task for t in replayed.open_tasks] == ["tasks/t-1"]
    assert replayed.deadlines[0].business_days == 5
    assert replayed.rules_version == "2026.1"
    # The task was completed: the workflow updates progress within the stage.
    progressed = await actors.transition(application, 2, pb.STAGE_COMPLETENESS)
    assert list(progressed.open_tasks) == []
    assert len(progressed.stage_history) == 2


async def test_an_amendment_is_accepted_only_while_returned(actors: Actors) -> None:
    application = await actors.submit()
    amend = api.AmendApplicationRequest(
        name=application.name,
        request_id=str(uuid.uuid4()),
        response="Added the waste programme",
        documents=[samples.document(pb.DOCUMENT_KIND_WASTE_PROGRAMME, "waste.pdf")],
    )
    samples.signed(amend, Purpose.ANSWER, "aliya", ENTERPRISE_BIN)
    await samples.upload_documents(actors.applicants, ENTERPRISE_BIN, amend.documents, actors.owner)
    early = await rpc_error(actors.applicants.AmendApplication(amend, metadata=actors.owner))
    assert early.code() is grpc.StatusCode.FAILED_PRECONDITION
    await actors.transition(application, 1, pb.STAGE_RETURNED_FOR_REVISION, reason="no waste plan")
    amended = (await actors.applicants.AmendApplication(amend, metadata=actors.owner)).application
    again = (await actors.applicants.AmendApplication(amend, metadata=actors.owner)).application
    assert [d.file_name for d in amended.documents] == ["project.pdf", "standards.pdf", "waste.pdf"]
    assert again.documents == amended.documents
    hidden = await rpc_error(actors.applicants.AmendApplication(amend, metadata=actors.competitor))
    assert hidden.code() is grpc.StatusCode.NOT_FOUND


async def test_an_answer_to_remarks_is_taken_once_and_may_disagree_only_with_remarks(
    actors: Actors,
) -> None:
    application = await actors.submit()

    def answer(text: str, *, disagree: bool = False) -> api.AmendApplicationRequest:
        request = api.AmendApplicationRequest(
            name=application.name, request_id=str(uuid.uuid4()), response=text, disagree=disagree
        )
        return samples.signed(request, Purpose.ANSWER, "aliya", ENTERPRISE_BIN)

    await actors.transition(application, 1, pb.STAGE_NOT_ACCEPTED, reason="no waste plan")
    no_remarks = await rpc_error(
        actors.applicants.AmendApplication(answer("no", disagree=True), metadata=actors.owner)
    )
    assert "no remarks to disagree with" in (no_remarks.details() or "")
    await actors.transition(application, 2, pb.STAGE_APPLICANT_ANSWER, reason="remarks: heights")
    first = answer("The heights are wrong in your remark.", disagree=True)
    await actors.applicants.AmendApplication(first, metadata=actors.owner)
    # The same request again is the same answer; another one while the first is taken up is not.
    await actors.applicants.AmendApplication(first, metadata=actors.owner)
    second = await rpc_error(
        actors.applicants.AmendApplication(answer("And another thing."), metadata=actors.owner)
    )
    assert second.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert "has its answer already" in (second.details() or "")
    # A new wait (the procedure's next stage that asks) takes a new answer.
    await actors.transition(application, 3, pb.STAGE_PRELIMINARY_DECISION, reason="refusal")
    await actors.applicants.AmendApplication(answer("We object."), metadata=actors.owner)


async def test_a_write_to_a_withdrawn_application_says_why_in_its_error_info(
    actors: Actors,
) -> None:
    application = await actors.submit()
    await actors.applicants.WithdrawApplication(
        api.WithdrawApplicationRequest(name=application.name, reason="plant sold"),
        metadata=actors.owner,
    )
    refused = await rpc_error(actors.transition(application, 1, pb.STAGE_COMPLETENESS))
    assert refused.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert reason_of(refused) == errors.REASON_APPLICATION_WITHDRAWN
    issue = workflow_api.IssuePermitRequest(application=application.name, signed_by="dm1")
    permit = await rpc_error(actors.workflow.IssuePermit(issue, metadata=actors.worker))
    assert reason_of(permit) == errors.REASON_APPLICATION_WITHDRAWN
    # Another wrong-stage refusal carries no such reason: the workflow must not wait on it.
    other = await actors.submit(str(uuid.uuid4()))
    early = await rpc_error(
        actors.workflow.IssuePermit(
            workflow_api.IssuePermitRequest(application=other.name, signed_by="dm1"),
            metadata=actors.worker,
        )
    )
    assert early.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert reason_of(early) == ""


async def test_the_public_reads_hearings_and_the_register_without_remarks_or_answers(
    actors: Actors, issuer: TokenIssuer
) -> None:
    application = await actors.submit()
    await actors.transition(
        application, 1, pb.STAGE_STATE_EXPERTISE, reason="remarks to come: stack heights"
    )
    public = bearer(issuer, Role.PUBLIC, "citizen-1")
    listed = await actors.applicants.ListApplications(
        api.ListApplicationsRequest(stage=pb.STAGE_STATE_EXPERTISE), metadata=public
    )
    [shown] = [a for a in listed.applications if a.name == application.name]
    assert [h.reason for h in shown.stage_history] == ["", ""]
    assert list(shown.open_tasks) == []
    refused = await rpc_error(
        actors.applicants.ListApplications(
            api.ListApplicationsRequest(stage=pb.STAGE_APPLICANT_ANSWER), metadata=public
        )
    )
    assert refused.code() is grpc.StatusCode.PERMISSION_DENIED


async def test_a_withdrawal_before_the_permit_refuses_the_permit(actors: Actors) -> None:
    application = await actors.submit()
    await actors.transition(application, 1, pb.STAGE_DECISION)
    await actors.applicants.WithdrawApplication(
        api.WithdrawApplicationRequest(name=application.name, reason="plant sold"),
        metadata=actors.owner,
    )
    issue = workflow_api.IssuePermitRequest(application=application.name, signed_by="dm1")
    refused = await rpc_error(actors.workflow.IssuePermit(issue, metadata=actors.worker))
    assert refused.code() is grpc.StatusCode.FAILED_PRECONDITION


async def test_a_withdrawn_application_stays_withdrawn(actors: Actors) -> None:
    application = await actors.submit()
    withdraw = api.WithdrawApplicationRequest(name=application.name, reason="plant closing")
    withdrawn = await actors.applicants.WithdrawApplication(withdraw, metadata=actors.owner)
    assert withdrawn.application.stage == pb.STAGE_WITHDRAWN
    assert withdrawn.application.stage_history[-1].reason == "plant closing"
    repeated = await actors.applicants.WithdrawApplication(withdraw, metadata=actors.owner)
    assert len(repeated.application.stage_history) == 2
    late = await rpc_error(actors.transition(application, 1, pb.STAGE_COMPLETENESS))
    assert late.code() is grpc.StatusCode.FAILED_PRECONDITION


# Permits


async def test_a_permit_is_issued_once_at_decision_and_readable_by_the_public(
    actors: Actors,
) -> None:
    application = await actors.submit()
    issue = workflow_api.IssuePermitRequest(
        application=application.name,
        conditions=["Continuous NOx monitoring"],
        emission_limits=[
            pb.EmissionLimit(
                source_id="stack-1",
                pollutant=kz.POLLUTANT_NOX,
                limit_mg_nm3=150,
                reference_oxygen_percent=6,
            )
        ],
        signed_by="dm1",
    )
    early = await rpc_error(actors.workflow.IssuePermit(issue, metadata=actors.worker))
    assert early.code() is grpc.StatusCode.FAILED_PRECONDITION
    await actors.transition(application, 1, pb.STAGE_DECISION)
    permit = (await actors.workflow.IssuePermit(issue, metadata=actors.worker)).permit
    again = (await actors.workflow.IssuePermit(issue, metadata=actors.worker)).permit
    assert permit == again
    assert permit.permit_number.startswith("KZ-KEP-")
    assert permit.permit_number.endswith("000001")
    assert permit.emission_limits[0].limit_mg_nm3 == 150
    public = await actors.applicants.GetPermit(
        api.GetPermitRequest(name=permit.name), metadata=actors.public
    )
    assert public.permit == permit
    status = await actors.applicants.GetApplication(
        api.GetApplicationRequest(name=application.name), metadata=actors.owner
    )
    assert status.application.permit == permit.name
    # Issuing approves: the application is decided, and a withdrawal comes too late.
    assert status.application.stage == pb.STAGE_APPROVED
    assert status.application.stage_history[-1].reason == f"permit {permit.permit_number} issued"
    late = await rpc_error(
        actors.applicants.WithdrawApplication(
            api.WithdrawApplicationRequest(name=application.name, reason="late"),
            metadata=actors.owner,
        )
    )
    assert late.code() is grpc.StatusCode.FAILED_PRECONDITION
    hidden = await rpc_error(
        actors.applicants.GetPermit(
            api.GetPermitRequest(name=permit.name), metadata=actors.competitor
        )
    )
    assert hidden.code() is grpc.StatusCode.NOT_FOUND
