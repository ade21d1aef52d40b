"""Scripted people: each acts only through the public gRPC API, under a token of its own role.

Applicants submit, resubmit, answer remarks (disagreeing once), object and withdraw; reviewers,
a BAT expert, decision makers, a head of department and the public at the hearings work their
inboxes as the permit workflows fill them.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import grpc
from opentelemetry import trace

from ecopermit.applicants.v1 import applicant_service_pb2 as applicants_api
from ecopermit.applicants.v1 import applicant_service_pb2_grpc
from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.demo.dataset import Pending
from ecopermit.domain import tasks
from ecopermit.domain.stages import AWAITING_APPLICANT_STAGES, DECIDED_STAGES
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.reviews.v1 import review_service_pb2 as reviews_api
from ecopermit.reviews.v1 import review_service_pb2_grpc
from ecopermit.runtime import document_upload
from ecopermit.runtime.esign.local_authority import LocalAuthority, local_principal
from ecopermit.runtime.esign.requests import SignedRequest
from ecopermit.runtime.esign.statements import Purpose
from ecopermit.runtime.identity import Role
from ecopermit.runtime.tokens import TokenIssuer

_POLL_SECONDS = 0.1
_COMMENTS = uuid.UUID("8d2b6f0e-4a1c-4e57-9b3d-2f6a8c1e5d90")
_tracer = trace.get_tracer(__name__)


@dataclass
class Office:
    """What every actor shares: the stubs, the tokens, and what has been submitted."""

    applicants: applicant_service_pb2_grpc.ApplicantServiceStub
    reviews: review_service_pb2_grpc.ReviewServiceStub
    issuer: TokenIssuer
    # Whose test keys the demo's people sign with: the embedded default's local authority.
    authority: LocalAuthority
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
        principal = local_principal(subject, role, bin_)
        return (("authorization", f"Bearer {self.issuer.mint(principal)}"),)

    def signed(
        self,
        request: SignedRequest,
        purpose: Purpose,
        role: Role,
        subject: str,
        bin_: str | None = None,
    ) -> SignedRequest:
        """`request` signed with the ЭЦП of the person `token(role, subject, bin_)` is for."""
        return self.authority.sign(request, purpose, local_principal(subject, role, bin_))


def _application_id(name: str) -> str:
    return name.removeprefix("applications/")


async def upload_documents(
    applicants: applicant_service_pb2_grpc.ApplicantServiceStub,
    pending: Pending,
    kinds: list[str],
    me: Sequence[tuple[str, str]],
) -> None:
    """The enterprise uploads the documents it is about to cite (again, on a second run:
    the same bytes return the same document)."""
    for kind, document in zip(kinds, pending.documents(kinds), strict=True):
        await document_upload.upload(
            applicants, pending.bin, document.file_name, pending.document_content(kind), me
        )


async def enterprise(office: Office, pending: Pending) -> None:
    """One enterprise: registers, submits, answers returns, withdraws if it means to."""
    officer = f"{pending.key}-officer"
    me = office.token(Role.APPLICANT, officer, pending.bin)
    try:
        await office.applicants.RegisterEnterprise(
            applicants_api.RegisterEnterpriseRequest(enterprise=pending.enterprise_message()),
            metadata=me,
        )
    except grpc.aio.AioRpcError as error:
        if error.code() is not grpc.StatusCode.ALREADY_EXISTS:  # a second run of the demo
            raise
    with _tracer.start_as_current_span(f"demo submits {pending.key}") as span:
        await upload_documents(office.applicants, pending, pending.sent_documents(), me)
        submission = applicants_api.SubmitApplicationRequest(
            request_id=pending.request_id, application=pending.application()
        )
        submitted = await office.applicants.SubmitApplication(
            office.signed(submission, Purpose.SUBMISSION, Role.APPLICANT, officer, pending.bin),
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
        if pending.withdraw and current.stage == applicants_pb.STAGE_STATE_EXPERTISE:
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
            current.stage in AWAITING_APPLICANT_STAGES
            and len(current.stage_history) not in answered
        ):
            answered.add(len(current.stage_history))
            await _answer(office, pending, current, officer)


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


async def _answer(
    office: Office, pending: Pending, current: applicants_pb.Application, officer: str
) -> None:
    """What the enterprise's officer says, and signs, when the procedure waits for it: the
    missing documents, the answer to remarks (an efficiency programme where asked, or its
    disagreement), or its objection to a preliminary refusal."""
    me = office.token(Role.APPLICANT, officer, pending.bin)
    reason = current.stage_history[-1].reason
    amendment = applicants_api.AmendApplicationRequest(
        name=current.name,
        request_id=str(uuid.uuid5(_COMMENTS, f"{current.name}/{len(current.stage_history)}")),
        response="Added as requested.",
    )
    if current.stage == applicants_pb.STAGE_NOT_ACCEPTED:
        await upload_documents(office.applicants, pending, pending.missing, me)
        amendment.documents.extend(pending.documents(pending.missing))
    elif current.stage == applicants_pb.STAGE_PRELIMINARY_DECISION:
        amendment.response = "We object: the SO2 control of the heaters is in the revised design."
    elif pending.disagree:
        amendment.response = pending.disagree
        amendment.disagree = True
    elif "efficiency programme" in reason:
        amendment.efficiency_programme.extend(pending.programme_milestones())
        amendment.response = "The efficiency programme (ППЭЭ) is attached."
    else:
        amendment.response = "We accept the remarks and the draft permit."
    try:
        await office.applicants.AmendApplication(
            office.signed(amendment, Purpose.ANSWER, Role.APPLICANT, officer, pending.bin),
            metadata=me,
        )
    except grpc.aio.AioRpcError as error:
        # Read as waiting a moment ago, but the procedure has moved on since: nothing to do.
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
                if tasks.spec(task.kind).signed_decision:
                    office.signed(completion, Purpose.DECISION, role, subject)
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
        if kind == reviews_pb.TASK_KIND_REMARKS:
            if "Remarks that must be made" in task.instructions or pending.remark:
                return reviews_api.CompleteTaskRequest(
                    outcome=reviews_pb.TASK_OUTCOME_REMARKS_SENT,
                    comments=pending.remark or "As listed in the instructions.",
                )
            return reviews_api.CompleteTaskRequest(
                outcome=reviews_pb.TASK_OUTCOME_DRAFT_PERMIT_SENT
            )
        if kind == reviews_pb.TASK_KIND_TRANSBOUNDARY:
            return reviews_api.CompleteTaskRequest(
                outcome=reviews_pb.TASK_OUTCOME_ACKNOWLEDGED,
                comments="The Ministry of Foreign Affairs reports the consultation concluded.",
            )
        if kind in (
            reviews_pb.TASK_KIND_COMMENT_DISPOSITION,
            reviews_pb.TASK_KIND_HEARING_PROTOCOL,
        ):
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
                        reason="Answered at the hearing: a permit condition on monitoring reports.",
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


_NEGATIVE_EXPERTISE = [reviews_pb.REFUSAL_GROUND_NEGATIVE_STATE_EXPERTISE]


async def decision_maker_decides(
    task: reviews_pb.Task, pending: Pending
) -> reviews_api.CompleteTaskRequest:
    if pending.negative_expertise:
        return reviews_api.CompleteTaskRequest(
            outcome=reviews_pb.TASK_OUTCOME_REFUSE,
            comments="Refused: negative conclusion of the state environmental expertise.",
            refusal_grounds=_NEGATIVE_EXPERTISE,
        )
    return reviews_api.CompleteTaskRequest(outcome=reviews_pb.TASK_OUTCOME_APPROVE)


async def hearing_upholds(
    task: reviews_pb.Task, pending: Pending
) -> reviews_api.CompleteTaskRequest:
    return reviews_api.CompleteTaskRequest(
        outcome=reviews_pb.TASK_OUTCOME_REFUSE,
        comments="Heard the applicant; no new evidence on SO2 control. Refusal upheld.",
        refusal_grounds=_NEGATIVE_EXPERTISE,
    )


async def head_of_department(
    task: reviews_pb.Task, pending: Pending
) -> reviews_api.CompleteTaskRequest:
    """Resolves disagreements with remarks and answers escalated lapses."""
    if task.kind == reviews_pb.TASK_KIND_DISAGREEMENT:
        return reviews_api.CompleteTaskRequest(
            outcome=reviews_pb.TASK_OUTCOME_REMARKS_WITHDRAWN,
            comments="The monitoring data serves the remark's purpose; the remark is withdrawn.",
        )
    return reviews_api.CompleteTaskRequest(
        outcome=reviews_pb.TASK_OUTCOME_ACKNOWLEDGED, comments="Noted; staff reminded."
    )


_QUESTIONS = (
    ("Ecoforum of Kazakhstan", "Will the automated monitoring data be published monthly?"),
    ("A resident of the district", "How will dust from the site be kept off the houses?"),
)


async def public(office: Office) -> None:
    """People ask their questions at the public hearing held during the expertise."""
    asked: set[str] = set()
    while not office.finished.is_set():
        for application_id, stage in list(office.stages.items()):
            pending = office.by_application[application_id]
            if (
                pending.public_comment
                and stage == applicants_pb.STAGE_STATE_EXPERTISE
                and application_id not in asked
            ):
                await _ask(office, application_id)
                asked.add(application_id)
        await asyncio.sleep(_POLL_SECONDS / 2)


async def _ask(office: Office, application_id: str) -> None:
    for number, (author, question) in enumerate(_QUESTIONS):
        # Each person has an identity of their own (a person may post ten an hour).
        me = office.token(Role.PUBLIC, f"public-{number}-{application_id[:8]}")
        try:
            await office.reviews.SubmitPublicComment(
                reviews_api.SubmitPublicCommentRequest(
                    parent=f"applications/{application_id}",
                    request_id=str(uuid.uuid5(_COMMENTS, f"{application_id}/{number}")),
                    public_comment=reviews_pb.PublicComment(
                        author_display_name=author, text=question
                    ),
                ),
                metadata=me,
            )
        except grpc.aio.AioRpcError as error:
            # The hearing closed, or has not opened yet: it is not asked.
            if error.code() is not grpc.StatusCode.FAILED_PRECONDITION:
                raise
