"""KepProcedureWorkflow, the statute's sequence (kep-2026.2), on the time-skipping test server
with its activities replaced by a recording stand-in for the services. One test per legal rule,
named after it."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from temporalio import activity
from temporalio.client import WorkflowFailureError, WorkflowHandle, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.domain import errors
from ecopermit.domain.business_calendar import KAZAKHSTAN, kazakhstan_calendar
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.workflows import contract
from ecopermit.workflows.activity_messages import (
    ApplicationSnapshot,
    BatFindings,
    CommentLine,
    ConsultationOrder,
    DeadlinePlan,
    DecisionForecast,
    Milestone,
    PermitOrder,
    PlannedDeadline,
    Reminder,
    SourcePollutant,
    StageRecord,
    StatutoryProcedure,
    TaskCancellation,
    TaskOrder,
)
from ecopermit.workflows.procedure_forecast import forecast_day
from ecopermit.workflows.procedure_state import ProcedureOutcome
from ecopermit.workflows.rules_of_procedure import register
from ecopermit.workflows.statutory_rules import StatutoryRules, statutory_rules
from ecopermit.workflows.statutory_workflow import KepProcedureWorkflow, ProcedureStatus

RULES = statutory_rules("kep-2026.2")
ALL_DOCUMENTS = list(RULES.required_documents)
ABOVE = SourcePollutant("stack-1", 1)
HISTORIES = Path(__file__).with_name("histories")
CALENDAR = kazakhstan_calendar()


async def keep_history(app: Procedure, name: str) -> None:
    """With ECOPERMIT_RECORD_HISTORIES=1, keeps this run's history for the replay test."""
    if os.environ.get("ECOPERMIT_RECORD_HISTORIES") == "1":
        history = await app.handle.fetch_history()
        (HISTORIES / f"{name}.json").write_text(history.to_json())


@dataclass
class Services:
    """Stands in for the services: remembers every call the workflow makes."""

    rules: StatutoryRules = RULES
    documents: list[int] = field(default_factory=lambda: list(ALL_DOCUMENTS))
    programme: list[Milestone] = field(default_factory=list)
    above: list[SourcePollutant] = field(default_factory=list)
    transboundary: bool = False
    stages: list[StageRecord] = field(default_factory=list)
    tasks: list[TaskOrder] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    reminders: list[Reminder] = field(default_factory=list)
    permits: list[PermitOrder] = field(default_factory=list)
    consultations: list[ConsultationOrder] = field(default_factory=list)
    comments: list[CommentLine] = field(default_factory=list)
    # What issue_permit answers, one per call: a refusal, or None for a permit.
    permit_refusals: list[ApplicationError | None] = field(default_factory=list)

    def activities(self) -> list[Callable[..., object]]:
        @activity.defn(name="begin_statutory_procedure")
        async def begin_statutory_procedure(rules_version: str) -> StatutoryProcedure:
            return StatutoryProcedure(self.rules, day_seconds=86400.0)

        @activity.defn(name="registration_day")
        async def registration_day(arrived: datetime) -> str:
            return register(arrived, CALENDAR).day.isoformat()

        @activity.defn(name="forecast_decision")
        async def forecast_decision(forecast: DecisionForecast) -> str:
            return forecast_day(forecast, CALENDAR).isoformat()

        @activity.defn(name="public_comments")
        async def public_comments(application_id: str) -> list[CommentLine]:
            return list(self.comments)

        @activity.defn(name="load_application")
        async def load_application(application_id: str) -> ApplicationSnapshot:
            return ApplicationSnapshot(
                application_id,
                "990340000123",
                14,
                1,
                list(self.documents),
                list(self.programme),
                self.transboundary,
            )

        @activity.defn(name="plan_deadline")
        async def plan_deadline(plan: DeadlinePlan) -> PlannedDeadline:
            start = date.fromisoformat(plan.start_day)
            due = CALENDAR.add_working_days(start, plan.business_days)
            remind = CALENDAR.add_working_days(
                start, max(plan.business_days - plan.reminder_before, 0)
            )
            return PlannedDeadline(due.isoformat(), remind.isoformat())

        @activity.defn(name="record_stage")
        async def record_stage(record: StageRecord) -> None:
            self.stages.append(record)

        @activity.defn(name="create_task")
        async def create_task(order: TaskOrder) -> None:
            if order.task_id not in {t.task_id for t in self.tasks}:
                self.tasks.append(order)

        @activity.defn(name="cancel_task")
        async def cancel_task(cancellation: TaskCancellation) -> None:
            self.cancelled.append(cancellation.task_id)

        def findings() -> BatFindings:
            return BatFindings("test", list(self.above), 2, 0, 0, reviewed=True)

        @activity.defn(name="assess_bat")
        async def assess_bat(application_id: str) -> BatFindings:
            return findings()

        @activity.defn(name="reviewed_bat")
        async def reviewed_bat(application_id: str) -> BatFindings:
            return findings()

        @activity.defn(name="open_consultation")
        async def open_consultation(order: ConsultationOrder) -> None:
            self.consultations.append(order)

        @activity.defn(name="issue_permit")
        async def issue_permit(order: PermitOrder) -> str:
            refusal = self.permit_refusals.pop(0) if self.permit_refusals else None
            if refusal is not None:
                raise refusal
            self.permits.append(order)
            return f"permits/KZ-KEP-{len(self.permits):06d}"

        @activity.defn(name="send_reminder")
        async def send_reminder(reminder: Reminder) -> None:
            self.reminders.append(reminder)

        # No inspection activity at all: the statute's sequence must never wait on one.
        return [
            begin_statutory_procedure,
            registration_day,
            forecast_decision,
            public_comments,
            load_application,
            plan_deadline,
            record_stage,
            create_task,
            cancel_task,
            assess_bat,
            reviewed_bat,
            open_consultation,
            issue_permit,
            send_reminder,
        ]

    def stage_names(self) -> list[str]:
        names: list[str] = []
        for record in self.stages:
            name = applicants_pb.Stage.Name(record.stage).removeprefix("STAGE_").lower()
            if not names or names[-1] != name:
                names.append(name)
        return names

    def tasks_of(self, kind: int) -> list[TaskOrder]:
        return [t for t in self.tasks if t.kind == kind]


