"""The review records: tasks and their completion, BAT assessments, consultations, comments."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from google.protobuf import json_format
from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ecopermit.domain import tasks
from ecopermit.domain.errors import (
    AlreadyExistsError,
    FailedPreconditionError,
    FieldViolation,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    request_id_reused,
)
from ecopermit.domain.review_rules import bat_review_violations, disposition_violations
from ecopermit.reviews.v1 import resources_pb2 as pb
from ecopermit.reviews.v1 import review_service_pb2 as api
from ecopermit.runtime import outbox, pagination, tracing
from ecopermit.runtime.database import is_unique_violation, one_at_a_time, utc_now
from ecopermit.runtime.esign.checks import SignedStatement, refused
from ecopermit.runtime.esign.evidence import evidence_of
from ecopermit.runtime.identity import ANONYMOUS, Principal, Role
from ecopermit.services.reviews.models import (
    BatAssessmentRecord,
    CompletionOutboxRecord,
    ConsultationRecord,
    DecisionSignatureRecord,
    PublicCommentRecord,
    TaskRecord,
)
from ecopermit.services.workflow_relay import Delivery
from ecopermit.type.v1 import kazakhstan_pb2 as kz
from ecopermit.workflows.contract import UPDATE_COMPLETE_TASK, TaskCompletion, TaskFinding

_COMMENT_NAMESPACE = uuid.UUID("0b3c8e6e-8f4a-4d7e-b1c2-5a9d3e7f1a24")
_RATE_WINDOW = timedelta(hours=1)


@dataclass(frozen=True)
class TaskFilters:
    role: str = ""
    assignee: str = ""
    state: int = 0
    application_id: str = ""
    region: int = 0
    kind: int = 0
    overdue_only: bool = False
    # The column pages are ordered by, earliest first: "create_time" or "due_time".
    order_by: str = "create_time"


@dataclass(frozen=True)
class Completion:
    """What a CompleteTask request carries, apart from the task's name."""

    outcome: int
    comments: str
    findings: Sequence[pb.Finding]
    bat_reviews: Sequence[api.BatVerdictReview]
    comment_dispositions: Sequence[api.CommentDispositionEntry]
    refusal_grounds: Sequence[int] = ()
    # The decision maker's verified signature, on a decision task.
    signed: SignedStatement | None = None


def _findings_json(findings: Sequence[pb.Finding]) -> str:
    return json.dumps(
        [json_format.MessageToDict(f, preserving_proto_field_name=True) for f in findings]
    )


def _task_not_found(task_id: str) -> NotFoundError:
    return NotFoundError(f"tasks/{task_id} not found")


