"""PermitApplicationWorkflow on the time-skipping test server, with its activities replaced by a
recording stand-in for the services: stages, returns, clocks, reminders, escalations, updates."""

from __future__ import annotations

import asyncio
import contextlib
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle, WorkflowHistory, WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.domain.business_calendar import kazakhstan_calendar
from ecopermit.inspections.v1 import resources_pb2 as inspections_pb
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.workflows import contract
from ecopermit.workflows.activity_messages import (
    ApplicationSnapshot,
    BatFindings,
    CommentLine,
    ConsultationOrder,
    DeadlinePlan,
    DecisionForecast,
    InspectionOrder,
    Milestone,
    PermitOrder,
    PlannedDeadline,
    PriorViolations,
    Procedure,
    Reminder,
    SourcePollutant,
    StageRecord,
    Submission,
    TaskCancellation,
    TaskOrder,
    WorkingDaysSpan,
)
from ecopermit.workflows.permit_workflow import (
    PermitApplicationWorkflow,
    PermitOutcome,
    PermitStatus,
)
from ecopermit.workflows.rules_of_procedure import all_rules
from ecopermit.workflows.statutory_clock import deadline_instant
from ecopermit.workflows.worker import WORKFLOWS

RULES = all_rules()["kep-2026.1"]
ALL_DOCUMENTS = list(RULES.required_documents)
ABOVE = SourcePollutant("stack-1", 1)


HISTORIES = Path(__file__).with_name("histories")


async def keep_history(app: Permitting, name: str) -> None:
    """With ECOPERMIT_RECORD_HISTORIES=1, keeps this run's history for the replay test: record
    once per workflow release, so that later code must still replay what earlier code did."""
    if os.environ.get("ECOPERMIT_RECORD_HISTORIES") == "1":
        history = await app.handle.fetch_history()
        HISTORIES.mkdir(exist_ok=True)
        (HISTORIES / f"{name}.json").write_text(history.to_json())


def test_histories_are_recorded_for_every_decision() -> None:
    names = {path.stem for path in HISTORIES.glob("*.json")}
    assert names >= {"approved", "refused_after_hearing", "returned_then_approved", "withdrawn"}
    # kep-2026.2 (KepProcedureWorkflow): finished ones, and ones stopped mid-procedure, which
    # is what a deployment meets: workflows still running.
    assert names >= {
        "statutory_approved",
        "statutory_refused_after_negative_expertise",
        "statutory_approved_after_hearing",
        "statutory_in_transboundary_consultation",
        "statutory_in_disagreement",
        # Since the permit names the decision's signer: issue_permit carries the decision task.
        "statutory_approved_with_signed_decision",
    }


@pytest.mark.parametrize("recorded", sorted(HISTORIES.glob("*.json")), ids=lambda p: p.stem)
async def test_the_workflow_still_replays_the_histories_of_earlier_releases(
    recorded: Path,
) -> None:
    history = WorkflowHistory.from_json(recorded.stem, await asyncio.to_thread(recorded.read_text))
    # The worker's own list, so that a workflow type dropped from it fails here too.
    result = await Replayer(workflows=WORKFLOWS).replay_workflow(
        history, raise_on_replay_failure=False
    )
    assert result.replay_failure is None, f"{recorded.name}: {result.replay_failure}"


def inspection_act(
    inspection_id: str, violations: int = 0, grave: int = 0, prescriptions: int = 0
) -> contract.InspectionRecorded:
    return contract.InspectionRecorded(
        inspection_id,
        inspections_pb.INSPECTION_TYPE_PRE_PERMIT,
        violations,
        grave,
        prescriptions,
    )