@dataclass
class Procedure:
    """One application's workflow on its own task queue, and the people who answer it."""

    environment: WorkflowEnvironment
    services: Services
    handle: WorkflowHandle[KepProcedureWorkflow, ProcedureOutcome]

    async def status(self) -> ProcedureStatus:
        return await self.handle.query(KepProcedureWorkflow.get_status)

    async def until(
        self, what: str, condition: Callable[[ProcedureStatus], bool]
    ) -> ProcedureStatus:
        for _ in range(500):
            status = await self.status()
            if condition(status):
                return status
            await asyncio.sleep(0.02)
        raise AssertionError(f"never {what}: {status}")

    async def recorded(self, matching: Callable[[StageRecord], bool]) -> StageRecord:
        """Waits until the workflow has written a matching record to the applicants service."""
        for _ in range(500):
            found = [r for r in self.services.stages if matching(r)]
            if found:
                return found[-1]
            await asyncio.sleep(0.02)
        raise AssertionError(f"no such record among {self.services.stages}")

    async def until_stage(self, stage: str) -> ProcedureStatus:
        return await self.until(f"reached {stage}", lambda s: s.stage == stage)

    async def complete(
        self,
        kind: int,
        outcome: int,
        by: str = "reviewer-1",
        comments: str = "",
        grounds: list[int] | None = None,
    ) -> str:
        status = await self.until(
            f"opened a {reviews_pb.TaskKind.Name(kind)} task",
            lambda s: any(t.kind == kind for t in s.open_tasks),
        )
        task_id = next(t.task_id for t in status.open_tasks if t.kind == kind)
        await self.handle.execute_update(
            contract.UPDATE_COMPLETE_TASK,
            contract.TaskCompletion(
                task_id, kind, outcome, by, comments, refusal_grounds=grounds or []
            ),
        )
        return task_id

    async def refusal(self, update: str, argument: object) -> str:
        """The reason the workflow's validator gives for refusing the update."""
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await self.handle.execute_update(update, argument)
        return str(refused.value.cause)

    async def answer(self, response: str, *, disagrees: bool = False) -> None:
        await self.until("waited for the applicant", lambda s: bool(s.awaiting))
        await self.handle.execute_update(
            contract.UPDATE_AMEND,
            contract.Amendment(str(uuid.uuid4()), response, disagrees=disagrees),
        )

    async def through_completeness(self) -> None:
        await self.complete(reviews_pb.TASK_KIND_COMPLETENESS, reviews_pb.TASK_OUTCOME_COMPLETE)

    async def through_expertise(
        self, *, conclusion: int = reviews_pb.TASK_OUTCOME_POSITIVE_CONCLUSION
    ) -> None:
        for kind in self.services.rules.expertise_parts:
            if kind == reviews_pb.TASK_KIND_BAT_REVIEW:
                await self.complete(kind, reviews_pb.TASK_OUTCOME_BAT_CONFIRMED, "expert-1")
            else:
                await self.complete(kind, reviews_pb.TASK_OUTCOME_NO_OBJECTIONS)
        # The hearing closes on its day (an open meeting 30 days on, a discussion of 20
        # working days); its protocol task opens after it.
        await self.environment.sleep(timedelta(days=31))
        await self.complete(
            reviews_pb.TASK_KIND_HEARING_PROTOCOL, reviews_pb.TASK_OUTCOME_ACKNOWLEDGED
        )
        await self.complete(
            reviews_pb.TASK_KIND_STATE_EXPERTISE,
            conclusion,
            comments=""
            if conclusion == reviews_pb.TASK_OUTCOME_POSITIVE_CONCLUSION
            else "air quality limits breached",
        )

    async def through_remarks(self) -> None:
        await self.complete(
            reviews_pb.TASK_KIND_REMARKS,
            reviews_pb.TASK_OUTCOME_REMARKS_SENT,
            comments="Correct the stack heights.",
        )
        await self.answer("Stack heights corrected in the project documentation.")


