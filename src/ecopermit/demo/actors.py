"""Scripted people: each acts only through the public gRPC API, under a token of its own role.

Applicants submit, answer returns and withdraw; reviewers, a BAT expert, an inspector, decision
makers and the public work their inboxes as the permit workflows fill them.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

import grpc
from google.type import date_pb2
from opentelemetry import trace

from ecopermit.applicants.v1 import applicant_service_pb2 as applicants_api
from ecopermit.applicants.v1 import applicant_service_pb2_grpc
from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.demo.dataset import Pending
from ecopermit.domain.stages import DECIDED_STAGES
from ecopermit.inspections.v1 import inspection_service_pb2 as inspections_api
from ecopermit.inspections.v1 import inspection_service_pb2_grpc
from ecopermit.inspections.v1 import resources_pb2 as inspections_pb
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.reviews.v1 import review_service_pb2 as reviews_api
from ecopermit.reviews.v1 import review_service_pb2_grpc
from ecopermit.runtime.identity import Principal, Role
from ecopermit.runtime.tokens import TokenIssuer

_POLL_SECONDS = 0.1
_COMMENTS = uuid.UUID("8d2b6f0e-4a1c-4e57-9b3d-2f6a8c1e5d90")
_tracer = trace.get_tracer(__name__)


@dataclass
class Office:
    """What every actor shares: the stubs, the tokens, and what has been submitted."""

    applicants: applicant_service_pb2_grpc.ApplicantServiceStub
    reviews: review_service_pb2_grpc.ReviewServiceStub
    inspections: inspection_service_pb2_grpc.InspectionServiceStub
    issuer: TokenIssuer
    by_application: dict[str, Pending] = field(default_factory=dict)
    trace_ids: dict[str, str] = field(default_factory=dict)
    stages: dict[str, int] = field(default_factory=dict)  # application id -> last seen stage
    finished: asyncio.Event = field(default_factory=asyncio.Event)
    # Every application as last listed by the status board, and a condition notified after
    # each listing: enterprises read their status there rather than each polling the service.
    latest: dict[str, applicants_pb.Application] = field(default_factory=dict)
    board_refreshed: asyncio.Condition = field(default_factory=asyncio.Condition)
    # How often the status board lists the applications, and staff look at an empty inbox.
    board_poll_seconds: float = _POLL_SECONDS
    staff_poll_seconds: float = _POLL_SECONDS

    def token(self, role: Role, subject: str, bin_: str | None = None) -> tuple[tuple[str, str]]:
        principal = Principal(subject=subject, role=role, enterprise_bin=bin_)
        return (("authorization", f"Bearer {self.issuer.mint(principal)}"),)


def _application_id(name: str) -> str:
    return name.removeprefix("applications/")


async def enterprise(office: Office, pending: Pending) -> None:
    """One enterprise: registers, submits, answers returns, withdraws if it means to."""
    me = office.token(Role.APPLICANT, f"{pending.key}-officer", pending.bin)
    try:
        await office.applicants.RegisterEnterprise(
            applicants_api.RegisterEnterpriseRequest(enterprise=pending.enterprise_message()),
            metadata=me,
        )
    except grpc.aio.AioRpcError as error:
        if error.code() is not grpc.StatusCode.ALREADY_EXISTS:  # a second run of the demo
            raise
    with _tracer.start_as_current_span(f"demo submits {pending.key}") as span:
        submitted = await office.applicants.SubmitApplication(
            applicants_api.SubmitApplicationRequest(
                request_id=pending.request_id, application=pending.application()
            ),
            metadata=me,
        )
        trace_id = format(span.get_span_context().trace_id, "032x")
    name = submitted.application.name
    application_id = _application_id(name)
    office.by_application[application_id] = pending
    office.trace_ids.setdefault(application_id, trace_id)
    answered: set[int] = set()
    while True:
        async with office.board_refreshed:
            await office.board_refreshed.wait()
        current = office.latest.get(application_id)
        if current is None:  # submitted after the board's last listing
            continue
        if current.stage in DECIDED_STAGES:
            return
        if pending.withdraw and current.stage == applicants_pb.STAGE_TECHNICAL_REVIEW:
            try:
                await office.applicants.WithdrawApplication(
                    applicants_api.WithdrawApplicationRequest(
                        name=name, reason="The line is closed."
                    ),
                    metadata=me,
                )
            except grpc.aio.AioRpcError as error:
                # Withdrawn already (a retried call whose first answer was lost): next read.
                if error.code() is not grpc.StatusCode.FAILED_PRECONDITION:
                    raise
        elif (
            current.stage == applicants_pb.STAGE_RETURNED_FOR_REVISION
            and len(current.stage_history) not in answered
        ):
            answered.add(len(current.stage_history))
            await _answer_return(office, pending, current, me)


async def status_board(office: Office) -> None:
    """Lists every application, page by page, and tells the enterprises: one listing serves
    hundreds of enterprises, where each polling its own application would swamp the service."""
    me = office.token(Role.OPS, "status-board")
    while not office.finished.is_set():
        page_token = ""
        while True:
            page = await office.applicants.ListApplications(
                applicants_api.ListApplicationsRequest(page_size=500, page_token=page_token),
                metadata=me,
            )
            for application in page.applications:
                application_id = _application_id(application.name)
                if application_id in office.by_application:
                    office.latest[application_id] = application
                    office.stages[application_id] = application.stage
            page_token = page.next_page_token
            if not page_token:
                break
        async with office.board_refreshed:
            office.board_refreshed.notify_all()
        await asyncio.sleep(office.board_poll_seconds)


async def _answer_return(
    office: Office, pending: Pending, current: applicants_pb.Application, me: tuple[tuple[str, str]]
) -> None:
    reason = current.stage_history[-1].reason
    amendment = applicants_api.AmendApplicationRequest(
        name=current.name,
        request_id=str(uuid.uuid5(_COMMENTS, f"{current.name}/{len(current.stage_history)}")),
        response="Added as requested.",
    )
    if "programme" in reason:
        amendment.efficiency_programme.extend(pending.programme_milestones())
    else:
        amendment.documents.extend(pending.documents(pending.missing))
    try:
        await office.applicants.AmendApplication(amendment, metadata=me)
    except grpc.aio.AioRpcError as error:
        # Read as returned a moment ago, but the procedure has moved on since: nothing to do.
        if error.code() is not grpc.StatusCode.FAILED_PRECONDITION:
            raise


Decide = Callable[[reviews_pb.Task, Pending], Awaitable[reviews_api.CompleteTaskRequest]]


async def desk(office: Office, role: Role, subject: str, kinds: set[int], decide: Decide) -> None:
    """Works the role's inbox: claims each open task of these kinds and completes it."""
    me = office.token(role, subject)
    while not office.finished.is_set():
        inbox = await office.reviews.ListTasks(
            reviews_api.ListTasksRequest(
                role=f"ROLE_{role.value.upper()}", state=reviews_pb.TASK_STATE_OPEN, page_size=100
            ),
            metadata=me,
        )
        # What this person claimed before a restart is theirs to finish (claiming again is
        # a no-op for the claimant).
        claimed = await office.reviews.ListTasks(
            reviews_api.ListTasksRequest(
                assignee=subject, state=reviews_pb.TASK_STATE_CLAIMED, page_size=100
            ),
            metadata=me,
        )
        completed = 0
        for task in [*claimed.tasks, *inbox.tasks]:
            pending = office.by_application.get(_application_id(task.application))
            if task.kind not in kinds or pending is None:
                continue
            try:
                await office.reviews.ClaimTask(
                    reviews_api.ClaimTaskRequest(name=task.name), metadata=me
                )
                completion = await decide(task, pending)
                completion.name = task.name
                await office.reviews.CompleteTask(completion, metadata=me)
                completed += 1
            except grpc.aio.AioRpcError as error:
                # Claimed by a colleague, or cancelled by a withdrawal: on to the next one.
                if error.code() not in (
                    grpc.StatusCode.FAILED_PRECONDITION,
                    grpc.StatusCode.PERMISSION_DENIED,
                ):
                    raise
        # Straight back to the inbox after a productive round; a pause after an idle one.
        if not completed:
            await asyncio.sleep(office.staff_poll_seconds)