@dataclass
class Services:
    """Stands in for the three services: remembers every call the workflow makes."""

    documents: list[int] = field(default_factory=lambda: list(ALL_DOCUMENTS))
    programme: list[Milestone] = field(default_factory=list)
    above: list[SourcePollutant] = field(default_factory=list)
    prior: PriorViolations = field(default_factory=lambda: PriorViolations(0, 0))
    stages: list[StageRecord] = field(default_factory=list)
    tasks: list[TaskOrder] = field(default_factory=list)
    cancelled: list[str] = field(default_factory=list)
    reminders: list[Reminder] = field(default_factory=list)
    inspections: list[InspectionOrder] = field(default_factory=list)
    permits: list[PermitOrder] = field(default_factory=list)
    consultations: list[ConsultationOrder] = field(default_factory=list)
    comments: list[CommentLine] = field(default_factory=list)
    unresolved_grave: list[int] = field(default_factory=list)  # answers, one per look
    # The applicant withdrew in the applicants database; the update is still on its way.
    withdrawn_in_database: bool = False

    def refuse_if_withdrawn(self) -> None:
        if self.withdrawn_in_database:
            raise ApplicationError(
                "the application is withdrawn", type="FAILED_PRECONDITION", non_retryable=True
            )

    def activities(self) -> list[Callable[..., object]]:
        calendar = kazakhstan_calendar()

        @activity.defn(name="begin_procedure")
        async def begin_procedure(submission: Submission) -> Procedure:
            return Procedure(RULES, day_seconds=86400.0)

        @activity.defn(name="forecast_decision")
        async def forecast_decision(forecast: DecisionForecast) -> str:
            day = date.fromisoformat(forecast.from_day)
            for step in forecast.steps:
                day = calendar.add_working_days(
                    day + timedelta(days=step.calendar_days), step.business_days
                )
            return day.isoformat()

        @activity.defn(name="unresolved_grave_violations")
        async def unresolved_grave_violations(inspection_id: str) -> int:
            return self.unresolved_grave.pop(0) if self.unresolved_grave else 0

        @activity.defn(name="public_comments")
        async def public_comments(application_id: str) -> list[CommentLine]:
            return list(self.comments)

        @activity.defn(name="load_application")
        async def load_application(application_id: str) -> ApplicationSnapshot:
            return ApplicationSnapshot(
                application_id, "990340000123", 14, 1, list(self.documents), list(self.programme)
            )

        @activity.defn(name="plan_deadline")
        async def plan_deadline(plan: DeadlinePlan) -> PlannedDeadline:
            start = date.fromisoformat(plan.start_day)
            due = calendar.add_working_days(start, plan.business_days)
            remind = calendar.add_working_days(
                start, max(plan.business_days - plan.reminder_before, 0)
            )
            return PlannedDeadline(due.isoformat(), remind.isoformat())

        @activity.defn(name="count_working_days")
        async def count_working_days(span: WorkingDaysSpan) -> int:
            return calendar.working_days_between(
                date.fromisoformat(span.start_day), date.fromisoformat(span.end_day)
            )

        @activity.defn(name="record_stage")
        async def record_stage(record: StageRecord) -> None:
            self.refuse_if_withdrawn()
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

        @activity.defn(name="prior_violations")
        async def prior_violations(enterprise_bin: str) -> PriorViolations:
            return self.prior

        @activity.defn(name="schedule_inspection")
        async def schedule_inspection(order: InspectionOrder) -> str:
            self.inspections.append(order)
            return f"insp-{order.application_id}"

        @activity.defn(name="open_consultation")
        async def open_consultation(order: ConsultationOrder) -> None:
            self.consultations.append(order)

        @activity.defn(name="issue_permit")
        async def issue_permit(order: PermitOrder) -> str:
            self.refuse_if_withdrawn()
            self.permits.append(order)
            return f"permits/KZ-KEP-{len(self.permits):06d}"

        @activity.defn(name="send_reminder")
        async def send_reminder(reminder: Reminder) -> None:
            self.reminders.append(reminder)

        return [
            begin_procedure,
            forecast_decision,
            unresolved_grave_violations,
            public_comments,
            load_application,
            plan_deadline,
            count_working_days,
            record_stage,
            create_task,
            cancel_task,
            assess_bat,
            reviewed_bat,
            prior_violations,
            schedule_inspection,
            open_consultation,
            issue_permit,
            send_reminder,
        ]

    def stage_names(self) -> list[str]:
        names: list[str] = []
        for record in self.stages:
            name = applicants_pb.Stage.Name(record.stage)
            if not names or names[-1] != name:
                names.append(name)
        return names