async def _procedures(
    environment: WorkflowEnvironment,
) -> AsyncIterator[Callable[[Services], Awaitable[Procedure]]]:
    started: list[Worker] = []
    apps: list[Procedure] = []

    async def start(services: Services) -> Procedure:
        task_queue = f"kep-{uuid.uuid4()}"
        worker = Worker(
            environment.client,
            task_queue=task_queue,
            workflows=[KepProcedureWorkflow],
            activities=services.activities(),
        )
        await worker.__aenter__()
        started.append(worker)
        application_id = str(uuid.uuid4())
        registered = register(datetime.now(UTC), CALENDAR)
        handle = await environment.client.start_workflow(
            KepProcedureWorkflow.run,
            contract.KepApplicationInput(
                application_id, "990340000123", services.rules.version, registered.day.isoformat()
            ),
            id=contract.permit_workflow_id(application_id),
            task_queue=task_queue,
        )
        app = Procedure(environment, services, handle)
        apps.append(app)
        return app

    yield start
    for worker in started:
        await worker.__aexit__(None, None, None)
    for app in apps:
        with contextlib.suppress(RPCError):
            await app.handle.terminate("test over")


@pytest.fixture
async def procedure(
    time_skipping: WorkflowEnvironment,
) -> AsyncIterator[Callable[[Services], Awaitable[Procedure]]]:
    async for start in _procedures(time_skipping):
        yield start


Start = Callable[[Services], Awaitable[Procedure]]


def _due_day(order: TaskOrder) -> date:
    return order.due_time.astimezone(KAZAKHSTAN).date()


async def test_an_application_goes_through_expertise_hearing_remarks_and_answer_to_a_permit(
    procedure: Start,
) -> None:
    services = Services(
        comments=[
            CommentLine("Aigerim", "How will dust be measured?", "accepted", "ASM on stack-1")
        ]
    )
    app = await procedure(services)
    await app.through_completeness()
    await app.through_expertise()
    await app.through_remarks()
    await app.complete(reviews_pb.TASK_KIND_DECISION, reviews_pb.TASK_OUTCOME_APPROVE, "head-1")
    outcome = await app.handle.result()
    assert outcome.decision == "approved"
    assert [p.signed_by for p in services.permits] == ["head-1"]
    assert services.stage_names() == [
        "completeness",
        "state_expertise",
        "remarks",
        "applicant_answer",
        "decision",
        "approved",
    ]
    assert {s.rules_version for s in services.stages} == {"kep-2026.2"}
    # The decision maker reads the protocol, the remarks and the applicant's answer.
    [decision] = services.tasks_of(reviews_pb.TASK_KIND_DECISION)
    assert "protocol item 1: Aigerim: How will dust be measured?" in decision.instructions
    assert "Correct the stack heights." in decision.instructions
    assert "Stack heights corrected" in decision.instructions
    replayed = await Replayer(workflows=[KepProcedureWorkflow]).replay_workflow(
        await app.handle.fetch_history()
    )
    assert replayed.replay_failure is None
    await keep_history(app, "statutory_approved")


