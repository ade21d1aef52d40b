"""ReviewService through a real channel: inboxes, claims under concurrency, completions with
four eyes, BAT review, consultation comments; the completion outbox beside each completion."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import grpc
import pytest
from sqlalchemy import update
from sqlmodel import col

from ecopermit.domain import errors
from ecopermit.reviews.v1 import resources_pb2 as pb
from ecopermit.reviews.v1 import review_service_pb2 as api
from ecopermit.reviews.v1 import review_service_pb2_grpc, review_workflow_service_pb2_grpc
from ecopermit.reviews.v1 import review_workflow_service_pb2 as workflow_api
from ecopermit.runtime.database import create_engine, session_factory
from ecopermit.runtime.esign.local_authority import stand_in_iin
from ecopermit.runtime.esign.statements import Purpose
from ecopermit.runtime.grpc.status import reason_of
from ecopermit.runtime.identity import Role
from ecopermit.runtime.settings import ServiceName, Settings
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.services.reviews.models import TaskRecord
from ecopermit.services.reviews.store import ReviewStore
from ecopermit.type.v1 import kazakhstan_pb2 as kz
from tests import samples
from tests.conftest import (
    ENTERPRISE_BIN,
    OTHER_ENTERPRISE_BIN,
    Metadata,
    ServiceChannel,
    bearer,
    violation_reasons,
)

APPLICATION = "applications/a-1"


@dataclass
class Desk:
    """The review desk: stubs, and a token maker for anyone who comes to it."""

    inbox: review_service_pb2_grpc.ReviewServiceStub
    workflow: review_workflow_service_pb2_grpc.ReviewWorkflowServiceStub
    issuer: TokenIssuer
    settings: Settings

    def as_(self, role: Role, subject: str) -> Metadata:
        return bearer(self.issuer, role, subject)

    async def create(self, kind: pb.TaskKind, task_id: str | None = None) -> pb.Task:
        due = datetime.now(UTC) + timedelta(days=5)
        request = workflow_api.CreateTaskRequest(
            task_id=task_id or f"t-{uuid.uuid4().hex[:12]}", application=APPLICATION, kind=kind
        )
        request.due_time.FromDatetime(due)
        response = await self.workflow.CreateTask(request, metadata=self.as_(Role.WORKER, "wf"))
        task: pb.Task = response.task
        return task

    async def claim(self, task: pb.Task, who: Metadata) -> pb.Task:
        response = await self.inbox.ClaimTask(api.ClaimTaskRequest(name=task.name), metadata=who)
        claimed: pb.Task = response.task
        return claimed

    async def complete(
        self,
        task: pb.Task,
        who: Metadata,
        outcome: pb.TaskOutcome,
        *,
        signed_by: str | None = None,
        **extra: object,
    ) -> pb.Task:
        """Completes `task`; a decision signed with the ЭЦП of the decision maker `signed_by`."""
        request = api.CompleteTaskRequest(name=task.name, outcome=outcome, **extra)  # type: ignore[arg-type]
        if signed_by is not None:
            samples.signed(request, Purpose.DECISION, signed_by, role=Role.DECISION_MAKER)
        response = await self.inbox.CompleteTask(request, metadata=who)
        completed: pb.Task = response.task
        return completed

    async def pending_completions(self) -> list[str]:
        engine = create_engine(self.settings.database_url(ServiceName.REVIEWS))
        try:
            store = ReviewStore(session_factory(engine), comments_per_hour=1)
            return [d.key for d in await store.pending_deliveries(100)]
        finally:
            await engine.dispose()


@pytest.fixture
async def desk(service_channel: ServiceChannel, issuer: TokenIssuer, settings: Settings) -> Desk:
    channel = await service_channel(ServiceName.REVIEWS)
    return Desk(
        inbox=review_service_pb2_grpc.ReviewServiceStub(channel),
        workflow=review_workflow_service_pb2_grpc.ReviewWorkflowServiceStub(channel),
        issuer=issuer,
        settings=settings,
    )


async def rpc_error(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    return caught.value


async def test_the_workflow_creates_a_task_once_per_id(desk: Desk) -> None:
    first = await desk.create(pb.TASK_KIND_COMPLETENESS, "a-1-completeness-1")
    again = await desk.create(pb.TASK_KIND_COMPLETENESS, "a-1-completeness-1")
    assert again == first
    assert first.state == pb.TASK_STATE_OPEN
    assert first.required_role == Role.REVIEWER.to_proto()
    clash = await rpc_error(desk.create(pb.TASK_KIND_DECISION, "a-1-completeness-1"))
    assert clash.code() is grpc.StatusCode.ALREADY_EXISTS


async def test_each_role_sees_its_own_inbox(desk: Desk) -> None:
    completeness = await desk.create(pb.TASK_KIND_COMPLETENESS)
    bat = await desk.create(pb.TASK_KIND_BAT_REVIEW)
    decision = await desk.create(pb.TASK_KIND_DECISION)
    reviewer = await desk.inbox.ListTasks(
        api.ListTasksRequest(), metadata=desk.as_(Role.REVIEWER, "r1")
    )
    assert [t.name for t in reviewer.tasks] == [completeness.name]
    expert = await desk.inbox.ListTasks(
        api.ListTasksRequest(), metadata=desk.as_(Role.BAT_EXPERT, "e1")
    )
    assert [t.name for t in expert.tasks] == [bat.name]
    ops = await desk.inbox.ListTasks(api.ListTasksRequest(), metadata=desk.as_(Role.OPS, "o1"))
    assert [t.name for t in ops.tasks] == [completeness.name, bat.name, decision.name]
    prying = await rpc_error(
        desk.inbox.ListTasks(
            api.ListTasksRequest(role=Role.DECISION_MAKER.to_proto()),  # type: ignore[arg-type]
            metadata=desk.as_(Role.REVIEWER, "r1"),
        )
    )
    assert prying.code() is grpc.StatusCode.PERMISSION_DENIED


async def test_of_concurrent_claimants_exactly_one_wins(desk: Desk) -> None:
    task = await desk.create(pb.TASK_KIND_TECHNICAL_AIR)
    reviewers = [desk.as_(Role.REVIEWER, f"r{i}") for i in range(6)]
    results = await asyncio.gather(
        *(desk.claim(task, who) for who in reviewers), return_exceptions=True
    )
    winners = [r for r in results if isinstance(r, pb.Task)]
    losers = [r for r in results if isinstance(r, grpc.aio.AioRpcError)]
    assert len(winners) == 1
    assert len(losers) == 5
    assert {e.code() for e in losers} == {grpc.StatusCode.FAILED_PRECONDITION}
    assert winners[0].state == pb.TASK_STATE_CLAIMED
    mine = await desk.inbox.ListTasks(
        api.ListTasksRequest(assignee=winners[0].assignee, state=pb.TASK_STATE_CLAIMED),
        metadata=desk.as_(Role.REVIEWER, winners[0].assignee),
    )
    assert [t.name for t in mine.tasks] == [task.name]


async def test_a_task_is_claimed_by_its_role_only(desk: Desk) -> None:
    task = await desk.create(pb.TASK_KIND_BAT_REVIEW)
    wrong = await rpc_error(desk.claim(task, desk.as_(Role.REVIEWER, "r1")))
    assert wrong.code() is grpc.StatusCode.PERMISSION_DENIED
    expert = desk.as_(Role.BAT_EXPERT, "e1")
    assert (await desk.claim(task, expert)).assignee == "e1"
    assert (await desk.claim(task, expert)).assignee == "e1"  # claiming again is harmless


async def test_completion_checks_claimant_outcome_and_reasons_then_queues_delivery(
    desk: Desk,
) -> None:
    task = await desk.create(pb.TASK_KIND_COMPLETENESS)
    r1, r2 = desk.as_(Role.REVIEWER, "r1"), desk.as_(Role.REVIEWER, "r2")
    await desk.claim(task, r1)
    not_mine = await rpc_error(desk.complete(task, r2, pb.TASK_OUTCOME_COMPLETE))
    assert not_mine.code() is grpc.StatusCode.PERMISSION_DENIED
    wrong_kind = await rpc_error(desk.complete(task, r1, pb.TASK_OUTCOME_APPROVE))
    assert wrong_kind.code() is grpc.StatusCode.INVALID_ARGUMENT
    unreasoned = await rpc_error(desk.complete(task, r1, pb.TASK_OUTCOME_INCOMPLETE))
    assert unreasoned.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert await desk.pending_completions() == []
    done = await desk.complete(
        task, r1, pb.TASK_OUTCOME_INCOMPLETE, comments="The waste programme is missing"
    )
    assert done.state == pb.TASK_STATE_COMPLETED
    assert done.outcome == pb.TASK_OUTCOME_INCOMPLETE
    retried = await desk.complete(
        task, r1, pb.TASK_OUTCOME_INCOMPLETE, comments="The waste programme is missing"
    )
    assert retried == done
    changed = await rpc_error(desk.complete(task, r1, pb.TASK_OUTCOME_COMPLETE))
    assert changed.code() is grpc.StatusCode.FAILED_PRECONDITION
    assert await desk.pending_completions() == [task.name.removeprefix("tasks/")]


async def test_a_cancelled_task_cannot_be_completed(desk: Desk) -> None:
    task = await desk.create(pb.TASK_KIND_TECHNICAL_WATER)
    r1 = desk.as_(Role.REVIEWER, "r1")
    await desk.claim(task, r1)
    await desk.workflow.CancelTask(
        workflow_api.CancelTaskRequest(name=task.name), metadata=desk.as_(Role.WORKER, "wf")
    )
    late = await rpc_error(desk.complete(task, r1, pb.TASK_OUTCOME_NO_OBJECTIONS))
    assert late.code() is grpc.StatusCode.FAILED_PRECONDITION


async def test_a_decision_maker_who_worked_the_application_cannot_decide_it(desk: Desk) -> None:
    escalation = await desk.create(pb.TASK_KIND_ESCALATION)
    decision = await desk.create(pb.TASK_KIND_DECISION)
    dm1, dm2 = desk.as_(Role.DECISION_MAKER, "dm1"), desk.as_(Role.DECISION_MAKER, "dm2")
    await desk.claim(escalation, dm1)
    await desk.complete(escalation, dm1, pb.TASK_OUTCOME_ACKNOWLEDGED)
    refused = await rpc_error(desk.claim(decision, dm1))
    assert refused.code() is grpc.StatusCode.PERMISSION_DENIED
    assert "four eyes" in (refused.details() or "")
    await desk.claim(decision, dm2)
    approved = await desk.complete(decision, dm2, pb.TASK_OUTCOME_APPROVE, signed_by="dm2")
    assert approved.outcome == pb.TASK_OUTCOME_APPROVE


async def test_a_decision_is_taken_only_with_its_makers_signature(desk: Desk) -> None:
    decision = await desk.create(pb.TASK_KIND_DECISION)
    maker = desk.as_(Role.DECISION_MAKER, "dm-zhanna")
    await desk.claim(decision, maker)
    unsigned = await rpc_error(desk.complete(decision, maker, pb.TASK_OUTCOME_APPROVE))
    assert unsigned.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert violation_reasons(unsigned) == ["signature.missing"]
    # A colleague's signature is not the signed-in decision maker's.
    colleagues = await rpc_error(
        desk.complete(decision, maker, pb.TASK_OUTCOME_APPROVE, signed_by="dm-other")
    )
    assert violation_reasons(colleagues) == ["signature.signer"]
    # The signature covers the outcome: one made for an approval does not carry a refusal.
    approval = samples.signed(
        api.CompleteTaskRequest(name=decision.name, outcome=pb.TASK_OUTCOME_APPROVE),
        Purpose.DECISION,
        "dm-zhanna",
        role=Role.DECISION_MAKER,
    )
    approval.outcome = pb.TASK_OUTCOME_REFUSE
    approval.comments = "Refused on the grounds below."
    approval.refusal_grounds.append(pb.REFUSAL_GROUND_INCOMPLETE_OR_FALSE_DOCUMENTS)
    swapped = await rpc_error(desk.inbox.CompleteTask(approval, metadata=maker))
    assert violation_reasons(swapped) == ["signature.content"]
    still = await desk.inbox.GetTask(api.GetTaskRequest(name=decision.name), metadata=maker)
    assert still.task.state == pb.TASK_STATE_CLAIMED
    assert await desk.pending_completions() == []
    approved = await desk.complete(decision, maker, pb.TASK_OUTCOME_APPROVE, signed_by="dm-zhanna")
    assert approved.signature.purpose == Purpose.DECISION.value
    assert approved.signature.signer_name == "dm-zhanna"
    assert approved.signature.signer_iin == stand_in_iin("dm-zhanna")
    read = await desk.inbox.GetTask(api.GetTaskRequest(name=decision.name), metadata=maker)
    assert read.task.signature == approved.signature
    assert await desk.pending_completions() == [decision.name.removeprefix("tasks/")]


async def test_only_decisions_carry_a_signature(desk: Desk) -> None:
    task = await desk.create(pb.TASK_KIND_COMPLETENESS)
    reviewer = desk.as_(Role.REVIEWER, "r1")
    await desk.claim(task, reviewer)
    done = await desk.complete(task, reviewer, pb.TASK_OUTCOME_COMPLETE)
    assert not done.HasField("signature")


async def _record_assessment(desk: Desk) -> None:
    assessment = pb.BatAssessment(
        name=f"{APPLICATION}/batAssessment",
        application=APPLICATION,
        enterprise=f"enterprises/{ENTERPRISE_BIN}",
        rows=[
            pb.BatAssessmentRow(
                source_id="stack-1",
                source_type="pc_boiler",
                pollutant=kz.POLLUTANT_NOX,
                declared_mg_nm3=180,
                normalised_mg_nm3=180,
                reference_oxygen_percent=6,
                bat_ael_low=65,
                bat_ael_high=150,
                verdict=pb.BAT_VERDICT_ABOVE_UPPER_BOUND,
            ),
            pb.BatAssessmentRow(
                source_id="stack-1",
                source_type="pc_boiler",
                pollutant=kz.POLLUTANT_DUST,
                declared_mg_nm3=8,
                normalised_mg_nm3=8,
                bat_ael_low=2,
                bat_ael_high=10,
                verdict=pb.BAT_VERDICT_WITHIN_RANGE,
            ),
        ],
        programme_required=True,
    )
    await desk.workflow.RecordBatAssessment(
        workflow_api.RecordBatAssessmentRequest(bat_assessment=assessment),
        metadata=desk.as_(Role.WORKER, "wf"),
    )


async def test_a_bat_expert_overrides_a_verdict_only_with_a_written_reason(desk: Desk) -> None:
    await _record_assessment(desk)
    task = await desk.create(pb.TASK_KIND_BAT_REVIEW)
    expert = desk.as_(Role.BAT_EXPERT, "e1")
    await desk.claim(task, expert)
    override = api.BatVerdictReview(
        source_id="stack-1", pollutant=kz.POLLUTANT_NOX, verdict=pb.BAT_VERDICT_WITHIN_RANGE
    )
    unexplained = await rpc_error(
        desk.complete(task, expert, pb.TASK_OUTCOME_BAT_OVERRIDDEN, bat_reviews=[override])
    )
    assert unexplained.code() is grpc.StatusCode.INVALID_ARGUMENT
    override.reason = "Measured at 3% O2, not 6%: normalised value is within range"
    mislabelled = await rpc_error(
        desk.complete(task, expert, pb.TASK_OUTCOME_BAT_CONFIRMED, bat_reviews=[override])
    )
    assert mislabelled.code() is grpc.StatusCode.INVALID_ARGUMENT
    await desk.complete(task, expert, pb.TASK_OUTCOME_BAT_OVERRIDDEN, bat_reviews=[override])
    reviewed = (
        await desk.inbox.GetBatAssessment(
            api.GetBatAssessmentRequest(name=f"{APPLICATION}/batAssessment"),
            metadata=desk.as_(Role.DECISION_MAKER, "dm1"),
        )
    ).bat_assessment
    assert reviewed.reviewed
    nox, dust = reviewed.rows
    assert nox.expert_verdict == pb.BAT_VERDICT_WITHIN_RANGE
    assert nox.expert_reason.startswith("Measured at 3% O2")
    assert dust.expert_verdict == pb.BAT_VERDICT_WITHIN_RANGE


async def test_an_applicant_reads_its_own_bat_assessment_and_no_other_enterprises(
    desk: Desk,
) -> None:
    await _record_assessment(desk)

    async def read(who: Metadata, application: str) -> pb.BatAssessment:
        request = api.GetBatAssessmentRequest(name=f"{application}/batAssessment")
        assessment: pb.BatAssessment = (
            await desk.inbox.GetBatAssessment(request, metadata=who)
        ).bat_assessment
        return assessment

    owner = desk.as_(Role.APPLICANT, "aliya")
    assert (await read(owner, APPLICATION)).enterprise == f"enterprises/{ENTERPRISE_BIN}"
    competitor = bearer(desk.issuer, Role.APPLICANT, "boris", OTHER_ENTERPRISE_BIN)
    hidden = await rpc_error(read(competitor, APPLICATION))
    missing = await rpc_error(read(competitor, "applications/no-such-application"))
    assert hidden.code() is missing.code() is grpc.StatusCode.NOT_FOUND
    assert hidden.details() == (missing.details() or "").replace(
        "no-such-application", APPLICATION.removeprefix("applications/")
    )


async def test_comments_are_taken_while_consultation_is_open_and_rate_limited(
    desk: Desk,
) -> None:
    citizen = desk.as_(Role.PUBLIC, "citizen-1")

    def comment(text: str) -> api.SubmitPublicCommentRequest:
        return api.SubmitPublicCommentRequest(
            parent=APPLICATION,
            request_id=str(uuid.uuid4()),
            public_comment=pb.PublicComment(author_display_name="A. Resident", text=text),
        )

    closed = await rpc_error(desk.inbox.SubmitPublicComment(comment("Too early"), metadata=citizen))
    assert closed.code() is grpc.StatusCode.FAILED_PRECONDITION
    opening = workflow_api.OpenPublicConsultationRequest(application=APPLICATION)
    opening.close_time.FromDatetime(datetime.now(UTC) + timedelta(days=30))
    await desk.workflow.OpenPublicConsultation(opening, metadata=desk.as_(Role.WORKER, "wf"))
    first = comment("Dust from the ash dump reaches the school")
    posted = await desk.inbox.SubmitPublicComment(first, metadata=citizen)
    again = await desk.inbox.SubmitPublicComment(first, metadata=citizen)
    assert again.public_comment.name == posted.public_comment.name
    reworded = api.SubmitPublicCommentRequest()
    reworded.CopyFrom(first)
    reworded.public_comment.text = "Dust from the ash dump reaches the hospital"
    reused = await rpc_error(desk.inbox.SubmitPublicComment(reworded, metadata=citizen))
    assert reused.code() is grpc.StatusCode.ALREADY_EXISTS
    assert reason_of(reused) == errors.REASON_REQUEST_ID_REUSED
    for n in range(desk.settings.public_comments_per_hour - 1):
        await desk.inbox.SubmitPublicComment(comment(f"Comment {n}"), metadata=citizen)
    flooded = await rpc_error(desk.inbox.SubmitPublicComment(comment("One more"), metadata=citizen))
    assert flooded.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    oversized = await rpc_error(
        desk.inbox.SubmitPublicComment(comment("x" * 4001), metadata=desk.as_(Role.PUBLIC, "c2"))
    )
    assert oversized.code() is grpc.StatusCode.INVALID_ARGUMENT
    listed = await desk.inbox.ListPublicComments(
        api.ListPublicCommentsRequest(parent=APPLICATION, page_size=4),
        metadata=desk.as_(Role.PUBLIC, "c3"),
    )
    assert listed.public_comments[0].text == "Dust from the ash dump reaches the school"
    assert len(listed.public_comments) == 4
    assert listed.next_page_token


async def test_one_author_sending_thirty_comments_at_once_still_stores_only_the_limit(
    desk: Desk,
) -> None:
    opening = workflow_api.OpenPublicConsultationRequest(application=APPLICATION)
    opening.close_time.FromDatetime(datetime.now(UTC) + timedelta(days=30))
    await desk.workflow.OpenPublicConsultation(opening, metadata=desk.as_(Role.WORKER, "wf"))
    citizen = desk.as_(Role.PUBLIC, "flooder")
    limit = desk.settings.public_comments_per_hour

    async def post(n: int) -> grpc.StatusCode:
        request = api.SubmitPublicCommentRequest(
            parent=APPLICATION,
            request_id=str(uuid.uuid4()),
            public_comment=pb.PublicComment(author_display_name="F", text=f"Comment {n}"),
        )
        try:
            await desk.inbox.SubmitPublicComment(request, metadata=citizen)
        except grpc.aio.AioRpcError as error:
            return error.code()
        return grpc.StatusCode.OK

    # All at once: without a lock per author the counts and the inserts interleave.
    codes = await asyncio.gather(*(post(n) for n in range(limit * 3)))
    assert codes.count(grpc.StatusCode.OK) == limit
    assert codes.count(grpc.StatusCode.RESOURCE_EXHAUSTED) == limit * 2
    listed = await desk.inbox.ListPublicComments(
        api.ListPublicCommentsRequest(parent=APPLICATION, page_size=100), metadata=citizen
    )
    assert len(listed.public_comments) == limit


async def test_every_comment_needs_a_disposition_before_the_task_completes(desk: Desk) -> None:
    opening = workflow_api.OpenPublicConsultationRequest(application=APPLICATION)
    opening.close_time.FromDatetime(datetime.now(UTC) + timedelta(days=30))
    await desk.workflow.OpenPublicConsultation(opening, metadata=desk.as_(Role.WORKER, "wf"))
    posted = []
    for n in range(2):
        response = await desk.inbox.SubmitPublicComment(
            api.SubmitPublicCommentRequest(
                parent=APPLICATION,
                request_id=str(uuid.uuid4()),
                public_comment=pb.PublicComment(author_display_name="NGO", text=f"Point {n}"),
            ),
            metadata=desk.as_(Role.PUBLIC, f"ngo-{n}"),
        )
        posted.append(response.public_comment.name)
    task = await desk.create(pb.TASK_KIND_COMMENT_DISPOSITION)
    r1 = desk.as_(Role.REVIEWER, "r1")
    await desk.claim(task, r1)
    one = api.CommentDispositionEntry(
        public_comment=posted[0],
        disposition=pb.COMMENT_DISPOSITION_ACCEPTED,
        reason="Condition 4 adds dust monitoring",
    )
    partial = await rpc_error(
        desk.complete(task, r1, pb.TASK_OUTCOME_ACKNOWLEDGED, comment_dispositions=[one])
    )
    assert partial.code() is grpc.StatusCode.INVALID_ARGUMENT
    other = api.CommentDispositionEntry(
        public_comment=posted[1], disposition=pb.COMMENT_DISPOSITION_NOTED, reason="Out of scope"
    )
    await desk.complete(task, r1, pb.TASK_OUTCOME_ACKNOWLEDGED, comment_dispositions=[one, other])
    listed = await desk.inbox.ListPublicComments(
        api.ListPublicCommentsRequest(parent=APPLICATION), metadata=r1
    )
    assert [c.disposition for c in listed.public_comments] == [
        pb.COMMENT_DISPOSITION_ACCEPTED,
        pb.COMMENT_DISPOSITION_NOTED,
    ]


async def test_anyone_comments_without_signing_in_by_giving_a_contact_only_staff_read(
    desk: Desk,
) -> None:
    opening = workflow_api.OpenPublicConsultationRequest(application=APPLICATION)
    opening.close_time.FromDatetime(datetime.now(UTC) + timedelta(days=30))
    await desk.workflow.OpenPublicConsultation(opening, metadata=desk.as_(Role.WORKER, "wf"))

    def comment(text: str, contact: str) -> api.SubmitPublicCommentRequest:
        return api.SubmitPublicCommentRequest(
            parent=APPLICATION,
            request_id=str(uuid.uuid4()),
            public_comment=pb.PublicComment(
                author_display_name="Ecoforum", author_contact=contact, text=text
            ),
        )

    # No token at all: without a contact the comment is refused, and nothing is written.
    nameless = await rpc_error(desk.inbox.SubmitPublicComment(comment("Dust?", "")))
    assert nameless.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "author_contact" in (nameless.details() or "")
    listed = api.ListPublicCommentsRequest(parent=APPLICATION)
    assert list((await desk.inbox.ListPublicComments(listed)).public_comments) == []

    posted = await desk.inbox.SubmitPublicComment(comment("Dust?", "eco@example.kz"))
    assert posted.public_comment.author_contact == ""  # not even echoed to the sender
    public = (await desk.inbox.ListPublicComments(listed)).public_comments
    assert [(c.text, c.author_contact) for c in public] == [("Dust?", "")]
    staff = await desk.inbox.ListPublicComments(listed, metadata=desk.as_(Role.REVIEWER, "r1"))
    assert [c.author_contact for c in staff.public_comments] == ["eco@example.kz"]

    # The rate limit counts a contact however it is written, and other contacts apart.
    for n in range(desk.settings.public_comments_per_hour - 1):
        await desk.inbox.SubmitPublicComment(comment(f"Question {n}", " ECO@example.kz "))
    flooded = await rpc_error(desk.inbox.SubmitPublicComment(comment("More", "eco@EXAMPLE.kz")))
    assert flooded.code() is grpc.StatusCode.RESOURCE_EXHAUSTED
    await desk.inbox.SubmitPublicComment(comment("Mine", "+7 701 000 0000"))


async def created_about(
    desk: Desk,
    kind: pb.TaskKind,
    region: kz.Region,
    due_in: timedelta = timedelta(days=5),
) -> pb.Task:
    """A task as the worker creates it, saying what it is about."""
    request = samples.task_creation(APPLICATION, kind, region, due_in)
    created = await desk.workflow.CreateTask(request, metadata=desk.as_(Role.WORKER, "wf"))
    task: pb.Task = created.task
    return task


async def test_a_head_of_department_assigns_reassigns_and_releases_its_officials_tasks(
    desk: Desk,
) -> None:
    head = bearer(desk.issuer, Role.HEAD_OF_DEPARTMENT, "head-1", region="REGION_PAVLODAR")
    completeness = await created_about(desk, pb.TASK_KIND_COMPLETENESS, kz.REGION_PAVLODAR)
    queue = await desk.inbox.ListTasks(api.ListTasksRequest(), metadata=head)
    assert [t.name for t in queue.tasks] == [completeness.name]
    assert queue.tasks[0].subject.facility_display_name == "CHP-2"

    given = await desk.inbox.AssignTask(
        api.AssignTaskRequest(name=completeness.name, assignee="rustam"), metadata=head
    )
    assert (given.task.state, given.task.assignee) == (pb.TASK_STATE_CLAIMED, "rustam")
    mine = await desk.inbox.ListTasks(
        api.ListTasksRequest(assignee="rustam"), metadata=desk.as_(Role.REVIEWER, "rustam")
    )
    assert [t.name for t in mine.tasks] == [completeness.name]
    # Rustam falls ill: the head gives it to Dana; Rustam can no longer complete it.
    await desk.inbox.AssignTask(
        api.AssignTaskRequest(name=completeness.name, assignee="dana"), metadata=head
    )
    done = api.CompleteTaskRequest(name=completeness.name, outcome=pb.TASK_OUTCOME_COMPLETE)
    refused = await rpc_error(
        desk.inbox.CompleteTask(done, metadata=desk.as_(Role.REVIEWER, "rustam"))
    )
    assert refused.code() is grpc.StatusCode.PERMISSION_DENIED
    # Dana lets it go back to the queue; a reviewer cannot give tasks out.
    released = await desk.inbox.ReleaseTask(
        api.ReleaseTaskRequest(name=completeness.name), metadata=desk.as_(Role.REVIEWER, "dana")
    )
    assert (released.task.state, released.task.assignee) == (pb.TASK_STATE_OPEN, "")
    not_a_head = await rpc_error(
        desk.inbox.AssignTask(
            api.AssignTaskRequest(name=completeness.name, assignee="dana"),
            metadata=desk.as_(Role.REVIEWER, "dana"),
        )
    )
    assert not_a_head.code() is grpc.StatusCode.PERMISSION_DENIED

    # Four eyes: whoever completed a task of the application is not given its decision.
    await desk.claim(completeness, desk.as_(Role.REVIEWER, "dana"))
    await desk.inbox.CompleteTask(done, metadata=desk.as_(Role.REVIEWER, "dana"))
    decision = await created_about(desk, pb.TASK_KIND_DECISION, kz.REGION_PAVLODAR)
    same_eyes = await rpc_error(
        desk.inbox.AssignTask(
            api.AssignTaskRequest(name=decision.name, assignee="dana"), metadata=head
        )
    )
    assert same_eyes.code() is grpc.StatusCode.PERMISSION_DENIED
    assert "four eyes" in (same_eyes.details() or "")
    other = await desk.inbox.AssignTask(
        api.AssignTaskRequest(name=decision.name, assignee="dm-1"), metadata=head
    )
    assert other.task.assignee == "dm-1"


async def test_a_territorial_official_sees_and_takes_only_its_regions_tasks(desk: Desk) -> None:
    pavlodar = await created_about(desk, pb.TASK_KIND_COMPLETENESS, kz.REGION_PAVLODAR)
    abai = await created_about(desk, pb.TASK_KIND_COMPLETENESS, kz.REGION_ABAI)
    local = bearer(desk.issuer, Role.REVIEWER, "semey-1", region="REGION_ABAI")
    seen = await desk.inbox.ListTasks(api.ListTasksRequest(), metadata=local)
    assert [t.name for t in seen.tasks] == [abai.name]
    # Asking for another region does not widen the view.
    asked = api.ListTasksRequest(region=kz.REGION_PAVLODAR)
    assert list((await desk.inbox.ListTasks(asked, metadata=local)).tasks) == []
    hidden = await rpc_error(
        desk.inbox.GetTask(api.GetTaskRequest(name=pavlodar.name), metadata=local)
    )
    assert hidden.code() is grpc.StatusCode.NOT_FOUND
    claimed = await rpc_error(
        desk.inbox.ClaimTask(api.ClaimTaskRequest(name=pavlodar.name), metadata=local)
    )
    assert claimed.code() is grpc.StatusCode.NOT_FOUND
    far_head = bearer(desk.issuer, Role.HEAD_OF_DEPARTMENT, "head-abai", region="REGION_ABAI")
    assigned = await rpc_error(
        desk.inbox.AssignTask(
            api.AssignTaskRequest(name=pavlodar.name, assignee="x"), metadata=far_head
        )
    )
    assert assigned.code() is grpc.StatusCode.NOT_FOUND
    # The Committee's central staff see every region, and may narrow to one.
    central = desk.as_(Role.REVIEWER, "astana-1")
    everything = await desk.inbox.ListTasks(api.ListTasksRequest(), metadata=central)
    assert {t.name for t in everything.tasks} == {pavlodar.name, abai.name}
    narrowed = await desk.inbox.ListTasks(asked, metadata=central)
    assert [t.name for t in narrowed.tasks] == [pavlodar.name]


async def test_an_inbox_sorts_by_due_time_and_shows_the_overdue_across_pages(desk: Desk) -> None:
    later = await created_about(desk, pb.TASK_KIND_COMPLETENESS, kz.REGION_ABAI, timedelta(days=5))
    late = await created_about(desk, pb.TASK_KIND_COMPLETENESS, kz.REGION_ABAI, timedelta(days=-1))
    soon = await created_about(desk, pb.TASK_KIND_COMPLETENESS, kz.REGION_ABAI, timedelta(days=1))
    reviewer = desk.as_(Role.REVIEWER, "r1")
    first = await desk.inbox.ListTasks(
        api.ListTasksRequest(order_by="due_time", page_size=2), metadata=reviewer
    )
    assert [t.name for t in first.tasks] == [late.name, soon.name]
    second = await desk.inbox.ListTasks(
        api.ListTasksRequest(order_by="due_time", page_size=2, page_token=first.next_page_token),
        metadata=reviewer,
    )
    assert [t.name for t in second.tasks] == [later.name]
    assert second.next_page_token == ""
    # A token is for its order: the creation order does not resume from it.
    mixed = await rpc_error(
        desk.inbox.ListTasks(
            api.ListTasksRequest(page_size=2, page_token=first.next_page_token),
            metadata=reviewer,
        )
    )
    assert mixed.code() is grpc.StatusCode.INVALID_ARGUMENT
    overdue = await desk.inbox.ListTasks(api.ListTasksRequest(overdue_only=True), metadata=reviewer)
    assert [t.name for t in overdue.tasks] == [late.name]
    unknown = await rpc_error(
        desk.inbox.ListTasks(api.ListTasksRequest(order_by="kind"), metadata=reviewer)
    )
    assert unknown.code() is grpc.StatusCode.INVALID_ARGUMENT


async def test_ops_see_the_work_per_task_kind_and_the_tasks_someone_holds_without_moving(
    desk: Desk,
) -> None:
    held = await created_about(desk, pb.TASK_KIND_COMPLETENESS, kz.REGION_ABAI)
    await created_about(desk, pb.TASK_KIND_COMPLETENESS, kz.REGION_ABAI, timedelta(days=-1))
    await created_about(desk, pb.TASK_KIND_DECISION, kz.REGION_PAVLODAR)
    await desk.claim(held, desk.as_(Role.REVIEWER, "rustam"))
    ops = desk.as_(Role.OPS, "ops-1")
    figures = await desk.inbox.GetTaskStatistics(api.GetTaskStatisticsRequest(), metadata=ops)
    counts = {k.kind: (k.open, k.claimed, k.overdue) for k in figures.by_kind}
    assert counts == {pb.TASK_KIND_COMPLETENESS: (1, 1, 1), pb.TASK_KIND_DECISION: (1, 0, 0)}
    assert list(figures.idle) == []  # claimed a moment ago: not idle yet
    # Rustam has held it for five days.
    engine = create_engine(desk.settings.database_url(ServiceName.REVIEWS))
    try:
        async with engine.begin() as connection:
            await connection.execute(
                update(TaskRecord)
                .where(col(TaskRecord.id) == held.name.removeprefix("tasks/"))
                .values(claim_time=datetime.now(UTC) - timedelta(days=5))
            )
    finally:
        await engine.dispose()
    figures = await desk.inbox.GetTaskStatistics(api.GetTaskStatisticsRequest(), metadata=ops)
    assert [(t.name, t.assignee) for t in figures.idle] == [(held.name, "rustam")]
    # A territorial head counts its own region's work only.
    head = bearer(desk.issuer, Role.HEAD_OF_DEPARTMENT, "head-1", region="REGION_PAVLODAR")
    local = await desk.inbox.GetTaskStatistics(api.GetTaskStatisticsRequest(), metadata=head)
    assert {k.kind for k in local.by_kind} == {pb.TASK_KIND_DECISION}
    assert list(local.idle) == []