@dataclass
class Permitting:
    """One application's workflow on its own task queue, and the actors who answer it."""

    environment: WorkflowEnvironment
    services: Services
    handle: WorkflowHandle[PermitApplicationWorkflow, PermitOutcome]

    async def status(self) -> PermitStatus:
        return await self.handle.query(PermitApplicationWorkflow.get_status)

    async def open_task(self, kind: int) -> str:
        """Waits until the workflow has opened a task of this kind; returns its id."""
        for _ in range(400):
            status = await self.status()
            for task in status.open_tasks:
                if task.kind == kind:
                    return task.task_id
            await asyncio.sleep(0.02)
        raise AssertionError(f"no open {reviews_pb.TaskKind.Name(kind)} task: {status}")

    async def complete(
        self, kind: int, outcome: int, by: str = "reviewer-1", comments: str = ""
    ) -> str:
        task_id = await self.open_task(kind)
        await self.handle.execute_update(
            contract.UPDATE_COMPLETE_TASK,
            contract.TaskCompletion(task_id, kind, outcome, by, comments),
        )
        return task_id

    async def recorded(self, matching: Callable[[StageRecord], bool]) -> StageRecord:
        """Waits until the workflow has written a matching record to the applicants service."""
        for _ in range(400):
            found = [r for r in self.services.stages if matching(r)]
            if found:
                return found[-1]
            await asyncio.sleep(0.02)
        raise AssertionError(f"no such record among {self.services.stages}")

    async def scheduled_inspection(self) -> str:
        for _ in range(400):
            status = await self.status()
            if status.inspection:
                return status.inspection
            await asyncio.sleep(0.02)
        raise AssertionError(f"no inspection scheduled: {status}")

    async def refusal(self, update: str, argument: object) -> str:
        """The reason the workflow's validator gives for refusing the update."""
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await self.handle.execute_update(update, argument)
        return str(refused.value.cause)

    async def until_stage(self, stage: str) -> PermitStatus:
        for _ in range(400):
            status = await self.status()
            if status.stage == stage:
                return status
            await asyncio.sleep(0.02)
        raise AssertionError(f"never reached {stage}: {status}")

    async def through_technical_review(self) -> None:
        await self.complete(reviews_pb.TASK_KIND_COMPLETENESS, reviews_pb.TASK_OUTCOME_COMPLETE)
        for kind in RULES.technical_review_tasks:
            outcome = (
                reviews_pb.TASK_OUTCOME_POSITIVE_CONCLUSION
                if kind == reviews_pb.TASK_KIND_STATE_EXPERTISE
                else reviews_pb.TASK_OUTCOME_NO_OBJECTIONS
            )
            await self.complete(kind, outcome)

    async def through_consultation(self) -> None:
        await self.complete(
            reviews_pb.TASK_KIND_BAT_REVIEW, reviews_pb.TASK_OUTCOME_BAT_CONFIRMED, "expert-1"
        )
        await self.until_stage("public_consultation")
        await self.environment.sleep(timedelta(days=31))  # the documents stay open 30 days
        await self.complete(
            reviews_pb.TASK_KIND_COMMENT_DISPOSITION, reviews_pb.TASK_OUTCOME_ACKNOWLEDGED
        )


async def _permitting(
    environment: WorkflowEnvironment,
) -> AsyncIterator[Callable[[Services], Awaitable[Permitting]]]:
    started: list[Worker] = []
    apps: list[Permitting] = []

    async def start(services: Services) -> Permitting:
        task_queue = f"permits-{uuid.uuid4()}"
        worker = Worker(
            environment.client,
            task_queue=task_queue,
            workflows=[PermitApplicationWorkflow],
            activities=services.activities(),
        )
        await worker.__aenter__()
        started.append(worker)
        application_id = str(uuid.uuid4())
        handle = await environment.client.start_workflow(
            PermitApplicationWorkflow.run,
            contract.PermitApplicationInput(application_id, "990340000123"),
            id=contract.permit_workflow_id(application_id),
            task_queue=task_queue,
        )
        app = Permitting(environment, services, handle)
        apps.append(app)
        return app

    yield start
    for worker in started:
        await worker.__aexit__(None, None, None)
    # On the shared dev server, leave nothing running behind.
    for app in apps:
        with contextlib.suppress(RPCError):
            await app.handle.terminate("test over")


@pytest.fixture
async def permitting(
    time_skipping: WorkflowEnvironment,
) -> AsyncIterator[Callable[[Services], Awaitable[Permitting]]]:
    """On the time-skipping server, for the tests that let statutory weeks pass."""
    async for start in _permitting(time_skipping):
        yield start