async def test_ops_can_filter_the_workflows_by_the_stage_each_is_in(procedure: Start) -> None:
    services = Services()
    app = await procedure(services)
    await app.through_completeness()
    await app.through_expertise()
    # The workflow waits on the remarks task: the stage it recorded last is the one ops see.
    described = await app.handle.describe()
    assert services.stage_names()[-1] not in ("", "completeness")
    assert (
        described.typed_search_attributes.get(contract.STAGE_ATTRIBUTE)
        == (services.stage_names()[-1])
    )
    await app.through_remarks()
    await app.complete(reviews_pb.TASK_KIND_DECISION, reviews_pb.TASK_OUTCOME_APPROVE, "head-1")
    assert (await app.handle.result()).decision == "approved"
    described = await app.handle.describe()
    assert described.typed_search_attributes.get(contract.STAGE_ATTRIBUTE) == "approved"
    await keep_history(app, "statutory_approved_with_stage_search_attribute")


async def test_a_resubmitted_application_gets_a_new_five_day_check(procedure: Start) -> None:
    services = Services(documents=ALL_DOCUMENTS[:2])
    app = await procedure(services)
    await app.complete(
        reviews_pb.TASK_KIND_COMPLETENESS,
        reviews_pb.TASK_OUTCOME_INCOMPLETE,
        comments="The waste programme is missing.",
    )
    returned = await app.until_stage("not_accepted")
    # The statute knows "accepted" or "not accepted": no clock stops.
    assert returned.clock_running
    assert returned.deadline is None
    # The applicant takes its time: three weeks, past the first check's due day whatever the
    # weekday and holidays the run starts on (nine days once ended exactly on it).
    await app.environment.sleep(timedelta(days=21))
    services.documents = list(ALL_DOCUMENTS)
    await app.answer("Waste programme added.")
    await app.until("opened a second check", lambda s: len(services.tasks_of(1)) == 2)
    first, second = services.tasks_of(reviews_pb.TASK_KIND_COMPLETENESS)
    status = await app.status()
    registered_again = date.fromisoformat(status.registered_on)
    assert registered_again > _due_day(first)
    # A new registration and a full five working days from it, not the days that were left.
    assert _due_day(second) == CALENDAR.add_working_days(registered_again, 5)
    assert "not_accepted" in services.stage_names()
    assert "returned_for_revision" not in services.stage_names()


async def test_the_public_hearing_is_held_during_the_expertise_and_its_protocol_is_cited(
    procedure: Start,
) -> None:
    services = Services(
        comments=[
            CommentLine(
                "Ecoforum", "Will the ash dump be lined?", "partly_accepted", "Lining by 2028"
            ),
            CommentLine("Resident", "Night-time noise?", "noted", "Outside the KEP's scope"),
        ]
    )
    app = await procedure(services)
    await app.through_completeness()
    expertise = await app.until_stage("state_expertise")
    # The hearing opened with the expertise: an open meeting at least 30 days after posting.
    [hearing] = services.consultations
    opened = date.fromisoformat(expertise.history[-1].statutory_day)
    assert hearing.close_time.astimezone(KAZAKHSTAN).date() >= opened + timedelta(days=30)
    for kind in RULES.expertise_parts:
        outcome = (
            reviews_pb.TASK_OUTCOME_BAT_CONFIRMED
            if kind == reviews_pb.TASK_KIND_BAT_REVIEW
            else reviews_pb.TASK_OUTCOME_NO_OBJECTIONS
        )
        await app.complete(kind, outcome)
    # The conclusion waits for the protocol, which waits for the hearing to close.
    await app.environment.sleep(timedelta(days=31))
    await app.complete(reviews_pb.TASK_KIND_HEARING_PROTOCOL, reviews_pb.TASK_OUTCOME_ACKNOWLEDGED)
    [protocol] = services.tasks_of(reviews_pb.TASK_KIND_HEARING_PROTOCOL)
    assert protocol.due_time > hearing.close_time
    await app.until("opened the conclusion", lambda s: bool(services.tasks_of(5)))
    [conclusion] = services.tasks_of(reviews_pb.TASK_KIND_STATE_EXPERTISE)
    assert "protocol item 1: Ecoforum: Will the ash dump be lined? → partly_accepted" in (
        conclusion.instructions
    )
    assert "protocol item 2: Resident" in conclusion.instructions
    status = await app.status()
    assert status.stage == "state_expertise"
    assert len(status.protocol) == 2
    await app.recorded(lambda s: "hearing protocol published: 2 question(s)" in s.reason)