def reviewer_decisions(office: Office) -> Decide:
    async def decide(task: reviews_pb.Task, pending: Pending) -> reviews_api.CompleteTaskRequest:
        kind = task.kind
        if kind == reviews_pb.TASK_KIND_COMPLETENESS:
            if "missing" in task.instructions:
                return reviews_api.CompleteTaskRequest(
                    outcome=reviews_pb.TASK_OUTCOME_INCOMPLETE,
                    comments=f"Returned: {task.instructions}",
                )
            return reviews_api.CompleteTaskRequest(outcome=reviews_pb.TASK_OUTCOME_COMPLETE)
        if kind == reviews_pb.TASK_KIND_STATE_EXPERTISE:
            if pending.negative_expertise:
                return reviews_api.CompleteTaskRequest(
                    outcome=reviews_pb.TASK_OUTCOME_NEGATIVE_CONCLUSION,
                    comments="The project documentation does not show the heaters' SO2 control.",
                )
            return reviews_api.CompleteTaskRequest(
                outcome=reviews_pb.TASK_OUTCOME_POSITIVE_CONCLUSION
            )
        if kind == reviews_pb.TASK_KIND_COMMENT_DISPOSITION:
            comments = await office.reviews.ListPublicComments(
                reviews_api.ListPublicCommentsRequest(parent=task.application, page_size=500),
                metadata=office.token(Role.REVIEWER, "reviewer-1"),
            )
            return reviews_api.CompleteTaskRequest(
                outcome=reviews_pb.TASK_OUTCOME_ACKNOWLEDGED,
                comment_dispositions=[
                    reviews_api.CommentDispositionEntry(
                        public_comment=comment.name,
                        disposition=reviews_pb.COMMENT_DISPOSITION_ACCEPTED,
                        reason="Made a permit condition on monitoring reports.",
                    )
                    for comment in comments.public_comments
                ],
            )
        return reviews_api.CompleteTaskRequest(outcome=reviews_pb.TASK_OUTCOME_NO_OBJECTIONS)

    return decide