@pytest.fixture
async def permitting_live(
    temporal: WorkflowEnvironment,
) -> AsyncIterator[Callable[[Services], Awaitable[Permitting]]]:
    """On the dev server, for the tests of refused updates, which need no skipped time."""
    async for start in _permitting(temporal):
        yield start


Start = Callable[[Services], Awaitable[Permitting]]


async def test_a_complete_application_is_approved_with_a_permit(permitting: Start) -> None:
    services = Services()
    app = await permitting(services)
    await app.through_technical_review()
    await app.through_consultation()
    await app.complete(reviews_pb.TASK_KIND_DECISION, reviews_pb.TASK_OUTCOME_APPROVE, "head-1")
    outcome = await app.handle.result()
    assert outcome.decision == "approved"
    assert outcome.permit == "permits/KZ-KEP-000001"
    assert [p.signed_by for p in services.permits] == ["head-1"]
    assert services.stage_names() == [
        "STAGE_COMPLETENESS",
        "STAGE_TECHNICAL_REVIEW",
        "STAGE_BAT_ASSESSMENT",
        "STAGE_PUBLIC_CONSULTATION",
        "STAGE_DECISION",
        "STAGE_APPROVED",
    ]
    # No BAT gap and no prior violations: the risk rule orders no inspection.
    assert services.inspections == []
    # Every transition carries a higher sequence than the one before, and the rules version.
    sequences = [s.sequence for s in services.stages]
    assert sequences == sorted(set(sequences))
    assert {s.rules_version for s in services.stages} == {"kep-2026.1"}
    # The decision maker was briefed with what the stages found.
    decision = next(t for t in services.tasks if t.kind == reviews_pb.TASK_KIND_DECISION)
    assert "state_expertise: positive_conclusion" in decision.instructions
    # The consultation stayed open 30 statutory days.
    assert outcome.statutory_days >= 30
    # The code replays its own history: nothing in it depends on time, randomness or I/O.
    replayed = await Replayer(workflows=[PermitApplicationWorkflow]).replay_workflow(
        await app.handle.fetch_history()
    )
    assert replayed.replay_failure is None
    await keep_history(app, "approved")


async def test_a_returned_application_stops_the_statutory_clock_until_amended(
    permitting: Start,
) -> None:
    services = Services(documents=ALL_DOCUMENTS[:2])
    app = await permitting(services)
    first = await app.open_task(reviews_pb.TASK_KIND_COMPLETENESS)
    order = next(t for t in services.tasks if t.task_id == first)
    assert "missing DOCUMENT_KIND_WASTE_PROGRAMME" in order.instructions
    await app.environment.sleep(timedelta(days=2))  # the reviewer takes two days
    await app.complete(
        reviews_pb.TASK_KIND_COMPLETENESS,
        reviews_pb.TASK_OUTCOME_INCOMPLETE,
        comments="the waste programme is missing",
    )
    returned = await app.until_stage("returned_for_revision")
    assert not returned.clock_running
    await app.environment.sleep(timedelta(days=40))
    paused = await app.status()
    assert paused.statutory_day == returned.statutory_day  # no statutory time passed
    assert services.reminders == []  # and no deadline ran while the applicant revised
    services.documents = list(ALL_DOCUMENTS)
    await app.handle.execute_update(
        contract.UPDATE_AMEND, contract.Amendment(str(uuid.uuid4()), "added")
    )
    second = await app.open_task(reviews_pb.TASK_KIND_COMPLETENESS)
    assert second != first
    again = next(t for t in services.tasks if t.task_id == second)
    assert "every required document is present" in again.instructions
    resumed = await app.status()
    assert resumed.clock_running
    assert resumed.statutory_day == returned.statutory_day
    # The re-check gets the working days that were left of the five, counted from the
    # statutory day of the return; its real due date lies the 40 paused days later.
    calendar = kazakhstan_calendar()
    returned_day = date.fromisoformat(returned.statutory_day)
    first_due = date.fromisoformat(returned.history[1].statutory_day)
    left = calendar.working_days_between(
        returned_day, calendar.add_working_days(first_due, RULES.terms.completeness)
    )
    assert resumed.deadline is not None
    assert resumed.deadline.business_days == max(1, left)
    statutory_due = calendar.add_working_days(returned_day, max(1, left))
    assert resumed.deadline.due_time == deadline_instant(statutory_due)
    assert order.due_time < again.due_time
    assert again.due_time - deadline_instant(statutory_due) >= timedelta(days=40)
    # And the application goes on to its decision.
    await app.through_technical_review()
    await app.through_consultation()
    await app.complete(reviews_pb.TASK_KIND_DECISION, reviews_pb.TASK_OUTCOME_APPROVE, "head-1")
    assert (await app.handle.result()).decision == "approved"
    await keep_history(app, "returned_then_approved")
    assert services.stage_names()[:3] == [
        "STAGE_COMPLETENESS",
        "STAGE_RETURNED_FOR_REVISION",
        "STAGE_COMPLETENESS",
    ]