async def test_a_public_discussion_runs_its_working_days_instead_of_a_meeting(
    procedure: Start,
) -> None:
    services = Services(rules=replace(RULES, hearing_form="public_discussion"))
    app = await procedure(services)
    await app.through_completeness()
    expertise = await app.until_stage("state_expertise")
    [hearing] = services.consultations
    opened = date.fromisoformat(expertise.history[-1].statutory_day)
    days = RULES.terms.public_discussion.days
    assert hearing.close_time.astimezone(KAZAKHSTAN).date() == CALENDAR.add_working_days(
        opened, days
    )
    await app.recorded(lambda s: "public discussion until" in s.reason)


async def test_the_decision_falls_due_five_working_days_after_the_applicants_answer(
    procedure: Start,
) -> None:
    services = Services()
    app = await procedure(services)
    await app.through_completeness()
    await app.through_expertise()
    await app.complete(reviews_pb.TASK_KIND_REMARKS, reviews_pb.TASK_OUTCOME_DRAFT_PERMIT_SENT)
    waiting = await app.until_stage("applicant_answer")
    assert waiting.deadline is None  # the applicant has no statutory term
    await app.environment.sleep(timedelta(days=12))
    await app.answer("We agree with the draft permit.")
    decision_stage = await app.until_stage("decision")
    answered_on = date.fromisoformat(decision_stage.history[-1].statutory_day)
    [decision] = services.tasks_of(reviews_pb.TASK_KIND_DECISION)
    assert _due_day(decision) == CALENDAR.add_working_days(answered_on, 5)  # EC Art. 117(1)
    assert decision_stage.deadline is not None
    assert decision_stage.deadline.business_days == 5


async def test_a_negative_expertise_leaves_refusal_as_the_only_decision(procedure: Start) -> None:
    services = Services()
    app = await procedure(services)
    await app.through_completeness()
    await app.through_expertise(conclusion=reviews_pb.TASK_OUTCOME_NEGATIVE_CONCLUSION)
    await app.until("opened the remarks", lambda s: bool(services.tasks_of(12)))
    [remarks] = services.tasks_of(reviews_pb.TASK_KIND_REMARKS)
    # No draft permit after a negative expertise: the remarks must say why.
    assert remarks.allowed_outcomes == [reviews_pb.TASK_OUTCOME_REMARKS_SENT]
    assert "the state environmental expertise is negative" in remarks.instructions
    await app.complete(
        reviews_pb.TASK_KIND_REMARKS,
        reviews_pb.TASK_OUTCOME_REMARKS_SENT,
        comments="See the conclusion.",
    )
    await app.answer("We will revise the project.")
    await app.until("opened the decision", lambda s: bool(services.tasks_of(8)))
    [decision] = services.tasks_of(reviews_pb.TASK_KIND_DECISION)
    assert decision.allowed_outcomes == [reviews_pb.TASK_OUTCOME_REFUSE]
    await app.complete(
        reviews_pb.TASK_KIND_DECISION,
        reviews_pb.TASK_OUTCOME_REFUSE,
        "head-1",
        "negative expertise",
        grounds=[reviews_pb.REFUSAL_GROUND_STANDARDS_NOT_MEETING_BAT],
    )
    await app.until_stage("preliminary_decision")
    await app.environment.sleep(timedelta(days=6))  # no objection comes
    await app.until("opened the hearing", lambda s: bool(services.tasks_of(9)))
    [hearing] = services.tasks_of(reviews_pb.TASK_KIND_REFUSAL_HEARING)
    assert hearing.allowed_outcomes == [reviews_pb.TASK_OUTCOME_REFUSE]
    await app.complete(
        reviews_pb.TASK_KIND_REFUSAL_HEARING,
        reviews_pb.TASK_OUTCOME_REFUSE,
        "head-2",
        "upheld",
        grounds=[reviews_pb.REFUSAL_GROUND_STANDARDS_NOT_MEETING_BAT],
    )
    outcome = await app.handle.result()
    assert outcome.decision == "refused"
    # A negative expertise is always among the grounds, whatever the official ticked.
    assert set(outcome.refusal_grounds) == {
        reviews_pb.REFUSAL_GROUND_STANDARDS_NOT_MEETING_BAT,
        reviews_pb.REFUSAL_GROUND_NEGATIVE_STATE_EXPERTISE,
    }
    assert services.permits == []
    await keep_history(app, "statutory_refused_after_negative_expertise")


