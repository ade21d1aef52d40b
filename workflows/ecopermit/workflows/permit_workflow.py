"""PermitApplicationWorkflow: one KEP application from submission to approval or refusal.

The workflow owns where an application is: its stage, its open tasks and its statutory clocks.
Everything it learns from people arrives as a Temporal update (a task completed, an amendment,
a withdrawal, an inspection act) whose validator refuses stale, duplicate or wrong-kind input
before it enters the history. Everything it does to records is an activity that calls a service.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import NoReturn

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
    from ecopermit.domain import stages, tasks
    from ecopermit.domain.business_calendar import KAZAKHSTAN
    from ecopermit.domain.inspection_risk import RiskFacts, inspection_reasons
    from ecopermit.inspections.v1 import resources_pb2 as inspections_pb
    from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
    from ecopermit.workflows import contract
    from ecopermit.workflows.activities import PermitActivities
    from ecopermit.workflows.activity_calls import call, call_local
    from ecopermit.workflows.activity_messages import (
        ApplicationSnapshot,
        BatFindings,
        ConsultationOrder,
        DeadlinePlan,
        DeadlineView,
        DecisionForecast,
        ForecastStep,
        InspectionOrder,
        OpenTaskView,
        PermitOrder,
        PlannedDeadline,
        Procedure,
        Reminder,
        StageRecord,
        Submission,
        TaskCancellation,
        TaskOrder,
        WorkingDaysSpan,
    )
    from ecopermit.workflows.briefs import bat_summary as _bat_summary
    from ecopermit.workflows.briefs import kind_name as _kind_name
    from ecopermit.workflows.briefs import pollutant_name as _pollutant_name
    from ecopermit.workflows.briefs import reasons as _reasons
    from ecopermit.workflows.briefs import uncovered as _uncovered
    from ecopermit.workflows.rules_of_procedure import RulesOfProcedure
    from ecopermit.workflows.statutory_clock import StatutoryClock, deadline_instant


_OBJECTING_OUTCOMES = frozenset(
    {reviews_pb.TASK_OUTCOME_OBJECTIONS, reviews_pb.TASK_OUTCOME_NEGATIVE_CONCLUSION}
)


@dataclass(frozen=True)
class PermitOutcome:
    application_id: str
    decision: str  # "approved", "refused" or "withdrawn"
    permit: str = ""
    statutory_days: int = 0


@dataclass(frozen=True)
class StageEntry:
    stage: str
    statutory_day: str


@dataclass(frozen=True)
class PermitStatus:
    """The live state, as the get_status query answers it."""

    application_id: str
    stage: str
    rules_version: str
    open_tasks: list[OpenTaskView]
    deadline: DeadlineView | None
    clock_running: bool
    statutory_day: str
    statutory_days_elapsed: int
    history: list[StageEntry] = field(default_factory=list)
    reminders_sent: int = 0
    escalations: int = 0
    inspection_reasons: list[str] = field(default_factory=list)
    inspection: str = ""
    decision: str = ""
    permit: str = ""


class _WithdrawnError(Exception):
    """Unwinds the procedure when the applicant withdraws."""


@workflow.defn(name=contract.WORKFLOW_NAME)
class PermitApplicationWorkflow:
    def __init__(self) -> None:
        self._application_id = ""
        self._procedure: Procedure | None = None
        self._clock: StatutoryClock | None = None
        self._stage: int = applicants_pb.STAGE_SUBMITTED
        self._sequence = 0
        self._deadline: DeadlineView | None = None
        self._history: list[StageEntry] = []
        self._open: dict[str, OpenTaskView] = {}
        self._recorded_open: list[str] = []  # the open tasks as last written to the service
        self._completions: dict[str, contract.TaskCompletion] = {}
        self._task_counts: dict[int, int] = {}
        self._awaiting_amendment = False
        self._amendments: list[contract.Amendment] = []
        self._withdrawal: contract.Withdrawal | None = None
        self._inspection_id = ""
        self._inspection: contract.InspectionRecorded | None = None
        self._inspection_reasons: list[str] = []
        self._notes: list[str] = []
        self._reminders = 0
        self._escalations = 0
        self._decision = ""
        self._permit = ""

    @property
    def stage_name(self) -> str:
        """The stage the application is in, as traces name it."""
        return stages.stage_name(self._stage)

    # The procedure

    @workflow.run
    async def run(self, application: contract.PermitApplicationInput) -> PermitOutcome:
        self._application_id = application.application_id
        submitted = workflow.info().start_time
        self._procedure = await call(
            PermitActivities.begin_procedure,
            Submission(self._application_id, submitted.astimezone(KAZAKHSTAN).date().isoformat()),
        )
        self._clock = StatutoryClock(origin=submitted, day_seconds=self._procedure.day_seconds)
        self._history.append(StageEntry("submitted", self._today().isoformat()))
        try:
            await self._carry_to_decision(application)
        except _WithdrawnError:
            self._decision = "withdrawn"
            self._stage = applicants_pb.STAGE_WITHDRAWN
            self._history.append(StageEntry("withdrawn", self._today().isoformat()))
            await self._cancel_open_tasks("the application was withdrawn")
        await workflow.wait_condition(workflow.all_handlers_finished)
        return PermitOutcome(
            self._application_id, self._decision, self._permit, self._statutory_days()
        )

    async def _carry_to_decision(self, application: contract.PermitApplicationInput) -> None:
        snapshot = await self._completeness()
        await self._technical_review()
        bat, snapshot = await self._bat_assessment_with_programme()
        await self._site_inspection_if_risky(snapshot, bat)
        await self._public_consultation()
        await self._decide(bat)

    async def _completeness(self) -> ApplicationSnapshot:
        terms = self._rules().terms
        remaining = terms.completeness
        while True:
            snapshot = await call(PermitActivities.load_application, self._application_id)
            missing = [
                applicants_pb.DocumentKind.Name(kind)
                for kind in self._rules().required_documents
                if kind not in snapshot.document_kinds
            ]
            checklist = (
                f"Automatic checklist: missing {', '.join(missing)}."
                if missing
                else "Automatic checklist: every required document is present."
            )
            deadline = await self._plan(remaining)
            [check] = await self._stage_tasks(
                applicants_pb.STAGE_COMPLETENESS,
                checklist,
                deadline,
                remaining,
                [(reviews_pb.TASK_KIND_COMPLETENESS, checklist)],
            )
            if check.outcome == reviews_pb.TASK_OUTCOME_COMPLETE:
                return snapshot
            # The statutory clock stops while the applicant revises: the re-check gets only the
            # working days that were left (at least one).
            left = await call_local(
                PermitActivities.count_working_days,
                WorkingDaysSpan(self._today().isoformat(), deadline.due_day),
            )
            remaining = max(1, left)
            await self._return_for_revision(_reasons(check))

    async def _technical_review(self) -> None:
        rules = self._rules()
        deadline = await self._plan(rules.terms.technical_review)
        completions = await self._stage_tasks(
            applicants_pb.STAGE_TECHNICAL_REVIEW,
            "parallel technical review and state environmental expertise",
            deadline,
            rules.terms.technical_review,
            [(kind, "") for kind in rules.technical_review_tasks],
        )
        for completion in completions:
            verdict = reviews_pb.TaskOutcome.Name(completion.outcome)
            line = f"{_kind_name(completion.kind)}: {verdict.removeprefix('TASK_OUTCOME_').lower()}"
            if completion.outcome in _OBJECTING_OUTCOMES:
                line += f" — {_reasons(completion)}"
            self._notes.append(line)

    async def _bat_assessment(self) -> BatFindings:
        days = self._rules().terms.bat_review
        deadline = await self._plan(days)
        await self._enter(
            applicants_pb.STAGE_BAT_ASSESSMENT,
            "declared values compared with the BAT-AELs",
            deadline,
            days,
        )
        automatic = await call(PermitActivities.assess_bat, self._application_id)
        summary = _bat_summary(automatic)
        await self._tasks(
            [(reviews_pb.TASK_KIND_BAT_REVIEW, f"Automatic assessment: {summary}")], deadline
        )
        reviewed = await call(PermitActivities.reviewed_bat, self._application_id)
        self._notes.append(f"BAT (expert-reviewed): {_bat_summary(reviewed)}")
        return reviewed

    async def _bat_assessment_with_programme(self) -> tuple[BatFindings, ApplicationSnapshot]:
        """Values above their BAT-AEL need an efficiency programme (ППЭЭ) before approval.

        Without one covering them the application goes back to the applicant; the amended
        application is assessed and reviewed again, since its declared values may have changed.
        """
        while True:
            bat = await self._bat_assessment()
            snapshot = await call(PermitActivities.load_application, self._application_id)
            uncovered = _uncovered(bat.above, snapshot.programme)
            if not uncovered:
                if bat.above:
                    self._notes.append(
                        f"efficiency programme: {len(snapshot.programme)} milestone(s)"
                    )
                return bat, snapshot
            listed = ", ".join(f"{a.source_id}/{_pollutant_name(a.pollutant)}" for a in uncovered)
            await self._return_for_revision(
                "values above the BAT-AEL need an environmental efficiency programme (ППЭЭ) "
                f"with dated milestones: {listed}"
            )

    async def _site_inspection_if_risky(
        self, snapshot: ApplicationSnapshot, bat: BatFindings
    ) -> None:
        rules = self._rules()
        prior = await call(PermitActivities.prior_violations, snapshot.enterprise_bin)
        facts = RiskFacts(len(bat.above), prior.violations, prior.grave)
        self._inspection_reasons = inspection_reasons(facts, rules.risk)
        if not self._inspection_reasons:
            self._notes.append("site inspection: not required by the risk rule")
            return
        visit = await self._plan(rules.terms.inspection_lead)
        deadline = await self._plan(rules.terms.site_inspection)
        await self._enter(
            applicants_pb.STAGE_SITE_INSPECTION,
            "risk rule: " + "; ".join(self._inspection_reasons),
            deadline,
            rules.terms.site_inspection,
        )
        visit_day = self._real(deadline_instant(date.fromisoformat(visit.due_day)))
        self._inspection_id = await call(
            PermitActivities.schedule_inspection,
            InspectionOrder(
                self._application_id,
                snapshot.enterprise_bin,
                snapshot.region,
                visit_day.astimezone(KAZAKHSTAN).date().isoformat(),
            ),
        )
        await self._until(lambda: self._inspection is not None, deadline, "site inspection")
        act = self._inspection
        assert act is not None
        self._notes.append(
            f"site inspection: {act.violations} violation(s), {act.grave_violations} grave, "
            f"{act.prescriptions} prescription(s)"
        )
        if act.grave_violations:
            await self._until_grave_violations_resolved()

    async def _until_grave_violations_resolved(self) -> None:
        """Unresolved grave violations block approval: look again every statutory day."""
        while True:
            unresolved = await call(
                PermitActivities.unresolved_grave_violations, self._inspection_id
            )
            if not unresolved:
                self._notes.append("grave violations: every prescription carried out")
                return
            await self._record(f"approval blocked: {unresolved} grave violation(s) unresolved")
            await self._sleep_until(self._clock_().now(workflow.now()) + timedelta(days=1))

    async def _public_consultation(self) -> None:
        terms = self._rules().terms
        close_day = self._today() + timedelta(days=terms.consultation_calendar_days)
        statutory_close = deadline_instant(close_day)
        now = workflow.now()
        real_close = now + self._clock_().real_delay_until(statutory_close, now)
        # Open first: the stage is announced only once the public can comment.
        await call(
            PermitActivities.open_consultation, ConsultationOrder(self._application_id, real_close)
        )
        await self._enter(
            applicants_pb.STAGE_PUBLIC_CONSULTATION,
            f"documents open for public comment until {close_day.isoformat()}",
            DeadlineView(applicants_pb.STAGE_PUBLIC_CONSULTATION, statutory_close, 0),
        )
        await self._sleep_until(statutory_close)
        deadline = await self._plan(terms.comment_disposition)
        self._deadline = self._deadline_view(deadline, terms.comment_disposition)
        await self._tasks(
            [(reviews_pb.TASK_KIND_COMMENT_DISPOSITION, "Give each public comment a disposition.")],
            deadline,
        )
        comments = await call(PermitActivities.public_comments, self._application_id)
        self._notes.append(f"public consultation: {len(comments)} comment(s)")
        self._notes += [
            f"  - {c.author}: {c.text[:300]} → {c.disposition}: {c.reason[:300]}" for c in comments
        ]

    async def _decide(self, bat: BatFindings) -> None:
        terms = self._rules().terms
        deadline = await self._plan(terms.decision)
        brief = "\n".join(self._notes)
        [decision] = await self._stage_tasks(
            applicants_pb.STAGE_DECISION,
            "ready for decision",
            deadline,
            terms.decision,
            [(reviews_pb.TASK_KIND_DECISION, brief)],
        )
        if decision.outcome == reviews_pb.TASK_OUTCOME_APPROVE:
            await self._approve(decision, bat)
            return
        # A refusal is first put to the applicant at a hearing (АППК) before another official.
        deadline = await self._plan(terms.refusal_hearing)
        [hearing] = await self._stage_tasks(
            applicants_pb.STAGE_REFUSAL_HEARING,
            f"refusal proposed: {_reasons(decision)}",
            deadline,
            terms.refusal_hearing,
            [(reviews_pb.TASK_KIND_REFUSAL_HEARING, f"Proposed refusal: {_reasons(decision)}")],
        )
        if hearing.outcome == reviews_pb.TASK_OUTCOME_APPROVE:
            await self._approve(hearing, bat)
            return
        await self._cancel_open_tasks("the application is refused")
        await self._enter(applicants_pb.STAGE_REFUSED, _reasons(hearing), None)
        self._decision = "refused"

    async def _approve(self, decision: contract.TaskCompletion, bat: BatFindings) -> None:
        conditions = [
            "Production environmental control (ПЭК) as in the approved programme.",
            "Emission limit values per source and pollutant as listed; never above the BAT-AEL "
            "upper bound unless a derogation is recorded against the limit.",
        ]
        if bat.above:
            conditions.append(
                "Carry out the environmental efficiency programme (ППЭЭ) by its milestones and "
                "report on it yearly."
            )
        order = PermitOrder(
            self._application_id, decision.completed_by, conditions, decision.task_id
        )
        try:
            # The service issues the permit and enters APPROVED in one transaction, so a
            # withdrawal is either refused afterwards or, made before, refuses the permit.
            self._permit = await call(PermitActivities.issue_permit, order)
        except ActivityError as error:
            await self._withdrawn_meanwhile(error)
        await self._cancel_open_tasks("the permit is issued")
        await self._enter(applicants_pb.STAGE_APPROVED, f"permit {self._permit} issued", None)
        self._decision = "approved"

    # Returns for revision

    async def _return_for_revision(self, reasons: str) -> None:
        self._awaiting_amendment = True
        self._clock = self._clock_().pause(workflow.now())
        await self._enter(applicants_pb.STAGE_RETURNED_FOR_REVISION, reasons, None)
        await self._wait(lambda: not self._awaiting_amendment)
        self._clock = self._clock_().resume(workflow.now())

    # Tasks and deadlines

    async def _tasks(
        self, orders: list[tuple[int, str]], deadline: PlannedDeadline
    ) -> list[contract.TaskCompletion]:
        """Opens tasks within the current stage and waits for every one."""
        task_ids = await self._open_tasks(orders, deadline)
        await self._record("")
        return await self._await_tasks(task_ids, deadline)

    async def _stage_tasks(
        self,
        stage: int,
        reason: str,
        deadline: PlannedDeadline,
        days: int,
        orders: list[tuple[int, str]],
    ) -> list[contract.TaskCompletion]:
        """Enters a stage with its tasks already open, so a status page never shows the stage
        without them, and waits for every one."""
        task_ids = await self._open_tasks(orders, deadline)
        await self._enter(stage, reason, deadline, days)
        return await self._await_tasks(task_ids, deadline)

    async def _open_tasks(
        self, orders: list[tuple[int, str]], deadline: PlannedDeadline
    ) -> list[str]:
        self._check_withdrawn()
        due = self._real(deadline_instant(date.fromisoformat(deadline.due_day)))
        created = []
        for kind, instructions in orders:
            task_id = self._next_task_id(kind)
            # Open before it exists, so a completion racing the activity's result is accepted.
            self._open[task_id] = OpenTaskView(task_id, kind, due)
            created.append(TaskOrder(task_id, self._application_id, kind, due, instructions))
        await asyncio.gather(*(call(PermitActivities.create_task, order) for order in created))
        return [order.task_id for order in created]

    async def _await_tasks(
        self, task_ids: list[str], deadline: PlannedDeadline
    ) -> list[contract.TaskCompletion]:
        """Waits for every task, reminding and escalating on the way."""
        label = ", ".join(_kind_name(self._open[i].kind) for i in task_ids if i in self._open)
        await self._until(lambda: all(i in self._completions for i in task_ids), deadline, label)
        return [self._completions[i] for i in task_ids]

    async def _until(
        self, done: Callable[[], bool], deadline: PlannedDeadline, subject: str
    ) -> None:
        """Waits for done(): a reminder before the deadline, an escalation when it lapses."""
        alarms = [
            (deadline_instant(date.fromisoformat(deadline.remind_day)), self._remind),
            (deadline_instant(date.fromisoformat(deadline.due_day)), self._escalate),
        ]
        escalations: list[str] = []
        while not done():
            self._check_withdrawn()
            alarm_at = alarms[0][0] if alarms else None
            timeout = (
                self._clock_().real_delay_until(alarm_at, workflow.now()) if alarm_at else None
            )
            if timeout is None or timeout > timedelta(0):
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(
                        lambda: done() or self._withdrawal is not None or self._open_changed(),
                        timeout=timeout,
                    )
            if self._open_changed():
                await self._record("")
            elif alarms and not done() and self._withdrawal is None:
                alarm_at, sound = alarms[0]
                if self._clock_().real_delay_until(alarm_at, workflow.now()) == timedelta(0):
                    alarms.pop(0)
                    escalations += await sound(subject, deadline)
        self._check_withdrawn()
        # What was escalated is done: the head of department need not act any more.
        for task_id in escalations:
            if self._open.pop(task_id, None) is not None:
                reason = f"{subject} completed after the escalation"
                await call(PermitActivities.cancel_task, TaskCancellation(task_id, reason))

    def _open_changed(self) -> bool:
        """Whether tasks were completed since the applicants service last heard."""
        return list(self._open) != self._recorded_open

    async def _remind(self, subject: str, deadline: PlannedDeadline) -> list[str]:
        self._reminders += 1
        await call(
            PermitActivities.send_reminder,
            Reminder(
                self._application_id,
                subject,
                stages.stage_name(self._stage),
                self._real(deadline_instant(date.fromisoformat(deadline.due_day))),
            ),
        )
        return []

    async def _escalate(self, subject: str, deadline: PlannedDeadline) -> list[str]:
        """A lapsed deadline goes to the head of department as a task of its own."""
        self._escalations += 1
        days = self._rules().terms.escalation
        answer_by = await self._plan(days)
        task_id = self._next_task_id(reviews_pb.TASK_KIND_ESCALATION)
        due = self._real(deadline_instant(date.fromisoformat(answer_by.due_day)))
        self._open[task_id] = OpenTaskView(task_id, reviews_pb.TASK_KIND_ESCALATION, due)
        await call(
            PermitActivities.create_task,
            TaskOrder(
                task_id,
                self._application_id,
                reviews_pb.TASK_KIND_ESCALATION,
                due,
                f"The {stages.stage_name(self._stage)} deadline of {deadline.due_day} lapsed "
                f"with {subject} still open.",
            ),
        )
        await self._record("")
        return [task_id]

    async def _cancel_open_tasks(self, reason: str) -> None:
        open_ids = list(self._open)
        self._open.clear()
        for task_id in open_ids:
            await call(PermitActivities.cancel_task, TaskCancellation(task_id, reason))

    def _next_task_id(self, kind: int) -> str:
        self._task_counts[kind] = self._task_counts.get(kind, 0) + 1
        return f"{self._application_id}-{tasks.spec(kind).code}-{self._task_counts[kind]}"

    # Stages

    async def _enter(
        self,
        stage: int,
        reason: str,
        deadline: PlannedDeadline | DeadlineView | None,
        days: int = 0,
    ) -> None:
        self._stage = stage
        if isinstance(deadline, PlannedDeadline):
            self._deadline = self._deadline_view(deadline, days)
        else:
            self._deadline = deadline
        self._history.append(StageEntry(stages.stage_name(stage), self._today().isoformat()))
        await self._record(reason, entered=True)

    async def _record(self, reason: str, *, entered: bool = False) -> None:
        """Writes the stage, open tasks and deadline to the applicants service."""
        self._sequence += 1
        self._recorded_open = list(self._open)
        deadlines = [self._deadline] if self._deadline else []
        if self._deadline and not self._clock_().running:
            deadlines = [
                DeadlineView(d.stage, d.due_time, d.business_days, paused=True) for d in deadlines
            ]
        predicted = await self._predicted_decision()
        record = StageRecord(
            self._application_id,
            self._sequence,
            self._stage,
            reason[:4000],
            self._rules().version,
            list(self._open.values()),
            [replace(d, due_time=self._real(d.due_time)) for d in deadlines],
            self._real(predicted) if predicted else None,
            entered,
        )
        try:
            await call(PermitActivities.record_stage, record)
        except ActivityError as error:
            await self._withdrawn_meanwhile(error)

    async def _withdrawn_meanwhile(self, error: ActivityError) -> NoReturn:
        """Only a withdrawal makes the applicants service refuse the workflow's writes: wait for
        its update, which the service's outbox is bound to deliver, and unwind."""
        if _error_type(error) != "FAILED_PRECONDITION":
            raise error
        await workflow.wait_condition(lambda: self._withdrawal is not None)
        raise _WithdrawnError from error

    async def _predicted_decision(self) -> datetime | None:
        """The decision's date if every remaining stage takes its full statutory term."""
        if self._stage in stages.DECIDED_STAGES or not self._clock_().running:
            return None
        terms = self._rules().terms
        # Until the risk rule has spoken, the forecast assumes an inspection.
        inspecting = bool(self._inspection_reasons) or self._stage in (
            applicants_pb.STAGE_SUBMITTED,
            applicants_pb.STAGE_COMPLETENESS,
            applicants_pb.STAGE_TECHNICAL_REVIEW,
            applicants_pb.STAGE_BAT_ASSESSMENT,
        )
        plan: list[tuple[int, ForecastStep]] = [
            (applicants_pb.STAGE_COMPLETENESS, ForecastStep(business_days=terms.completeness)),
            (
                applicants_pb.STAGE_TECHNICAL_REVIEW,
                ForecastStep(business_days=terms.technical_review),
            ),
            (applicants_pb.STAGE_BAT_ASSESSMENT, ForecastStep(business_days=terms.bat_review)),
            (
                applicants_pb.STAGE_SITE_INSPECTION,
                ForecastStep(business_days=terms.site_inspection if inspecting else 0),
            ),
            (
                applicants_pb.STAGE_PUBLIC_CONSULTATION,
                ForecastStep(calendar_days=terms.consultation_calendar_days),
            ),
            (
                applicants_pb.STAGE_PUBLIC_CONSULTATION,
                ForecastStep(business_days=terms.comment_disposition),
            ),
            (applicants_pb.STAGE_DECISION, ForecastStep(business_days=terms.decision)),
        ]
        if self._stage == applicants_pb.STAGE_REFUSAL_HEARING:
            plan.append((self._stage, ForecastStep(business_days=terms.refusal_hearing)))
        planned = [stage for stage, _ in plan]
        if self._stage not in planned:
            steps = [step for _, step in plan]  # just submitted: everything is ahead
            start = self._today()
        else:
            first = planned.index(self._stage)
            start = self._today()
            if self._deadline is not None:
                # The current deadline covers the stage's first step, or, for the consultation
                # once its window closed (a deadline in working days), both of its steps.
                start = self._deadline.due_time.astimezone(KAZAKHSTAN).date()
                first += (
                    2 if planned.count(self._stage) == 2 and self._deadline.business_days else 1
                )
            steps = [step for _, step in plan[first:]]
        day = await call_local(
            PermitActivities.forecast_decision, DecisionForecast(start.isoformat(), steps)
        )
        return deadline_instant(date.fromisoformat(day))

    def _deadline_view(self, deadline: PlannedDeadline, days: int) -> DeadlineView:
        return DeadlineView(
            self._stage, deadline_instant(date.fromisoformat(deadline.due_day)), days
        )

    # Clocks

    def _clock_(self) -> StatutoryClock:
        assert self._clock is not None
        return self._clock

    def _rules(self) -> RulesOfProcedure:
        assert self._procedure is not None
        return self._procedure.rules

    def _real(self, statutory: datetime) -> datetime:
        return self._clock_().real_instant(statutory, workflow.now())

    def _today(self) -> date:
        return self._clock_().today(workflow.now())

    def _statutory_days(self) -> int:
        if self._clock is None:
            return 0
        return (self._today() - self._clock.origin.astimezone(KAZAKHSTAN).date()).days

    async def _plan(self, business_days: int) -> PlannedDeadline:
        plan = DeadlinePlan(
            self._today().isoformat(), business_days, self._rules().terms.reminder_before
        )
        return await call_local(PermitActivities.plan_deadline, plan)

    async def _sleep_until(self, statutory: datetime) -> None:
        delay = self._clock_().real_delay_until(statutory, workflow.now())
        if delay > timedelta(0):
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(lambda: self._withdrawal is not None, timeout=delay)
        self._check_withdrawn()

    async def _wait(self, condition: Callable[[], bool]) -> None:
        await workflow.wait_condition(lambda: condition() or self._withdrawal is not None)
        self._check_withdrawn()

    def _check_withdrawn(self) -> None:
        if self._withdrawal is not None:
            raise _WithdrawnError()

    # What people tell the workflow

    @workflow.update(name=contract.UPDATE_COMPLETE_TASK)
    def complete_task(self, completion: contract.TaskCompletion) -> None:
        self._open.pop(completion.task_id)
        self._completions[completion.task_id] = completion

    @complete_task.validator
    def refuse_stale_duplicate_or_wrong_kind(self, completion: contract.TaskCompletion) -> None:
        if completion.task_id in self._completions:
            raise ApplicationError(f"task {completion.task_id} is already completed")
        task = self._open.get(completion.task_id)
        if task is None:
            raise ApplicationError(f"task {completion.task_id} is not open in this application")
        if task.kind != completion.kind:
            raise ApplicationError(
                f"task {completion.task_id} is a {_kind_name(task.kind)} task, "
                f"not {_kind_name(completion.kind)}"
            )

    @workflow.update(name=contract.UPDATE_AMEND)
    def amend(self, amendment: contract.Amendment) -> None:
        self._amendments.append(amendment)
        self._awaiting_amendment = False

    @amend.validator
    def refuse_amendment_unless_returned(self, amendment: contract.Amendment) -> None:
        if not self._awaiting_amendment:
            raise ApplicationError("the application is not returned for revision")

    @workflow.update(name=contract.UPDATE_WITHDRAW)
    def withdraw(self, withdrawal: contract.Withdrawal) -> None:
        self._withdrawal = withdrawal

    @withdraw.validator
    def refuse_withdrawal_once_decided(self, withdrawal: contract.Withdrawal) -> None:
        if self._decision:
            raise ApplicationError(f"the application is already {self._decision}")
        if self._withdrawal is not None:
            raise ApplicationError("the application is already withdrawn")

    @workflow.update(name=contract.UPDATE_RECORD_INSPECTION)
    def record_inspection(self, act: contract.InspectionRecorded) -> None:
        self._inspection = act

    @record_inspection.validator
    def refuse_inspection_not_awaited(self, act: contract.InspectionRecorded) -> None:
        # The act may arrive before the scheduling activity's result; until then only the type
        # can be checked (the workflow schedules the application's one pre-permit inspection).
        if self._stage != applicants_pb.STAGE_SITE_INSPECTION or self._inspection is not None:
            raise ApplicationError("no site inspection is awaited for this application")
        if act.inspection_type != inspections_pb.INSPECTION_TYPE_PRE_PERMIT:
            raise ApplicationError(f"inspection {act.inspection_id} is not a pre-permit one")
        if self._inspection_id and act.inspection_id != self._inspection_id:
            raise ApplicationError(f"inspection {act.inspection_id} is not this application's")

    @workflow.query(name=contract.QUERY_STATUS)
    def get_status(self) -> PermitStatus:
        clock = self._clock
        return PermitStatus(
            application_id=self._application_id,
            stage=stages.stage_name(self._stage),
            rules_version=self._procedure.rules.version if self._procedure else "",
            open_tasks=list(self._open.values()),
            deadline=self._deadline,
            clock_running=clock.running if clock else True,
            statutory_day=self._today().isoformat() if clock else "",
            statutory_days_elapsed=self._statutory_days(),
            history=list(self._history),
            reminders_sent=self._reminders,
            escalations=self._escalations,
            inspection_reasons=list(self._inspection_reasons),
            inspection=self._inspection_id,
            decision=self._decision,
            permit=self._permit,
        )


def _error_type(error: ActivityError) -> str:
    cause = error.cause
    return cause.type or "" if isinstance(cause, ApplicationError) else ""