async def test_stale_duplicate_and_wrong_kind_completions_are_refused_before_history(
    permitting_live: Start,
) -> None:
    services = Services()
    app = await permitting_live(services)
    task_id = await app.open_task(reviews_pb.TASK_KIND_COMPLETENESS)
    wrong_kind = contract.TaskCompletion(
        task_id, reviews_pb.TASK_KIND_DECISION, reviews_pb.TASK_OUTCOME_APPROVE, "r"
    )
    assert "completeness task" in await app.refusal(contract.UPDATE_COMPLETE_TASK, wrong_kind)
    unknown = contract.TaskCompletion(
        "no-such-task", reviews_pb.TASK_KIND_COMPLETENESS, reviews_pb.TASK_OUTCOME_COMPLETE, "r"
    )
    assert "not open" in await app.refusal(contract.UPDATE_COMPLETE_TASK, unknown)
    await app.complete(reviews_pb.TASK_KIND_COMPLETENESS, reviews_pb.TASK_OUTCOME_COMPLETE)
    duplicate = contract.TaskCompletion(
        task_id, reviews_pb.TASK_KIND_COMPLETENESS, reviews_pb.TASK_OUTCOME_COMPLETE, "r"
    )
    assert "already completed" in await app.refusal(contract.UPDATE_COMPLETE_TASK, duplicate)
    assert "not returned" in await app.refusal(contract.UPDATE_AMEND, contract.Amendment("r", "x"))
    await app.until_stage("technical_review")
    # Refused updates never entered the history: only the one accepted completion did.
    history = await app.handle.fetch_history()
    accepted = [
        e
        for e in history.events
        if e.HasField("workflow_execution_update_accepted_event_attributes")
    ]
    assert len(accepted) == 1


async def test_a_lapsed_deadline_reminds_then_escalates_to_the_head_of_department(
    permitting: Start,
) -> None:
    services = Services()
    app = await permitting(services)
    await app.open_task(reviews_pb.TASK_KIND_COMPLETENESS)
    due = (await app.status()).deadline
    assert due is not None
    now = await app.environment.get_current_time()
    await app.environment.sleep(due.due_time - now + timedelta(hours=1))
    status = await app.status()
    assert status.reminders_sent == 1
    assert [r.kind for r in services.reminders] == ["completeness"]
    assert status.escalations == 1
    escalation = next(t for t in services.tasks if t.kind == reviews_pb.TASK_KIND_ESCALATION)
    assert "completeness deadline" in escalation.instructions
    # The head acknowledges; the original task is still awaited, and then the procedure goes on.
    await app.complete(
        reviews_pb.TASK_KIND_ESCALATION, reviews_pb.TASK_OUTCOME_ACKNOWLEDGED, "head-1"
    )
    await app.complete(reviews_pb.TASK_KIND_COMPLETENESS, reviews_pb.TASK_OUTCOME_COMPLETE)
    await app.until_stage("technical_review")


async def test_a_lapse_answered_late_withdraws_the_escalation(permitting: Start) -> None:
    services = Services()
    app = await permitting(services)
    await app.open_task(reviews_pb.TASK_KIND_COMPLETENESS)
    await app.environment.sleep(timedelta(days=20))
    escalation = await app.open_task(reviews_pb.TASK_KIND_ESCALATION)
    await app.complete(reviews_pb.TASK_KIND_COMPLETENESS, reviews_pb.TASK_OUTCOME_COMPLETE)
    status = await app.until_stage("technical_review")
    assert escalation in services.cancelled
    assert reviews_pb.TASK_KIND_ESCALATION not in [t.kind for t in status.open_tasks]