async def test_a_refusal_is_preliminary_until_the_applicant_is_heard_inside_the_term(
    procedure: Start,
) -> None:
    services = Services()
    app = await procedure(services)
    await app.through_completeness()
    await app.through_expertise()
    await app.through_remarks()
    await app.complete(
        reviews_pb.TASK_KIND_DECISION,
        reviews_pb.TASK_OUTCOME_REFUSE,
        "head-1",
        "The stack heights are still wrong.",
        grounds=[reviews_pb.REFUSAL_GROUND_INCOMPLETE_OR_FALSE_DOCUMENTS],
    )
    preliminary = await app.until_stage("preliminary_decision")
    [decision] = services.tasks_of(reviews_pb.TASK_KIND_DECISION)
    # The decision's term still runs: the hearing and the final act fall inside it.
    assert preliminary.deadline is not None
    assert preliminary.deadline.due_time.astimezone(KAZAKHSTAN).date() == _due_day(decision)
    notice = await app.recorded(lambda s: s.stage == applicants_pb.STAGE_PRELIMINARY_DECISION)
    assert "incomplete_or_false_documents" in notice.reason
    assert "may object until" in notice.reason
    await app.answer("The heights were corrected on sheet 14.")
    await app.until("opened the hearing", lambda s: bool(services.tasks_of(9)))
    [hearing] = services.tasks_of(reviews_pb.TASK_KIND_REFUSAL_HEARING)
    assert "The heights were corrected on sheet 14." in hearing.instructions
    assert _due_day(hearing) == _due_day(decision)
    # Heard, the official reverses the preliminary refusal: the permit is issued.
    await app.complete(
        reviews_pb.TASK_KIND_REFUSAL_HEARING, reviews_pb.TASK_OUTCOME_APPROVE, "head-2"
    )
    outcome = await app.handle.result()
    assert outcome.decision == "approved"
    assert [p.signed_by for p in services.permits] == ["head-2"]
    await keep_history(app, "statutory_approved_after_hearing")


async def test_a_disagreement_with_the_remarks_is_resolved_before_the_decision(
    procedure: Start,
) -> None:
    services = Services(above=[ABOVE])
    app = await procedure(services)
    await app.through_completeness()
    await app.through_expertise()
    await app.until("opened the remarks", lambda s: bool(services.tasks_of(12)))
    [remarks] = services.tasks_of(reviews_pb.TASK_KIND_REMARKS)
    # A value above its BAT-AEL with no efficiency programme must be remarked on.
    assert "ППЭЭ" in remarks.instructions
    assert "stack-1/NOX" in remarks.instructions
    assert remarks.allowed_outcomes == [reviews_pb.TASK_OUTCOME_REMARKS_SENT]
    await app.complete(
        reviews_pb.TASK_KIND_REMARKS, reviews_pb.TASK_OUTCOME_REMARKS_SENT, comments="ППЭЭ needed."
    )
    await app.answer("The Kazakh BAT conclusion allows our value.", disagrees=True)
    await app.until_stage("disagreement_resolution")
    [dispute] = services.tasks_of(reviews_pb.TASK_KIND_DISAGREEMENT)
    assert "The Kazakh BAT conclusion allows our value." in dispute.instructions
    await keep_history(app, "statutory_in_disagreement")
    await app.complete(
        reviews_pb.TASK_KIND_DISAGREEMENT,
        reviews_pb.TASK_OUTCOME_REMARKS_UPHELD,
        "head-3",
        "The EU figure is a benchmark, but no Kazakh conclusion is adopted for this row.",
    )
    await app.until_stage("decision")
    [decision] = services.tasks_of(reviews_pb.TASK_KIND_DECISION)
    assert "disagreement: remarks_upheld" in decision.instructions
    assert "still open: values above the BAT-AEL" in decision.instructions
    assert services.stage_names()[-3:] == [
        "applicant_answer",
        "disagreement_resolution",
        "decision",
    ]