def bat_expert_decisions(office: Office) -> Decide:
    async def decide(task: reviews_pb.Task, pending: Pending) -> reviews_api.CompleteTaskRequest:
        if not pending.expert_override:
            return reviews_api.CompleteTaskRequest(outcome=reviews_pb.TASK_OUTCOME_BAT_CONFIRMED)
        assessment = (
            await office.reviews.GetBatAssessment(
                reviews_api.GetBatAssessmentRequest(name=f"{task.application}/batAssessment"),
                metadata=office.token(Role.BAT_EXPERT, "expert-1"),
            )
        ).bat_assessment
        overrides = [
            reviews_api.BatVerdictReview(
                source_id=row.source_id,
                pollutant=row.pollutant,
                verdict=reviews_pb.BAT_VERDICT_WITHIN_RANGE,
                reason=pending.expert_override,
            )
            for row in assessment.rows
            if row.verdict == reviews_pb.BAT_VERDICT_ABOVE_UPPER_BOUND
        ]
        outcome = (
            reviews_pb.TASK_OUTCOME_BAT_OVERRIDDEN
            if overrides
            else reviews_pb.TASK_OUTCOME_BAT_CONFIRMED
        )
        return reviews_api.CompleteTaskRequest(outcome=outcome, bat_reviews=overrides)

    return decide