async def test_values_above_bat_need_a_programme_and_bring_an_inspection(
    permitting: Start,
) -> None:
    services = Services(above=[ABOVE])
    app = await permitting(services)
    await app.through_technical_review()
    await app.complete(
        reviews_pb.TASK_KIND_BAT_REVIEW, reviews_pb.TASK_OUTCOME_BAT_CONFIRMED, "expert-1"
    )
    returned = await app.until_stage("returned_for_revision")
    assert returned.open_tasks == []
    reason = (
        await app.recorded(lambda r: r.stage == applicants_pb.STAGE_RETURNED_FOR_REVISION)
    ).reason
    assert "efficiency programme" in reason
    assert "stack-1/NOX" in reason
    services.programme = [Milestone("stack-1", 1, "2028-12-31")]
    await app.handle.execute_update(
        contract.UPDATE_AMEND, contract.Amendment("a-1", "programme added")
    )
    # The amended application is assessed and reviewed again before it goes on.
    second_review = await app.complete(
        reviews_pb.TASK_KIND_BAT_REVIEW, reviews_pb.TASK_OUTCOME_BAT_CONFIRMED, "expert-1"
    )
    assert second_review.endswith("-bat-2")
    status = await app.until_stage("site_inspection")
    assert status.inspection_reasons == ["1 value(s) above the BAT-AEL (threshold 1)"]
    for _ in range(100):
        if services.inspections:
            break
        await asyncio.sleep(0.02)
    [order] = services.inspections
    assert date.fromisoformat(order.visit_day) > date.fromisoformat(status.statutory_day)
    act = inspection_act(f"insp-{status.application_id}", violations=2, prescriptions=1)
    await app.handle.execute_update(contract.UPDATE_RECORD_INSPECTION, act)
    await app.until_stage("public_consultation")
    await app.environment.sleep(timedelta(days=31))
    await app.complete(
        reviews_pb.TASK_KIND_COMMENT_DISPOSITION, reviews_pb.TASK_OUTCOME_ACKNOWLEDGED
    )
    await app.complete(reviews_pb.TASK_KIND_DECISION, reviews_pb.TASK_OUTCOME_APPROVE, "head-1")
    outcome = await app.handle.result()
    assert outcome.decision == "approved"
    [permit] = services.permits
    assert any("efficiency programme" in c for c in permit.conditions)


async def test_a_refusal_is_heard_before_it_is_final(permitting: Start) -> None:
    services = Services()
    app = await permitting(services)
    await app.through_technical_review()
    await app.through_consultation()
    await app.complete(
        reviews_pb.TASK_KIND_DECISION,
        reviews_pb.TASK_OUTCOME_REFUSE,
        "head-1",
        comments="negative expertise not addressed",
    )
    await app.until_stage("refusal_hearing")
    await app.open_task(reviews_pb.TASK_KIND_REFUSAL_HEARING)
    assert [t.kind for t in (await app.status()).open_tasks] == [
        reviews_pb.TASK_KIND_REFUSAL_HEARING
    ]
    await app.complete(
        reviews_pb.TASK_KIND_REFUSAL_HEARING, reviews_pb.TASK_OUTCOME_REFUSE, "head-2", "upheld"
    )
    outcome = await app.handle.result()
    assert outcome.decision == "refused"
    await keep_history(app, "refused_after_hearing")
    assert outcome.permit == ""
    assert services.permits == []
    assert services.stage_names()[-2:] == ["STAGE_REFUSAL_HEARING", "STAGE_REFUSED"]


async def test_a_withdrawal_cancels_the_open_tasks_and_ends_the_workflow(
    permitting: Start,
) -> None:
    services = Services()
    app = await permitting(services)
    await app.complete(reviews_pb.TASK_KIND_COMPLETENESS, reviews_pb.TASK_OUTCOME_COMPLETE)
    await app.until_stage("technical_review")
    open_ids = {t.task_id for t in (await app.status()).open_tasks}
    assert len(open_ids) == len(RULES.technical_review_tasks)
    await app.handle.execute_update(
        contract.UPDATE_WITHDRAW, contract.Withdrawal("closing the plant")
    )
    outcome = await app.handle.result()
    assert outcome.decision == "withdrawn"
    assert set(services.cancelled) == open_ids
    await keep_history(app, "withdrawn")