class ReviewStore:
    """The only code that touches the reviews database."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession], comments_per_hour: int) -> None:
        self._sessions = sessions
        self._comments_per_hour = comments_per_hour

    # Tasks, as the workflow creates and cancels them

    async def create_task(
        self,
        task_id: str,
        application_id: str,
        kind: int,
        due_time: datetime,
        instructions: str,
        allowed_outcomes: Sequence[int] = (),
        subject: pb.TaskSubject | None = None,
    ) -> TaskRecord:
        """Creates the task once; the workflow's retry with the same id gets the same task."""
        now = utc_now()
        about = subject or pb.TaskSubject()
        record = TaskRecord(
            id=task_id,
            application_id=application_id,
            kind=kind,
            required_role=tasks.spec(kind).role.value,
            state=pb.TASK_STATE_OPEN,
            instructions=instructions,
            allowed_outcomes=json.dumps(sorted(allowed_outcomes)),
            due_time=due_time,
            create_time=now,
            trace_context=json.dumps(tracing.current_carrier()),
            enterprise_bin=about.enterprise.removeprefix("enterprises/"),
            enterprise_display_name=about.enterprise_display_name,
            facility_display_name=about.facility_display_name,
            region=about.region,
            sector=about.sector,
            application_stage=about.application_stage,
        )
        try:
            async with self._sessions() as session, session.begin():
                session.add(record)
        except IntegrityError as error:
            if not is_unique_violation(error):
                raise
            existing = await self.get_task(task_id)
            if (existing.application_id, existing.kind) != (application_id, kind):
                raise AlreadyExistsError(f"tasks/{task_id} exists for another purpose") from error
            return existing
        return record

    async def cancel_task(self, task_id: str) -> TaskRecord:
        async with self._sessions() as session, session.begin():
            record = await session.get(TaskRecord, task_id)
            if record is None:
                raise _task_not_found(task_id)
            if record.state == pb.TASK_STATE_COMPLETED:
                raise FailedPreconditionError(f"tasks/{task_id} is already completed")
            record.state = pb.TASK_STATE_CANCELLED
            session.add(record)
        return record

    # The inbox

    async def get_task(self, task_id: str) -> TaskRecord:
        async with self._sessions() as session:
            record = await session.get(TaskRecord, task_id)
        if record is None:
            raise _task_not_found(task_id)
        return record

    async def decision_signatures(
        self, task_ids: Sequence[str]
    ) -> dict[str, DecisionSignatureRecord]:
        """The signatures on these tasks' decisions, by task id (one query)."""
        async with self._sessions() as session:
            found = await session.exec(
                select(DecisionSignatureRecord).where(
                    col(DecisionSignatureRecord.task_id).in_(task_ids)
                )
            )
            return {r.task_id: r for r in found.all()}

    async def list_tasks(
        self, filters: TaskFilters, page_size: int, page_token: str
    ) -> tuple[list[TaskRecord], str]:
        query = select(TaskRecord)
        if filters.role:
            query = query.where(TaskRecord.required_role == filters.role)
        if filters.assignee:
            query = query.where(TaskRecord.assignee == filters.assignee)
        if filters.state:
            query = query.where(TaskRecord.state == filters.state)
        if filters.application_id:
            query = query.where(TaskRecord.application_id == filters.application_id)
        if filters.region:
            # A task created before subjects were kept has region 0: every region sees it.
            query = query.where(col(TaskRecord.region).in_((filters.region, 0)))
        if filters.kind:
            query = query.where(TaskRecord.kind == filters.kind)
        if filters.overdue_only:
            query = query.where(
                col(TaskRecord.due_time) < utc_now(),
                col(TaskRecord.state).in_((pb.TASK_STATE_OPEN, pb.TASK_STATE_CLAIMED)),
            )
        async with self._sessions() as session:
            return await pagination.keyset_page(
                session, query, TaskRecord, page_size, page_token, filters, filters.order_by
            )

    async def task_statistics(
        self, idle_after: timedelta, scope: Principal
    ) -> tuple[list[tuple[int, int, int, int]], list[TaskRecord]]:
        """Per kind (open, claimed, overdue) counts, and the tasks claimed before now -
        idle_after and not completed (the longest held first, at most 100); a territorial
        head's region only."""
        now = utc_now()
        working = col(TaskRecord.state).in_((pb.TASK_STATE_OPEN, pb.TASK_STATE_CLAIMED))
        counts = select(
            TaskRecord.kind,
            func.count().filter(col(TaskRecord.state) == pb.TASK_STATE_OPEN),
            func.count().filter(col(TaskRecord.state) == pb.TASK_STATE_CLAIMED),
            func.count().filter(col(TaskRecord.due_time) < now),
        ).where(working)
        idle = (
            select(TaskRecord)
            .where(
                TaskRecord.state == pb.TASK_STATE_CLAIMED,
                col(TaskRecord.claim_time) < now - idle_after,
            )
            .order_by(col(TaskRecord.claim_time))
            .limit(100)
        )
        if scope.region:
            mine = col(TaskRecord.region).in_((_region(scope.region), 0))
            counts, idle = counts.where(mine), idle.where(mine)
        async with self._sessions() as session:
            by_kind = (await session.exec(counts.group_by(col(TaskRecord.kind)))).all()
            held = list((await session.exec(idle)).all())
        return [(kind, open_, claimed, late) for kind, open_, claimed, late in by_kind], held

    async def assign_task(self, task_id: str, assignee: str, head: Principal) -> TaskRecord:
        """Gives an open or claimed task to the named official, as a head of department; the
        four-eyes rule is checked for the assignee as if they had claimed it."""
        async with self._sessions() as session, session.begin():
            record = await self._in_scope(session, task_id, head)
            if record.state not in (pb.TASK_STATE_OPEN, pb.TASK_STATE_CLAIMED):
                raise FailedPreconditionError(
                    f"tasks/{task_id} is {pb.TaskState.Name(record.state)}: nobody can take it"
                )
            if record.assignee == assignee:
                return record
            await self._check_four_eyes(
                session, record, Principal(subject=assignee, role=Role(record.required_role))
            )
            # The state read above is the condition: a completion in between changes no row.
            moved = await session.exec(
                update(TaskRecord)
                .where(col(TaskRecord.id) == task_id, col(TaskRecord.state) == record.state)
                .values(state=pb.TASK_STATE_CLAIMED, assignee=assignee, claim_time=utc_now())
            )
            if moved.rowcount != 1:
                raise FailedPreconditionError(f"tasks/{task_id} changed meanwhile; look again")
        return await self.get_task(task_id)

    async def release_task(self, task_id: str, principal: Principal) -> TaskRecord:
        """Puts a claimed task back in its role's queue: by its assignee, or a head of
        department."""
        async with self._sessions() as session, session.begin():
            record = await self._in_scope(session, task_id, principal)
            head = principal.role is Role.HEAD_OF_DEPARTMENT
            if not head and record.assignee != principal.subject:
                raise PermissionDeniedError(f"only its assignee or a head releases tasks/{task_id}")
            if record.state == pb.TASK_STATE_OPEN:
                return record  # released already
            if record.state != pb.TASK_STATE_CLAIMED:
                raise FailedPreconditionError(
                    f"tasks/{task_id} is {pb.TaskState.Name(record.state)}, not claimed"
                )
            released = await session.exec(
                update(TaskRecord)
                .where(
                    col(TaskRecord.id) == task_id,
                    col(TaskRecord.state) == pb.TASK_STATE_CLAIMED,
                    col(TaskRecord.assignee) == record.assignee,
                )
                .values(state=pb.TASK_STATE_OPEN, assignee="", claim_time=None)
            )
            if released.rowcount != 1:
                raise FailedPreconditionError(f"tasks/{task_id} changed meanwhile; look again")
        return await self.get_task(task_id)

    async def task_in_scope(self, task_id: str, principal: Principal) -> TaskRecord:
        """The task, if the caller's region (if any) is the task's."""
        async with self._sessions() as session:
            return await self._in_scope(session, task_id, principal)

    async def _in_scope(
        self, session: AsyncSession, task_id: str, principal: Principal
    ) -> TaskRecord:
        record = await session.get(TaskRecord, task_id)
        # Another region's task is not found, as if it did not exist, for a territorial
        # department's official.
        if record is None or (
            principal.region and record.region and record.region != _region(principal.region)
        ):
            raise _task_not_found(task_id)
        return record

    async def claim_task(self, task_id: str, principal: Principal) -> TaskRecord:
        """Assigns an open task to the caller; of concurrent claimants exactly one wins."""
        async with self._sessions() as session, session.begin():
            record = await self._in_scope(session, task_id, principal)
            if record.required_role != principal.role.value:
                raise PermissionDeniedError(
                    f"tasks/{task_id} is for the {record.required_role} role"
                )
            if record.state == pb.TASK_STATE_CLAIMED and record.assignee == principal.subject:
                return record
            if record.state != pb.TASK_STATE_OPEN:
                raise FailedPreconditionError(
                    f"tasks/{task_id} is {pb.TaskState.Name(record.state)}, not open"
                )
            await self._check_four_eyes(session, record, principal)
            # The state condition makes the update the arbiter: a second claimant updates no row.
            claimed = await session.exec(
                update(TaskRecord)
                .where(col(TaskRecord.id) == task_id, col(TaskRecord.state) == pb.TASK_STATE_OPEN)
                .values(
                    state=pb.TASK_STATE_CLAIMED,
                    assignee=principal.subject,
                    claim_time=utc_now(),
                )
            )
            if claimed.rowcount != 1:
                raise FailedPreconditionError(f"tasks/{task_id} was claimed by someone else")
        return await self.get_task(task_id)

    async def complete_task(
        self, task_id: str, principal: Principal, completion: Completion
    ) -> TaskRecord:
        """Completes a claimed task and queues its delivery to the workflow, in one transaction."""
        now = utc_now()
        async with self._sessions() as session, session.begin():
            record = await session.get(TaskRecord, task_id)
            if record is None:
                raise _task_not_found(task_id)
            if record.assignee != principal.subject:
                raise PermissionDeniedError(f"only the claimant completes tasks/{task_id}")
            if record.state == pb.TASK_STATE_COMPLETED and record.outcome == completion.outcome:
                return record  # a retry of a completion that went through
            if record.state != pb.TASK_STATE_CLAIMED:
                raise FailedPreconditionError(
                    f"tasks/{task_id} is {pb.TaskState.Name(record.state)}, not claimed"
                )
            tasks.check_outcome(
                record.kind,
                completion.outcome,
                completion.comments,
                len(completion.findings),
                narrowed=json.loads(record.allowed_outcomes),
                refusal_grounds=completion.refusal_grounds,
            )
            await self._check_four_eyes(session, record, principal)
            kind = tasks.spec(record.kind)
            if kind.signed_decision:
                if completion.signed is None:
                    raise refused("signature.missing", "a decision carries its maker's ЭЦП")
                session.add(
                    DecisionSignatureRecord(task_id=task_id, **evidence_of(completion.signed))
                )
            if kind.reviews_bat:
                await self._apply_bat_review(session, record.application_id, completion)
            if kind.disposes_of_comments:
                await self._apply_dispositions(session, record.application_id, completion)
            record.state = pb.TASK_STATE_COMPLETED
            record.outcome = completion.outcome
            record.comments = completion.comments
            record.findings = _findings_json(completion.findings)
            record.refusal_grounds = json.dumps(list(completion.refusal_grounds))
            record.complete_time = now
            session.add(record)
            delivery = TaskCompletion(
                task_id=task_id,
                kind=record.kind,
                outcome=completion.outcome,
                completed_by=principal.subject,
                comments=completion.comments,
                findings=[TaskFinding(f.subject, f.text, f.severity) for f in completion.findings],
                refusal_grounds=list(completion.refusal_grounds),
            )
            payload = {
                **dataclasses.asdict(delivery),
                tracing.TRACE_KEY: tracing.current_carrier(),
                tracing.LINK_KEY: json.loads(record.trace_context),
            }
            session.add(
                CompletionOutboxRecord(
                    task_id=task_id,
                    application_id=record.application_id,
                    payload=json.dumps(payload),
                    create_time=now,
                )
            )
        return record

    async def _check_four_eyes(
        self, session: AsyncSession, record: TaskRecord, principal: Principal
    ) -> None:
        if not tasks.spec(record.kind).four_eyes:
            return
        earlier = await session.exec(
            select(TaskRecord.id).where(
                TaskRecord.application_id == record.application_id,
                TaskRecord.assignee == principal.subject,
                TaskRecord.state == pb.TASK_STATE_COMPLETED,
                TaskRecord.id != record.id,
            )
        )
        if earlier.first() is not None:
            raise PermissionDeniedError(
                "four eyes: you completed another task of this application, "
                "so another decision maker must decide it"
            )

    async def _apply_bat_review(
        self, session: AsyncSession, application_id: str, completion: Completion
    ) -> None:
        stored = await session.get(BatAssessmentRecord, application_id)
        if stored is None:
            raise FailedPreconditionError("there is no BAT assessment to review yet")
        assessment = json_format.Parse(stored.content, pb.BatAssessment())
        rows = {(row.source_id, row.pollutant): row for row in assessment.rows}
        violations = bat_review_violations(
            {key: row.verdict for key, row in rows.items()},
            completion.bat_reviews,
            completion.outcome == pb.TASK_OUTCOME_BAT_OVERRIDDEN,
        )
        if violations:
            raise InvalidArgumentError(violations)
        for review in completion.bat_reviews:
            row = rows[(review.source_id, review.pollutant)]
            row.expert_verdict = review.verdict
            row.expert_reason = review.reason
        for row in assessment.rows:
            if not row.expert_verdict:
                row.expert_verdict = row.verdict
        assessment.reviewed = True
        stored.content = json_format.MessageToJson(assessment, indent=None)
        stored.update_time = utc_now()
        session.add(stored)

    async def _apply_dispositions(
        self, session: AsyncSession, application_id: str, completion: Completion
    ) -> None:
        comments = {
            c.id: c
            for c in (
                await session.exec(
                    select(PublicCommentRecord).where(
                        PublicCommentRecord.application_id == application_id
                    )
                )
            ).all()
        }
        violations, chosen = disposition_violations(
            application_id,
            {comment_id: c.disposition for comment_id, c in comments.items()},
            completion.comment_dispositions,
        )
        if violations:
            raise InvalidArgumentError(violations)
        for comment_id, entry in chosen.items():
            comment = comments[comment_id]
            comment.disposition = entry.disposition
            comment.disposition_reason = entry.reason
            session.add(comment)

    # BAT assessments

    async def record_bat_assessment(self, assessment: pb.BatAssessment) -> pb.BatAssessment:
        application_id = assessment.application.removeprefix("applications/")
        assessment.name = f"applications/{application_id}/batAssessment"
        assessment.reviewed = False
        assessment.create_time.FromDatetime(utc_now())
        stored = BatAssessmentRecord(
            application_id=application_id,
            content=json_format.MessageToJson(assessment, indent=None),
            update_time=utc_now(),
        )
        async with self._sessions() as session, session.begin():
            # A new assessment replaces the old one, expert review included.
            await session.merge(stored)
        return assessment

    async def get_bat_assessment(
        self, application_id: str, principal: Principal
    ) -> pb.BatAssessment:
        """The assessment; NOT_FOUND for one of another enterprise, told apart from none by
        nothing (an assessment recorded before it named its enterprise is nobody's)."""
        async with self._sessions() as session:
            stored = await session.get(BatAssessmentRecord, application_id)
        assessment = (
            json_format.Parse(stored.content, pb.BatAssessment()) if stored is not None else None
        )
        if assessment is None or not principal.sees_enterprise(
            assessment.enterprise.removeprefix("enterprises/")
        ):
            raise NotFoundError(f"applications/{application_id}/batAssessment not found")
        return assessment

    # Public consultation

    async def open_consultation(self, application_id: str, close_time: datetime) -> datetime:
        async with self._sessions() as session, session.begin():
            stored = await session.get(ConsultationRecord, application_id)
            if stored is None:
                stored = ConsultationRecord(
                    application_id=application_id, open_time=utc_now(), close_time=close_time
                )
            stored.close_time = close_time
            session.add(stored)
        return close_time

    async def submit_public_comment(
        self,
        application_id: str,
        request_id: str,
        comment: pb.PublicComment,
        principal: Principal,
    ) -> PublicCommentRecord:
        now = utc_now()
        comment_id = str(uuid.uuid5(_COMMENT_NAMESPACE, f"{application_id}/{request_id}"))
        try:
            async with self._sessions() as session, session.begin():
                existing = await session.get(PublicCommentRecord, comment_id)
                if existing is not None:
                    return _same_comment_or_refuse(existing, request_id, comment, principal)
                consultation = await session.get(ConsultationRecord, application_id)
                if consultation is None or not (
                    consultation.open_time <= now < consultation.close_time
                ):
                    raise FailedPreconditionError(
                        f"applications/{application_id} is not open for public comment"
                    )
                # Concurrent comments of one author queue here, so the count below sees every
                # one that was allowed before.
                author = _comment_author(principal, comment)
                await one_at_a_time(session, f"public-comments/{author}")
                recent = (
                    await session.exec(
                        select(func.count()).where(
                            PublicCommentRecord.author_subject == author,
                            col(PublicCommentRecord.create_time) > now - _RATE_WINDOW,
                        )
                    )
                ).one()
                if recent >= self._comments_per_hour:
                    raise RateLimitedError(
                        f"at most {self._comments_per_hour} comments an hour; try again later"
                    )
                record = PublicCommentRecord(
                    id=comment_id,
                    application_id=application_id,
                    request_id=request_id,
                    author_subject=author,
                    author_display_name=comment.author_display_name,
                    author_contact=comment.author_contact.strip(),
                    text=comment.text,
                    create_time=now,
                )
                session.add(record)
        except IntegrityError as error:
            if not is_unique_violation(error):
                raise
            async with self._sessions() as session:
                raced = await session.get(PublicCommentRecord, comment_id)
            assert raced is not None
            return _same_comment_or_refuse(raced, request_id, comment, principal)
        return record

    async def list_public_comments(
        self, application_id: str, page_size: int, page_token: str
    ) -> tuple[list[PublicCommentRecord], str]:
        query = select(PublicCommentRecord).where(
            PublicCommentRecord.application_id == application_id
        )
        async with self._sessions() as session:
            return await pagination.keyset_page(
                session, query, PublicCommentRecord, page_size, page_token, application_id
            )

    async def open_tasks_by_role(self) -> dict[str, int]:
        """The inboxes' depth: open or claimed tasks per required role."""
        async with self._sessions() as session:
            rows = await session.exec(
                select(TaskRecord.required_role, func.count())
                .where(col(TaskRecord.state).in_([pb.TASK_STATE_OPEN, pb.TASK_STATE_CLAIMED]))
                .group_by(TaskRecord.required_role)
            )
            return dict(rows.all())

    # The completion outbox

    async def pending_deliveries(self, limit: int) -> list[Delivery]:
        """Task completions not yet delivered to their workflows, oldest first."""
        records = await outbox.undelivered(
            self._sessions, CompletionOutboxRecord, col(CompletionOutboxRecord.create_time), limit
        )
        return [
            Delivery(r.task_id, r.application_id, UPDATE_COMPLETE_TASK, json.loads(r.payload))
            for r in records
        ]

    async def mark_delivered(self, task_id: str) -> None:
        await outbox.mark_delivered(self._sessions, CompletionOutboxRecord, task_id)


def _region(name: str) -> int:
    return int(kz.Region.Value(name))


def _comment_author(principal: Principal, comment: pb.PublicComment) -> str:
    """Whom a comment counts against for the rate limit: the signed-in account, or for someone
    who has not signed in the contact they gave (required of them), case and spaces ignored."""
    if principal is not ANONYMOUS:
        return principal.subject
    contact = " ".join(comment.author_contact.split()).casefold()
    if not contact:
        raise InvalidArgumentError(
            [
                FieldViolation(
                    "public_comment.author_contact",
                    "give an e-mail address or a phone number to comment without signing in",
                )
            ]
        )
    return f"contact:{contact}"[:200]


def _same_comment_or_refuse(
    first: PublicCommentRecord, request_id: str, comment: pb.PublicComment, principal: Principal
) -> PublicCommentRecord:
    """A comment's request_id again: the same comment is answered as before (AIP-155); other
    words, or another author, under it are refused rather than dropped."""
    if (first.author_subject, first.author_display_name, first.text) != (
        _comment_author(principal, comment),
        comment.author_display_name,
        comment.text,
    ):
        raise request_id_reused(request_id, "comment")
    return first