async def decision_maker_decides(
    task: reviews_pb.Task, pending: Pending
) -> reviews_api.CompleteTaskRequest:
    if pending.negative_expertise:
        return reviews_api.CompleteTaskRequest(
            outcome=reviews_pb.TASK_OUTCOME_REFUSE,
            comments="Refused: negative conclusion of the state environmental expertise.",
        )
    return reviews_api.CompleteTaskRequest(outcome=reviews_pb.TASK_OUTCOME_APPROVE)


async def hearing_upholds(
    task: reviews_pb.Task, pending: Pending
) -> reviews_api.CompleteTaskRequest:
    return reviews_api.CompleteTaskRequest(
        outcome=reviews_pb.TASK_OUTCOME_REFUSE,
        comments="Heard the applicant; no new evidence on SO2 control. Refusal upheld.",
    )


async def head_acknowledges(
    task: reviews_pb.Task, pending: Pending
) -> reviews_api.CompleteTaskRequest:
    return reviews_api.CompleteTaskRequest(
        outcome=reviews_pb.TASK_OUTCOME_ACKNOWLEDGED, comments="Noted; staff reminded."
    )


async def inspector(office: Office) -> None:
    """Visits each pre-permit inspection and records the act."""
    me = office.token(Role.INSPECTOR, "inspector-1")
    while not office.finished.is_set():
        scheduled = await office.inspections.ListInspections(
            inspections_api.ListInspectionsRequest(
                state=inspections_pb.INSPECTION_STATE_SCHEDULED, page_size=100
            ),
            metadata=me,
        )
        for inspection in scheduled.inspections:
            pending = office.by_application.get(_application_id(inspection.application))
            if pending is None:
                continue
            visited = inspection.scheduled_date
            due = date_pb2.Date(
                year=visited.year + 1, month=visited.month, day=min(visited.day, 28)
            )
            act = inspections_api.RecordFindingsRequest(
                name=inspection.name,
                checklist=[
                    inspections_pb.ChecklistItem(
                        code="ASM-01", description="Automated monitoring transmits", compliant=True
                    )
                ],
            )
            for number in range(1, pending.inspection_violations + 1):
                act.violations.add(
                    violation_id=f"v{number}",
                    category=inspections_pb.VIOLATION_CATEGORY_PERMIT_CONDITIONS,
                    breached_norm="EC Art. 182(1)",
                    severity=inspections_pb.SEVERITY_SIGNIFICANT,
                    description="Production control records incomplete for one quarter.",
                )
                act.prescriptions.add(
                    violation_id=f"v{number}", action="Restore the records.", due_date=due
                )
            try:
                await office.inspections.RecordFindings(act, metadata=me)
            except grpc.aio.AioRpcError as error:
                if error.code() is not grpc.StatusCode.FAILED_PRECONDITION:
                    raise
        await asyncio.sleep(office.staff_poll_seconds)


async def public(office: Office) -> None:
    """NGOs comment on the applications they follow, while consultation is open."""
    commented: set[str] = set()
    while not office.finished.is_set():
        for application_id, stage in list(office.stages.items()):
            pending = office.by_application[application_id]
            if (
                pending.public_comment
                and stage == applicants_pb.STAGE_PUBLIC_CONSULTATION
                and application_id not in commented
            ):
                # Each application draws its own commenter (a person may post ten an hour).
                me = office.token(Role.PUBLIC, f"ecoforum-{application_id[:8]}")
                with_request = str(uuid.uuid5(_COMMENTS, application_id))
                try:
                    await office.reviews.SubmitPublicComment(
                        reviews_api.SubmitPublicCommentRequest(
                            parent=f"applications/{application_id}",
                            request_id=with_request,
                            public_comment=reviews_pb.PublicComment(
                                author_display_name="Ecoforum of Kazakhstan",
                                text="Please publish the automated monitoring data monthly.",
                            ),
                        ),
                        metadata=me,
                    )
                    commented.add(application_id)
                except grpc.aio.AioRpcError as error:
                    if error.code() is not grpc.StatusCode.FAILED_PRECONDITION:
                        raise
                    commented.add(application_id)  # the window closed before we got there
        await asyncio.sleep(_POLL_SECONDS / 2)