async def test_only_the_awaited_inspection_act_is_taken(permitting_live: Start) -> None:
    services = Services(above=[ABOVE], programme=[Milestone("", 0, "2029-06-30")])
    app = await permitting_live(services)
    early = inspection_act("insp-early")
    assert "no site inspection is awaited" in await app.refusal(
        contract.UPDATE_RECORD_INSPECTION, early
    )
    await app.through_technical_review()
    await app.complete(
        reviews_pb.TASK_KIND_BAT_REVIEW, reviews_pb.TASK_OUTCOME_BAT_CONFIRMED, "expert-1"
    )
    # A milestone without source or pollutant covers the whole installation: no return.
    status = await app.until_stage("site_inspection")
    for _ in range(100):
        if services.inspections:
            break
        await asyncio.sleep(0.02)
    await app.scheduled_inspection()  # the workflow knows which inspection it scheduled
    stray = inspection_act("someone-elses")
    assert "not this application's" in await app.refusal(contract.UPDATE_RECORD_INSPECTION, stray)
    act = inspection_act(f"insp-{status.application_id}")
    await app.handle.execute_update(contract.UPDATE_RECORD_INSPECTION, act)
    await app.until_stage("public_consultation")
    assert "returned_for_revision" not in [h.stage for h in (await app.status()).history]


async def test_a_withdrawal_that_beats_the_permit_ends_the_workflow_withdrawn(
    permitting: Start,
) -> None:
    services = Services()
    app = await permitting(services)
    await app.through_technical_review()
    await app.through_consultation()
    decision = await app.open_task(reviews_pb.TASK_KIND_DECISION)
    # The applicant withdraws in the database just before the decision maker approves.
    services.withdrawn_in_database = True
    await app.handle.execute_update(
        contract.UPDATE_COMPLETE_TASK,
        contract.TaskCompletion(
            decision, reviews_pb.TASK_KIND_DECISION, reviews_pb.TASK_OUTCOME_APPROVE, "head-1"
        ),
    )
    await asyncio.sleep(0.2)  # the workflow meets the refused permit and waits for the update
    await app.handle.execute_update(contract.UPDATE_WITHDRAW, contract.Withdrawal("plant sold"))
    outcome = await app.handle.result()
    assert outcome.decision == "withdrawn"
    assert outcome.permit == ""
    assert services.permits == []


async def test_unresolved_grave_violations_hold_the_application_until_carried_out(
    permitting: Start,
) -> None:
    services = Services(
        above=[ABOVE], programme=[Milestone("", 0, "2029-06-30")], unresolved_grave=[1, 1]
    )
    app = await permitting(services)
    await app.through_technical_review()
    await app.complete(
        reviews_pb.TASK_KIND_BAT_REVIEW, reviews_pb.TASK_OUTCOME_BAT_CONFIRMED, "expert-1"
    )
    await app.until_stage("site_inspection")
    inspection = await app.scheduled_inspection()
    act = inspection_act(inspection, violations=3, grave=1, prescriptions=1)
    await app.handle.execute_update(contract.UPDATE_RECORD_INSPECTION, act)
    await app.environment.sleep(timedelta(hours=12))
    held = await app.status()
    assert held.stage == "site_inspection"
    assert "approval blocked: 1 grave violation(s) unresolved" in [
        s.reason for s in services.stages
    ]
    # The prescription is carried out; the next daily look lets the application go on.
    await app.environment.sleep(timedelta(days=3))
    await app.until_stage("public_consultation")
    assert services.unresolved_grave == []


async def test_the_decision_maker_reads_every_comment_and_its_disposition(
    permitting: Start,
) -> None:
    services = Services(
        comments=[
            CommentLine("Ecoforum", "Publish ASM data monthly.", "accepted", "A condition now."),
            CommentLine("Resident", "Dust on Lenin street.", "partly_accepted", "Monitoring."),
        ]
    )
    app = await permitting(services)
    await app.through_technical_review()
    await app.through_consultation()
    await app.open_task(reviews_pb.TASK_KIND_DECISION)
    decision = next(t for t in services.tasks if t.kind == reviews_pb.TASK_KIND_DECISION)
    assert "public consultation: 2 comment(s)" in decision.instructions
    assert "Ecoforum: Publish ASM data monthly. → accepted: A condition now." in (
        decision.instructions
    )
    assert "Resident: Dust on Lenin street. → partly_accepted: Monitoring." in (
        decision.instructions
    )


