"""PermitApplicationWorkflow on the time-skipping test server, with its activities replaced by a
recording stand-in for the services: stages, returns, clocks, reminders, escalations, updates."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

import pytest
from temporalio import activity
from temporalio.client import WorkflowHandle, WorkflowUpdateFailedError
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Replayer, Worker

from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.domain.business_calendar import kazakhstan_calendar
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.workflows import contract
from ecopermit.workflows.activity_messages import (
    ApplicationSnapshot,
    BatFindings,
    ConsultationOrder,
    DeadlinePlan,
    InspectionOrder,
    Milestone,
    PermitOrder,
    PlannedDeadline,
    PriorViolations,
    Procedure,
    Reminder,
    SourcePollutant,
    StageRecord,
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

RULES = all_rules()["kep-2026.1"]
ALL_DOCUMENTS = list(RULES.required_documents)
ABOVE = SourcePollutant("stack-1", 1)


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

    def activities(self) -> list[Callable[..., object]]:
        calendar = kazakhstan_calendar()

        @activity.defn(name="begin_procedure")
        async def begin_procedure(application_id: str) -> Procedure:
            return Procedure(RULES, day_seconds=86400.0)

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
            self.permits.append(order)
            return f"permits/KZ-KEP-{len(self.permits):06d}"

        @activity.defn(name="send_reminder")
        async def send_reminder(reminder: Reminder) -> None:
            self.reminders.append(reminder)

        return [
            begin_procedure,
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


async def test_a_returned_application_stops_the_statutory_clock_until_amended(
    permitting: Start,
) -> None:
    services = Services(documents=ALL_DOCUMENTS[:2])
    app = await permitting(services)
    first = await app.open_task(reviews_pb.TASK_KIND_COMPLETENESS)
    order = next(t for t in services.tasks if t.task_id == first)
    assert "missing DOCUMENT_KIND_WASTE_PROGRAMME" in order.instructions
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
    await app.environment.sleep(timedelta(days=12))  # past 5 working days, weekends included
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
    reason = services.stages[-1].reason
    assert "efficiency programme" in reason
    assert "stack-1/NOX" in reason
    services.programme = [Milestone("stack-1", 1, "2028-12-31")]
    await app.handle.execute_update(
        contract.UPDATE_AMEND, contract.Amendment("a-1", "programme added")
    )
    status = await app.until_stage("site_inspection")
    assert status.inspection_reasons == ["1 value(s) above the BAT-AEL (threshold 1)"]
    for _ in range(100):
        if services.inspections:
            break
        await asyncio.sleep(0.02)
    [order] = services.inspections
    assert date.fromisoformat(order.visit_day) > date.fromisoformat(status.statutory_day)
    act = contract.InspectionRecorded(f"insp-{status.application_id}", 2, 0, 1)
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


async def test_only_the_awaited_inspection_act_is_taken(permitting_live: Start) -> None:
    services = Services(above=[ABOVE], programme=[Milestone("", 0, "2029-06-30")])
    app = await permitting_live(services)
    early = contract.InspectionRecorded("insp-early", 0, 0, 0)
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
    stray = contract.InspectionRecorded("someone-elses", 0, 0, 0)
    assert "not this application's" in await app.refusal(contract.UPDATE_RECORD_INSPECTION, stray)
    act = contract.InspectionRecorded(f"insp-{status.application_id}", 0, 0, 0)
    await app.handle.execute_update(contract.UPDATE_RECORD_INSPECTION, act)
    await app.until_stage("public_consultation")
    assert "returned_for_revision" not in [h.stage for h in (await app.status()).history]