async def test_transboundary_consultation_suspends_the_term(procedure: Start) -> None:
    services = Services(transboundary=True)
    app = await procedure(services)
    await app.through_completeness()
    await app.through_expertise()
    suspended = await app.until_stage("transboundary_consultation")
    assert not suspended.clock_running
    day = suspended.statutory_day
    await app.environment.sleep(timedelta(days=40))
    assert (await app.status()).statutory_day == day  # no statutory time passes
    record = await app.recorded(lambda s: s.stage == applicants_pb.STAGE_TRANSBOUNDARY_CONSULTATION)
    assert record.predicted_decision_time is None
    await keep_history(app, "statutory_in_transboundary_consultation")
    await app.complete(
        reviews_pb.TASK_KIND_TRANSBOUNDARY,
        reviews_pb.TASK_OUTCOME_ACKNOWLEDGED,
        comments="The affected state raised no objection.",
    )
    resumed = await app.until_stage("remarks")
    assert resumed.clock_running


async def test_a_withdrawal_is_told_apart_from_other_refusals_by_its_reason(
    procedure: Start,
) -> None:
    withdrawn = ApplicationError(
        "the application is withdrawn",
        errors.REASON_APPLICATION_WITHDRAWN,
        type="FAILED_PRECONDITION",
        non_retryable=True,
    )
    services = Services(permit_refusals=[withdrawn])
    app = await procedure(services)
    await app.through_completeness()
    await app.through_expertise()
    await app.through_remarks()
    await app.complete(reviews_pb.TASK_KIND_DECISION, reviews_pb.TASK_OUTCOME_APPROVE, "head-1")
    await app.until(
        "tried to issue the permit", lambda s: s.stage == "decision" and not s.open_tasks
    )
    await app.handle.execute_update(contract.UPDATE_WITHDRAW, contract.Withdrawal("closed"))
    assert (await app.handle.result()).decision == "withdrawn"


async def test_a_refusal_without_the_withdrawn_reason_is_not_waited_on_forever(
    procedure: Start,
) -> None:
    other = ApplicationError(
        "applications/x is in STAGE_SUBMITTED", type="FAILED_PRECONDITION", non_retryable=True
    )
    services = Services(permit_refusals=[other])
    app = await procedure(services)
    await app.through_completeness()
    await app.through_expertise()
    await app.through_remarks()
    await app.complete(reviews_pb.TASK_KIND_DECISION, reviews_pb.TASK_OUTCOME_APPROVE, "head-1")
    with pytest.raises(WorkflowFailureError):
        await app.handle.result()


async def test_the_predicted_decision_counts_the_statutory_terms_ahead(procedure: Start) -> None:
    services = Services()
    app = await procedure(services)
    completeness = await app.until_stage("completeness")
    record = await app.recorded(lambda s: s.stage == applicants_pb.STAGE_COMPLETENESS)
    assert record.predicted_decision_time is not None
    assert completeness.deadline is not None
    due = completeness.deadline.due_time.astimezone(KAZAKHSTAN).date()
    terms = RULES.terms
    expected = CALENDAR.add_working_days(
        CALENDAR.add_working_days(
            CALENDAR.add_working_days(due, terms.state_expertise.days), terms.remarks.days
        ),
        terms.decision.days,
    )
    assert record.predicted_decision_time.astimezone(KAZAKHSTAN).date() == expected