async def test_the_predicted_decision_date_moves_with_the_procedure(permitting: Start) -> None:
    services = Services()
    app = await permitting(services)
    recorded = await app.recorded(lambda r: r.stage == applicants_pb.STAGE_COMPLETENESS)
    at_completeness = recorded.predicted_decision_time
    assert at_completeness is not None
    calendar = kazakhstan_calendar()
    terms = RULES.terms
    # Every stage at its full term, the inspection included until the risk rule has spoken.
    day = date.fromisoformat((await app.status()).history[0].statutory_day)
    for days in (
        terms.completeness,
        terms.technical_review,
        terms.bat_review,
        terms.site_inspection,
    ):
        day = calendar.add_working_days(day, days)
    day = calendar.add_working_days(
        day + timedelta(days=terms.consultation_calendar_days), terms.comment_disposition
    )
    day = calendar.add_working_days(day, terms.decision)
    assert at_completeness == deadline_instant(day)
    await app.complete(reviews_pb.TASK_KIND_COMPLETENESS, reviews_pb.TASK_OUTCOME_COMPLETE)
    await app.complete(RULES.technical_review_tasks[0], reviews_pb.TASK_OUTCOME_NO_OBJECTIONS)
    progressed = await app.recorded(
        lambda r: r.stage == applicants_pb.STAGE_TECHNICAL_REVIEW and len(r.open_tasks) == 3
    )
    later = progressed.predicted_decision_time
    assert later is not None
    assert later <= at_completeness  # reviewing early never pushes the forecast out


async def test_a_kep_2026_1_application_finishes_under_it_after_the_worker_is_upgraded(
    time_skipping: WorkflowEnvironment,
) -> None:
    """Started by a worker that knows only kep-2026.1, carried to its decision by the upgraded
    worker, which runs both procedures and the new activities and messages, and which keeps
    no workflow in its cache, so that it replays the old worker's history before each step.

    The recorded histories guard the old code's determinism (they were written by the
    releases that ran it); this guards the upgrade itself."""
    services = Services()
    task_queue = f"upgrade-{uuid.uuid4()}"
    application_id = str(uuid.uuid4())
    # Without a cache (no sticky queue): the time-skipping server does not move a query off a
    # stopped worker's sticky queue, where a cluster would after its timeout.
    old_worker = Worker(
        time_skipping.client,
        task_queue=task_queue,
        workflows=[PermitApplicationWorkflow],
        activities=services.activities(),
        max_cached_workflows=0,
    )
    async with old_worker:
        # Started as the relay starts what the applicants service registered before kep-2026.2.
        handle: WorkflowHandle[
            PermitApplicationWorkflow, PermitOutcome
        ] = await time_skipping.client.start_workflow(
            contract.WORKFLOW_NAME,
            contract.PermitApplicationInput(application_id, "990340000123"),
            id=contract.permit_workflow_id(application_id),
            task_queue=task_queue,
            result_type=PermitOutcome,
        )
        app = Permitting(time_skipping, services, handle)
        await app.through_technical_review()
        await app.until_stage("bat_assessment")
    upgraded = Worker(
        time_skipping.client,
        task_queue=task_queue,
        workflows=WORKFLOWS,
        activities=services.activities(),
        max_cached_workflows=0,
    )
    async with upgraded:
        await app.through_consultation()
        await app.complete(reviews_pb.TASK_KIND_DECISION, reviews_pb.TASK_OUTCOME_APPROVE, "head-1")
        outcome = await handle.result()
    assert outcome.decision == "approved"
    assert {s.rules_version for s in services.stages} == {"kep-2026.1"}
    assert "STAGE_PUBLIC_CONSULTATION" in services.stage_names()
    replayed = await Replayer(workflows=WORKFLOWS).replay_workflow(await handle.fetch_history())
    assert replayed.replay_failure is None