async def test_an_approval_after_a_negative_expertise_is_refused_even_if_a_service_let_it_by(
    procedure: Start,
) -> None:
    """The reviews service narrows the decision to refusal; a service that did not (an older
    release during a rollout) still cannot get a permit issued past the workflow."""
    services = Services()
    app = await procedure(services)
    await app.through_completeness()
    await app.through_expertise(conclusion=reviews_pb.TASK_OUTCOME_NEGATIVE_CONCLUSION)
    await app.complete(
        reviews_pb.TASK_KIND_REMARKS, reviews_pb.TASK_OUTCOME_REMARKS_SENT, comments="Negative."
    )
    await app.answer("Noted.")
    status = await app.until(
        "opened the decision", lambda s: any(t.kind == 8 for t in s.open_tasks)
    )
    decision = next(t for t in status.open_tasks if t.kind == reviews_pb.TASK_KIND_DECISION)
    approve = contract.TaskCompletion(
        decision.task_id,
        reviews_pb.TASK_KIND_DECISION,
        reviews_pb.TASK_OUTCOME_APPROVE,
        "head-1",
    )
    refused = await app.refusal(contract.UPDATE_COMPLETE_TASK, approve)
    assert "does not accept that outcome" in refused
    groundless = replace(approve, outcome=reviews_pb.TASK_OUTCOME_REFUSE, comments="no")
    refused = await app.refusal(contract.UPDATE_COMPLETE_TASK, groundless)
    assert "names its grounds" in refused
    assert services.permits == []


async def test_once_the_objection_window_closes_the_hearing_has_a_stage_of_its_own(
    procedure: Start,
) -> None:
    services = Services()
    app = await procedure(services)
    await app.through_completeness()
    await app.through_expertise()
    await app.through_remarks()
    await app.complete(
        reviews_pb.TASK_KIND_DECISION,
        reviews_pb.TASK_OUTCOME_REFUSE,
        "head-1",
        "Heights wrong.",
        grounds=[reviews_pb.REFUSAL_GROUND_INCOMPLETE_OR_FALSE_DOCUMENTS],
    )
    await app.until_stage("preliminary_decision")
    await app.environment.sleep(timedelta(days=6))  # the window closes with no objection
    await app.recorded(lambda r: r.stage == applicants_pb.STAGE_REFUSAL_HEARING)
    await app.until("opened the hearing", lambda s: bool(services.tasks_of(9)))
    [task] = services.tasks_of(reviews_pb.TASK_KIND_REFUSAL_HEARING)
    assert "The applicant's objection: none received" in task.instructions
    # An objection the service took just before it heard of the hearing reaches the workflow
    # now: it is the applicant's word, kept (as late), not refused.
    late = contract.Amendment(str(uuid.uuid4()), "We object, late.")
    await app.handle.execute_update(contract.UPDATE_AMEND, late)
    await app.complete(
        reviews_pb.TASK_KIND_REFUSAL_HEARING,
        reviews_pb.TASK_OUTCOME_REFUSE,
        "head-2",
        "Upheld.",
        grounds=[reviews_pb.REFUSAL_GROUND_INCOMPLETE_OR_FALSE_DOCUMENTS],
    )
    outcome = await app.handle.result()
    assert outcome.decision == "refused"
    assert outcome.refusal_grounds == [reviews_pb.REFUSAL_GROUND_INCOMPLETE_OR_FALSE_DOCUMENTS]


async def test_a_transboundary_follow_up_that_lapses_goes_to_the_head_of_department(
    procedure: Start,
) -> None:
    services = Services(transboundary=True)
    app = await procedure(services)
    await app.through_completeness()
    await app.through_expertise()
    await app.until_stage("transboundary_consultation")
    [follow_up] = services.tasks_of(reviews_pb.TASK_KIND_TRANSBOUNDARY)
    await app.environment.sleep(follow_up.due_time - datetime.now(UTC) + timedelta(days=1))
    await app.until(
        "escalated the follow-up",
        lambda s: any(t.kind == reviews_pb.TASK_KIND_ESCALATION for t in s.open_tasks),
    )
    [escalation] = services.tasks_of(reviews_pb.TASK_KIND_ESCALATION)
    assert "transboundary consultation" in escalation.instructions
    await app.complete(
        reviews_pb.TASK_KIND_TRANSBOUNDARY,
        reviews_pb.TASK_OUTCOME_ACKNOWLEDGED,
        comments="Concluded.",
    )
    await app.until_stage("remarks")
    await app.until("cancelled the escalation", lambda s: escalation.task_id in services.cancelled)
