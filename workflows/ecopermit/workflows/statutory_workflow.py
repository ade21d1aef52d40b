"""KepProcedureWorkflow: one KEP application through the statute's sequence (kep-2026.2 on).

Registration → completeness (EC Art. 115(2)) → state environmental expertise with its parts and
the public hearing inside it (EC Arts. 88, 96; Order 286) → transboundary consultation when
declared (Art. 116, the term suspended) → remarks or draft permit → the applicant's answer or
disagreement and its resolution (Arts. 115(6), 117(1)) → decision within five working days
(Art. 117(1)); a refusal is first a preliminary decision on which the applicant is heard inside
the term (APPC Art. 73), then a final act with grounds from the closed list (Art. 117(2)).

The whole state is one ProcedureState (procedure_state.py). People reach the workflow through
Temporal updates whose validators refuse stale or unexpected input before it enters the history;
records change only through activities that call the services. PermitApplicationWorkflow, the
kep-2026.1 sequence, is kept unchanged beside this one for the applications registered under it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import NoReturn

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError

with workflow.unsafe.imports_passed_through():
    from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
    from ecopermit.domain import errors, stages
    from ecopermit.domain.business_calendar import KAZAKHSTAN
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
        OpenTaskView,
        PermitOrder,
        PlannedDeadline,
        Reminder,
        SourcePollutant,
        StageRecord,
        TaskCancellation,
        TaskOrder,
    )
    from ecopermit.workflows.briefs import (
        bat_summary,
        ground_name,
        kind_name,
        outcome_name,
        pollutant_name,
        reasons,
        uncovered,
    )
    from ecopermit.workflows.procedure_forecast import statutory_forecast
    from ecopermit.workflows.procedure_state import (
        ANSWER,
        OBJECTION,
        RESUBMISSION,
        ProcedureOutcome,
        ProcedureState,
        ReceivedAnswer,
        StageEntry,
    )
    from ecopermit.workflows.stage_reasons import Reason, names
    from ecopermit.workflows.statutory_clock import StatutoryClock, deadline_instant
    from ecopermit.workflows.statutory_rules import StatutoryRules


@dataclass(frozen=True)
class TaskRequest:
    """A task the workflow opens: its kind, what it asks, the outcomes it narrows the kind to."""

    kind: int
    instructions: str = ""
    allowed_outcomes: Sequence[int] = ()


@dataclass(frozen=True)
class Expertise:
    """The state environmental expertise's result, as the remarks and the decision use it."""

    positive: bool
    reasons: str
    bat: BatFindings


@dataclass(frozen=True)
class ProcedureStatus:
    """The live state, as the get_status query answers it."""

    application_id: str
    stage: str
    rules_version: str
    registered_on: str
    open_tasks: list[OpenTaskView]
    deadline: DeadlineView | None
    clock_running: bool
    awaiting: str
    statutory_day: str
    history: list[StageEntry] = field(default_factory=list)
    protocol: list[str] = field(default_factory=list)
    reminders_sent: int = 0
    escalations: int = 0
    decision: str = ""
    permit: str = ""
    refusal_grounds: list[int] = field(default_factory=list)


class _WithdrawnError(Exception):
    """Unwinds the procedure when the applicant withdraws."""


# workflow.patched id: the stage search attribute (contract.STAGE_ATTRIBUTE), from release 26.
_STAGE_ATTRIBUTE_PATCH = "stage-search-attribute"


@workflow.defn(name=contract.STATUTORY_WORKFLOW_NAME)
class KepProcedureWorkflow:
    @workflow.init
    def __init__(self, application: contract.KepApplicationInput) -> None:
        self._state = ProcedureState(
            application_id=application.application_id,
            enterprise_bin=application.enterprise_bin,
            rules_version=application.rules_version,
            registered_on=application.registered_on,
        )

    @property
    def stage_name(self) -> str:
        """The stage the application is in, as traces name it."""
        return stages.stage_name(self._state.stage)

    # The procedure

    @workflow.run
    async def run(self, application: contract.KepApplicationInput) -> ProcedureOutcome:
        state = self._state
        procedure = await call(
            PermitActivities.begin_statutory_procedure, application.rules_version
        )
        state.rules = procedure.rules
        state.clock = StatutoryClock(workflow.info().start_time, procedure.day_seconds)
        state.history.append(StageEntry("submitted", self._today().isoformat()))
        try:
            await self._carry_to_decision()
        except _WithdrawnError:
            state.decision = "withdrawn"
            state.stage = applicants_pb.STAGE_WITHDRAWN
            self._show_stage(state.stage)
            state.history.append(StageEntry("withdrawn", self._today().isoformat()))
            await self._cancel_open_tasks("the application was withdrawn")
        await workflow.wait_condition(workflow.all_handlers_finished)
        return ProcedureOutcome(
            state.application_id,
            state.decision,
            state.permit,
            self._statutory_days(),
            list(state.refusal_grounds),
        )

    async def _carry_to_decision(self) -> None:
        snapshot = await self._completeness()
        expertise = await self._state_expertise()
        if snapshot.transboundary:
            await self._transboundary_consultation()
        await self._remarks_and_answer(expertise)
        await self._decide(expertise)

    async def _completeness(self) -> ApplicationSnapshot:
        """Accepted for review, or not accepted with reasons; a resubmission is registered
        again and gets a new five-day check (EC Art. 115(2))."""
        state, terms = self._state, self._rules().terms
        while True:
            snapshot = await call(PermitActivities.load_application, state.application_id)
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
            registration = (
                Reason(
                    "registered_missing",
                    {"registered": state.registered_on, "missing": names(missing)},
                )
                if missing
                else Reason("registered_complete", {"registered": state.registered_on})
            )
            registered = date.fromisoformat(state.registered_on)
            deadline = await self._plan(terms.completeness.days, registered)
            [check] = await self._stage_tasks(
                applicants_pb.STAGE_COMPLETENESS,
                registration,
                deadline,
                terms.completeness.days,
                [TaskRequest(reviews_pb.TASK_KIND_COMPLETENESS, checklist)],
            )
            if check.outcome == reviews_pb.TASK_OUTCOME_COMPLETE:
                state.notes.append(f"completeness: accepted for review ({state.registered_on})")
                return snapshot
            resubmission = await self._await_applicant(
                applicants_pb.STAGE_NOT_ACCEPTED,
                Reason("not_accepted", {"reasons": reasons(check)}),
                RESUBMISSION,
            )
            # Registered as of its arrival, not of when the workflow came to it.
            state.registered_on = await call_local(
                PermitActivities.registration_day, resubmission.statutory_instant
            )

    async def _state_expertise(self) -> Expertise:
        """The parts of the expertise in parallel, the public hearing inside it, the hearing's
        protocol, then the expertise's conclusion, which cites the protocol."""
        state, rules = self._state, self._rules()
        days = rules.terms.state_expertise.days
        deadline = await self._plan(days)
        automatic = await call(PermitActivities.assess_bat, state.application_id)
        hearing_closes, hearing = await self._open_hearing()
        parts = [
            TaskRequest(
                kind,
                f"Automatic BAT assessment: {bat_summary(automatic)}"
                if kind == reviews_pb.TASK_KIND_BAT_REVIEW
                else "A part of the state environmental expertise (EC Art. 88(1)(1)).",
            )
            for kind in rules.expertise_parts
        ]
        part_ids = await self._open_tasks(parts, deadline, applicants_pb.STAGE_STATE_EXPERTISE)
        parts_named = names([reviews_pb.TaskKind.Name(p.kind) for p in parts])
        await self._enter(
            applicants_pb.STAGE_STATE_EXPERTISE,
            replace(hearing, values={**hearing.values, "parts": parts_named}),
            deadline,
            days,
        )
        for view in await self._await_tasks(part_ids, deadline):
            line = f"{kind_name(view.kind)}: {outcome_name(view.outcome)}"
            if view.outcome == reviews_pb.TASK_OUTCOME_OBJECTIONS:
                line += f" — {reasons(view)}"
            state.notes.append(line)
        await self._sleep_until(hearing_closes)
        await self._hearing_protocol()
        bat = await call(PermitActivities.reviewed_bat, state.application_id)
        state.notes.append(f"BAT (expert-reviewed): {bat_summary(bat)}")
        brief = "\n".join(["Conclude the state environmental expertise.", *state.notes])
        [conclusion] = await self._tasks(
            [TaskRequest(reviews_pb.TASK_KIND_STATE_EXPERTISE, brief)], deadline
        )
        positive = conclusion.outcome == reviews_pb.TASK_OUTCOME_POSITIVE_CONCLUSION
        verdict = "positive" if positive else f"negative — {reasons(conclusion)}"
        state.notes.append(f"state environmental expertise: {verdict}")
        return Expertise(positive, reasons(conclusion), bat)

    async def _open_hearing(self) -> tuple[datetime, Reason]:
        """Opens the public hearing: the documents posted and questions taken until an open
        meeting at least 30 days later, or a public discussion (Order 286)."""
        terms = self._rules().terms
        if self._rules().hearing_form == "open_meeting":
            closes_on = self._today() + timedelta(days=terms.open_meeting_notice.days)
            line = Reason("expertise_open_meeting", {"day": closes_on.isoformat()})
        else:
            planned = await self._plan(terms.public_discussion.days)
            closes_on = date.fromisoformat(planned.due_day)
            line = Reason("expertise_public_discussion", {"day": closes_on.isoformat()})
        closes = deadline_instant(closes_on)
        await call(
            PermitActivities.open_consultation,
            ConsultationOrder(self._state.application_id, self._real(closes)),
        )
        return closes, line

    async def _hearing_protocol(self) -> None:
        """Every question answered, then the protocol published: each item is cited by number
        in the expertise's conclusion and the decision maker's brief."""
        state, terms = self._state, self._rules().terms
        deadline = await self._plan(terms.hearing_protocol.days)
        await self._tasks(
            [
                TaskRequest(
                    reviews_pb.TASK_KIND_HEARING_PROTOCOL,
                    "Answer every question of the public hearing; completing this task "
                    "publishes the protocol (Order 286).",
                )
            ],
            deadline,
        )
        comments = await call(PermitActivities.public_comments, state.application_id)
        state.protocol = [
            f"protocol item {number}: {c.author}: {c.text[:300]} → {c.disposition}: "
            f"{c.reason[:300]}"
            for number, c in enumerate(comments, start=1)
        ]
        state.notes.append(f"public hearing protocol: {len(comments)} question(s) answered")
        state.notes += [f"  - {item}" for item in state.protocol]
        await self._record(Reason("protocol_published", {"count": str(len(comments))}))

    async def _transboundary_consultation(self) -> None:
        """The one clock stop the statute names: the term is suspended until the consultation
        with the affected state ends (EC Art. 116(2))."""
        state, terms = self._state, self._rules().terms
        deadline = await self._plan(terms.transboundary_follow_up.days)
        state.clock = self._clock().pause(workflow.now())
        [task_id] = await self._open_tasks(
            [
                TaskRequest(
                    reviews_pb.TASK_KIND_TRANSBOUNDARY,
                    "Record the end of the consultation with the affected state through the "
                    "Ministry of Foreign Affairs (EC Art. 116).",
                )
            ],
            deadline,
        )
        await self._enter(
            applicants_pb.STAGE_TRANSBOUNDARY_CONSULTATION,
            Reason("transboundary"),
            None,
        )
        await self._until_real_due(task_id, deadline)
        state.clock = self._clock().resume(workflow.now())
        state.notes.append(f"transboundary consultation: {reasons(state.completions[task_id])}")

    async def _until_real_due(self, task_id: str, deadline: PlannedDeadline) -> None:
        """Waits for the task while the statutory clock stands still: its follow-up date is a
        real instant, and when it passes the head of department is told, once."""
        state = self._state

        def done() -> bool:
            return task_id in state.completions

        remaining = state.open_tasks[task_id].due_time - workflow.now()
        if remaining > timedelta(0):
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: done() or state.withdrawal is not None, timeout=remaining
                )
        self._check_withdrawn()
        if done():
            return
        [escalation] = await self._escalate("transboundary consultation", deadline)
        await self._wait(done)
        if state.open_tasks.pop(escalation, None) is not None:
            await call(
                PermitActivities.cancel_task,
                TaskCancellation(escalation, "the consultation's end is recorded"),
            )

    async def _remarks_and_answer(self, expertise: Expertise) -> None:
        """Remarks or the draft permit to the applicant, its answer, and a disagreement's
        resolution (EC Arts. 115(6), 117(1))."""
        state, terms = self._state, self._rules().terms
        owed = await self._remarks_owed(expertise)
        deadline = await self._plan(terms.remarks.days)
        instructions = "Send the applicant remarks, or the draft permit if there are none."
        if owed:
            instructions += "\nRemarks that must be made:\n" + "\n".join(f"- {r}" for r in owed)
        narrowed = [reviews_pb.TASK_OUTCOME_REMARKS_SENT] if owed else []
        [remarks] = await self._stage_tasks(
            applicants_pb.STAGE_REMARKS,
            Reason("remarks"),
            deadline,
            terms.remarks.days,
            [TaskRequest(reviews_pb.TASK_KIND_REMARKS, instructions, narrowed)],
        )
        if remarks.outcome == reviews_pb.TASK_OUTCOME_DRAFT_PERMIT_SENT:
            sent = Reason("draft_permit_sent")
        else:
            sent = Reason("remarks_sent", {"remarks": "; ".join([*owed, reasons(remarks)])})
        state.notes.append(sent.text)
        received = await self._await_applicant(applicants_pb.STAGE_APPLICANT_ANSWER, sent, ANSWER)
        answer = received.answer
        state.decision_term_from = _day(received.statutory_instant)
        stance = "disagrees" if answer.disagrees else "answers"
        state.notes.append(f"the applicant {stance}: {answer.response[:500]}")
        still_owed = await self._remarks_owed(expertise)
        if still_owed:
            state.notes.append("after the answer, still open: " + "; ".join(still_owed))
        if not answer.disagrees:
            return
        deadline = await self._plan(terms.disagreement.days)
        [resolution] = await self._stage_tasks(
            applicants_pb.STAGE_DISAGREEMENT_RESOLUTION,
            Reason("disagreement", {"response": answer.response[:500]}),
            deadline,
            terms.disagreement.days,
            [
                TaskRequest(
                    reviews_pb.TASK_KIND_DISAGREEMENT,
                    f"{sent}\nThe applicant disagrees (EC Art. 115(6)): {answer.response}",
                )
            ],
        )
        state.decision_term_from = self._today().isoformat()
        state.notes.append(
            f"disagreement: {outcome_name(resolution.outcome)} — {reasons(resolution)}"
        )

    async def _remarks_owed(self, expertise: Expertise) -> list[str]:
        """Remarks the authority must make: a negative expertise, and values above their
        BAT-AEL that no efficiency programme (ППЭЭ) milestone covers."""
        owed = []
        if not expertise.positive:
            owed.append(f"the state environmental expertise is negative: {expertise.reasons}")
        snapshot = await call(PermitActivities.load_application, self._state.application_id)
        self._state.programme_milestones = len(snapshot.programme)
        uncovered_values = uncovered(expertise.bat.above, snapshot.programme)
        if uncovered_values:
            listed = ", ".join(_source_pollutant(a) for a in uncovered_values)
            owed.append(
                "values above the BAT-AEL need an environmental efficiency programme (ППЭЭ) "
                f"with dated milestones: {listed}"
            )
        return owed

    async def _decide(self, expertise: Expertise) -> None:
        """Within five working days of the answer (EC Art. 117(1)); a negative expertise
        leaves refusal alone. A refusal is preliminary until the applicant is heard."""
        state, terms = self._state, self._rules().terms
        term_from = date.fromisoformat(state.decision_term_from or self._today().isoformat())
        deadline = await self._plan(terms.decision.days, term_from)
        negative = not expertise.positive
        narrowed: list[int] = [reviews_pb.TASK_OUTCOME_REFUSE] if negative else []
        brief = list(state.notes)
        if negative:
            brief.append(
                "The expertise is negative: the permit cannot be issued; refuse on the ground "
                "negative_state_expertise (EC Art. 117(2))."
            )
        [decision] = await self._stage_tasks(
            applicants_pb.STAGE_DECISION,
            Reason("decision"),
            deadline,
            terms.decision.days,
            [TaskRequest(reviews_pb.TASK_KIND_DECISION, "\n".join(brief), narrowed)],
        )
        if decision.outcome == reviews_pb.TASK_OUTCOME_APPROVE:
            await self._approve(decision, expertise.bat)
            return
        # The final act rests on the grounds the applicant was notified of and heard on.
        state.refusal_grounds = _grounds(decision, negative)
        hearing = await self._preliminary_refusal(decision, negative, deadline)
        if hearing.outcome == reviews_pb.TASK_OUTCOME_APPROVE:
            state.refusal_grounds = []
            await self._approve(hearing, expertise.bat)
            return
        await self._cancel_open_tasks("the application is refused")
        grounds = names([reviews_pb.RefusalGround.Name(g) for g in state.refusal_grounds])
        await self._enter(
            applicants_pb.STAGE_REFUSED,
            Reason("refused", {"grounds": grounds, "reasons": reasons(hearing)}),
            None,
        )
        state.decision = "refused"

    async def _preliminary_refusal(
        self, proposal: contract.TaskCompletion, negative: bool, deadline: PlannedDeadline
    ) -> contract.TaskCompletion:
        """Notice of the preliminary decision, the applicant's objection if it makes one, and
        its hearing by another official, due by the decision's deadline (APPC Art. 73)."""
        state, terms = self._state, self._rules().terms
        grounds = ", ".join(ground_name(g) for g in state.refusal_grounds)
        # The applicant keeps its full time to object; a refusal proposed too late for the
        # hearing to fit inside the decision's term lapses, and is escalated as such.
        objections_by = (await self._plan(terms.objection.days)).due_day
        hearing_by = max(objections_by, deadline.due_day)
        state.awaiting = OBJECTION
        answered = len(state.answers)
        term = DeadlineView(
            applicants_pb.STAGE_PRELIMINARY_DECISION,
            deadline_instant(date.fromisoformat(deadline.due_day)),
            terms.decision.days,
        )
        ground_names = names([reviews_pb.RefusalGround.Name(g) for g in state.refusal_grounds])
        await self._enter(
            applicants_pb.STAGE_PRELIMINARY_DECISION,
            Reason(
                "preliminary_refusal",
                {
                    "grounds": ground_names,
                    "reasons": reasons(proposal),
                    "objections_by": objections_by,
                },
            ),
            term,
        )
        await self._sleep_until(
            deadline_instant(date.fromisoformat(objections_by)),
            lambda: len(state.answers) > answered,
        )
        state.awaiting = ""
        hearing_stage = replace(term, stage=applicants_pb.STAGE_REFUSAL_HEARING)
        await self._enter(
            applicants_pb.STAGE_REFUSAL_HEARING,
            Reason("refusal_hearing", {"grounds": ground_names}),
            hearing_stage,
        )
        objections = [r.answer.response for r in state.answers[answered:]] or ["none received"]
        narrowed = [reviews_pb.TASK_OUTCOME_REFUSE] if negative else []
        [hearing] = await self._tasks(
            [
                TaskRequest(
                    reviews_pb.TASK_KIND_REFUSAL_HEARING,
                    f"Hear the applicant on the preliminary refusal (grounds {grounds}): "
                    f"{reasons(proposal)}\nThe applicant's objection: {' / '.join(objections)}",
                    narrowed,
                )
            ],
            replace(deadline, due_day=hearing_by),
        )
        return hearing

    async def _approve(self, decision: contract.TaskCompletion, bat: BatFindings) -> None:
        state = self._state
        conditions = [
            "Production environmental control (ПЭК) as in the approved programme.",
            "Emission limit values per source and pollutant as listed, each with what it rests "
            "on; an EU BAT-AEL listed beside a limit is a benchmark, not a limit.",
        ]
        if bat.above and state.programme_milestones:
            conditions.append(
                "Carry out the environmental efficiency programme (ППЭЭ) by its milestones and "
                "report on it yearly; each interim limit applies until its milestone, the BAT "
                "level from it."
            )
        order = PermitOrder(
            state.application_id, decision.completed_by, conditions, decision.task_id
        )
        try:
            # The service issues the permit and enters APPROVED in one transaction, so a
            # withdrawal is either refused afterwards or, made before, refuses the permit.
            state.permit = await call(PermitActivities.issue_permit, order)
        except ActivityError as error:
            await self._withdrawn_meanwhile(error)
        await self._cancel_open_tasks("the permit is issued")
        await self._enter(
            applicants_pb.STAGE_APPROVED, Reason("approved", {"permit": state.permit}), None
        )
        state.decision = "approved"

    async def _await_applicant(self, stage: int, reason: Reason, awaiting: str) -> ReceivedAnswer:
        """Enters a stage that waits for the applicant and returns its answer. The statute
        stops no clock here: the terms after it run from the answer."""
        state = self._state
        state.awaiting = awaiting
        answered = len(state.answers)
        await self._enter(stage, reason, None)
        await self._wait(lambda: len(state.answers) > answered)
        return state.answers[answered]

    # Tasks and deadlines

    async def _tasks(
        self, requests: list[TaskRequest], deadline: PlannedDeadline
    ) -> list[contract.TaskCompletion]:
        """Opens tasks within the current stage and waits for every one."""
        task_ids = await self._open_tasks(requests, deadline)
        await self._record(None)
        return await self._await_tasks(task_ids, deadline)

    async def _stage_tasks(
        self,
        stage: int,
        reason: Reason,
        deadline: PlannedDeadline,
        days: int,
        requests: list[TaskRequest],
    ) -> list[contract.TaskCompletion]:
        """Enters a stage with its tasks already open, so a status page never shows the stage
        without them, and waits for every one."""
        task_ids = await self._open_tasks(requests, deadline, stage)
        await self._enter(stage, reason, deadline, days)
        return await self._await_tasks(task_ids, deadline)

    async def _open_tasks(
        self, requests: list[TaskRequest], deadline: PlannedDeadline, stage: int = 0
    ) -> list[str]:
        """Opens the tasks of the stage about to be entered (the current one by default)."""
        state = self._state
        self._check_withdrawn()
        due = self._real(deadline_instant(date.fromisoformat(deadline.due_day)))
        orders = []
        for request in requests:
            task_id = state.next_task_id(request.kind)
            # Open before it exists, so a completion racing the activity's result is accepted.
            state.open_tasks[task_id] = OpenTaskView(
                task_id, request.kind, due, list(request.allowed_outcomes)
            )
            orders.append(
                TaskOrder(
                    task_id,
                    state.application_id,
                    request.kind,
                    due,
                    request.instructions,
                    list(request.allowed_outcomes),
                    stage or state.stage,
                )
            )
        await asyncio.gather(*(call(PermitActivities.create_task, order) for order in orders))
        return [order.task_id for order in orders]

    async def _await_tasks(
        self, task_ids: list[str], deadline: PlannedDeadline
    ) -> list[contract.TaskCompletion]:
        """Waits for every task, reminding and escalating on the way."""
        state = self._state
        label = ", ".join(
            kind_name(state.open_tasks[i].kind) for i in task_ids if i in state.open_tasks
        )
        await self._until(lambda: all(i in state.completions for i in task_ids), deadline, label)
        return [state.completions[i] for i in task_ids]

    async def _until(
        self, done: Callable[[], bool], deadline: PlannedDeadline, subject: str
    ) -> None:
        """Waits for done(): a reminder before the deadline, an escalation when it lapses."""
        state = self._state
        alarms = [
            (deadline_instant(date.fromisoformat(deadline.remind_day)), self._remind),
            (deadline_instant(date.fromisoformat(deadline.due_day)), self._escalate),
        ]
        escalations: list[str] = []
        while not done():
            self._check_withdrawn()
            alarm_at = alarms[0][0] if alarms else None
            timeout = self._clock().real_delay_until(alarm_at, workflow.now()) if alarm_at else None
            if timeout is None or timeout > timedelta(0):
                with contextlib.suppress(TimeoutError):
                    await workflow.wait_condition(
                        lambda: done() or state.withdrawal is not None or state.open_changed(),
                        timeout=timeout,
                    )
            if state.open_changed():
                await self._record(None)
            elif alarms and not done() and state.withdrawal is None:
                alarm_at, sound = alarms[0]
                if self._clock().real_delay_until(alarm_at, workflow.now()) == timedelta(0):
                    alarms.pop(0)
                    escalations += await sound(subject, deadline)
        self._check_withdrawn()
        # What was escalated is done: the head of department need not act any more.
        for task_id in escalations:
            if state.open_tasks.pop(task_id, None) is not None:
                reason = f"{subject} completed after the escalation"
                await call(PermitActivities.cancel_task, TaskCancellation(task_id, reason))

    async def _remind(self, subject: str, deadline: PlannedDeadline) -> list[str]:
        state = self._state
        state.reminders += 1
        await call(
            PermitActivities.send_reminder,
            Reminder(
                state.application_id,
                subject,
                stages.stage_name(state.stage),
                self._real(deadline_instant(date.fromisoformat(deadline.due_day))),
            ),
        )
        return []

    async def _escalate(self, subject: str, deadline: PlannedDeadline) -> list[str]:
        """A lapsed deadline goes to the head of department as a task of its own."""
        state = self._state
        state.escalations += 1
        answer_by = await self._plan(self._rules().terms.escalation.days)
        lapsed = (
            f"The {stages.stage_name(state.stage)} deadline of {deadline.due_day} lapsed "
            f"with {subject} still open."
        )
        [task_id] = await self._open_tasks(
            [TaskRequest(reviews_pb.TASK_KIND_ESCALATION, lapsed)], answer_by
        )
        await self._record(None)
        return [task_id]

    async def _cancel_open_tasks(self, reason: str) -> None:
        state = self._state
        open_ids = list(state.open_tasks)
        state.open_tasks.clear()
        for task_id in open_ids:
            await call(PermitActivities.cancel_task, TaskCancellation(task_id, reason))

    # Stages

    async def _enter(
        self,
        stage: int,
        reason: Reason,
        deadline: PlannedDeadline | DeadlineView | None,
        days: int = 0,
    ) -> None:
        state = self._state
        state.stage = stage
        self._show_stage(stage)
        if isinstance(deadline, PlannedDeadline):
            state.deadline = self._deadline_view(deadline, days)
        else:
            state.deadline = deadline
        state.history.append(StageEntry(stages.stage_name(stage), self._today().isoformat()))
        await self._record(reason, entered=True)

    def _show_stage(self, stage: int) -> None:
        """Keeps the stage search attribute current, for ops' filters. Workflows begun before
        it was kept (no patch marker in their history) carry on without it."""
        if workflow.patched(_STAGE_ATTRIBUTE_PATCH):
            workflow.upsert_search_attributes(
                [contract.STAGE_ATTRIBUTE.value_set(stages.stage_name(stage))]
            )

    async def _record(self, reason: Reason | None, *, entered: bool = False) -> None:
        """Writes the stage, open tasks and deadline to the applicants service; a reason with
        a change of stage or a step within one (None: progress only)."""
        state = self._state
        state.sequence += 1
        state.recorded_open = list(state.open_tasks)
        deadlines = [state.deadline] if state.deadline else []
        if state.deadline and not self._clock().running:
            deadlines = [replace(d, paused=True) for d in deadlines]
        predicted = await self._predicted_decision()
        record = StageRecord(
            state.application_id,
            state.sequence,
            state.stage,
            reason.text[:4000] if reason else "",
            state.rules_version,
            list(state.open_tasks.values()),
            [replace(d, due_time=self._real(d.due_time)) for d in deadlines],
            self._real(predicted) if predicted else None,
            entered,
            reason.key if reason else "",
            {k: v[:2000] for k, v in reason.values.items()} if reason else {},
        )
        try:
            await call(PermitActivities.record_stage, record)
        except ActivityError as error:
            await self._withdrawn_meanwhile(error)

    async def _withdrawn_meanwhile(self, error: ActivityError) -> NoReturn:
        """A service that says the application is withdrawn (ErrorInfo APPLICATION_WITHDRAWN)
        refused the write: wait for the withdrawal's update, which the service's outbox is
        bound to deliver, and unwind. Any other refusal is a fault for ops to see."""
        if _reason(error) != errors.REASON_APPLICATION_WITHDRAWN:
            raise error
        await workflow.wait_condition(lambda: self._state.withdrawal is not None)
        raise _WithdrawnError from error

    async def _predicted_decision(self) -> datetime | None:
        """The decision's statutory instant if every remaining stage takes its full term;
        worked out again only when the stage or its deadline changed."""
        state = self._state
        due = state.deadline.due_time if state.deadline else None
        key = (state.stage, due)
        if state.forecast_for == key:
            return state.predicted_decision
        state.forecast_for = key
        forecast = None
        if self._clock().running:
            deadline_day = due.astimezone(KAZAKHSTAN).date() if due else None
            forecast = statutory_forecast(
                state.stage, self._rules().terms, self._today(), deadline_day
            )
        if forecast is None:
            state.predicted_decision = None
        else:
            day = await call_local(PermitActivities.forecast_decision, forecast)
            state.predicted_decision = deadline_instant(date.fromisoformat(day))
        return state.predicted_decision

    def _deadline_view(self, deadline: PlannedDeadline, days: int) -> DeadlineView:
        return DeadlineView(
            self._state.stage, deadline_instant(date.fromisoformat(deadline.due_day)), days
        )

    # Clocks

    def _clock(self) -> StatutoryClock:
        assert self._state.clock is not None
        return self._state.clock

    def _rules(self) -> StatutoryRules:
        assert self._state.rules is not None
        return self._state.rules

    def _real(self, statutory: datetime) -> datetime:
        return self._clock().real_instant(statutory, workflow.now())

    def _today(self) -> date:
        return self._clock().today(workflow.now())

    def _statutory_days(self) -> int:
        if self._state.clock is None:
            return 0
        return (self._today() - self._state.clock.origin.astimezone(KAZAKHSTAN).date()).days

    async def _plan(self, business_days: int, start: date | None = None) -> PlannedDeadline:
        plan = DeadlinePlan(
            (start or self._today()).isoformat(),
            business_days,
            self._rules().terms.reminder_before.days,
        )
        return await call_local(PermitActivities.plan_deadline, plan)

    async def _sleep_until(
        self, statutory: datetime, woken: Callable[[], bool] = lambda: False
    ) -> None:
        """Sleeps until the statutory instant, or until woken() or a withdrawal."""
        delay = self._clock().real_delay_until(statutory, workflow.now())
        if delay > timedelta(0):
            with contextlib.suppress(TimeoutError):
                await workflow.wait_condition(
                    lambda: woken() or self._state.withdrawal is not None, timeout=delay
                )
        self._check_withdrawn()

    async def _wait(self, condition: Callable[[], bool]) -> None:
        await workflow.wait_condition(lambda: condition() or self._state.withdrawal is not None)
        self._check_withdrawn()

    def _check_withdrawn(self) -> None:
        if self._state.withdrawal is not None:
            raise _WithdrawnError()

    # What people tell the workflow

    @workflow.update(name=contract.UPDATE_COMPLETE_TASK)
    def complete_task(self, completion: contract.TaskCompletion) -> None:
        self._state.open_tasks.pop(completion.task_id)
        self._state.completions[completion.task_id] = completion

    @complete_task.validator
    def refuse_stale_duplicate_or_wrong_kind(self, completion: contract.TaskCompletion) -> None:
        _refuse_if(self._state.refusal_of_completion(completion))

    @workflow.update(name=contract.UPDATE_AMEND)
    def amend(self, answer: contract.Amendment) -> None:
        state = self._state
        # When the service took it, in statutory time: an outbox's delay moves nothing.
        received = (
            datetime.fromisoformat(answer.received_time) if answer.received_time else workflow.now()
        )
        arrived = self._clock().now(received)
        state.answers.append(ReceivedAnswer(answer, arrived))
        # Taken by the service a moment before it heard the stage moved on: kept, and noted.
        if not state.awaiting:
            state.notes.append(f"the applicant wrote after its window closed: {answer.response}")
        state.awaiting = ""

    @amend.validator
    def refuse_answer_not_awaited(self, answer: contract.Amendment) -> None:
        _refuse_if(self._state.refusal_of_answer(answer))

    @workflow.update(name=contract.UPDATE_WITHDRAW)
    def withdraw(self, withdrawal: contract.Withdrawal) -> None:
        self._state.withdrawal = withdrawal

    @withdraw.validator
    def refuse_withdrawal_once_decided(self, withdrawal: contract.Withdrawal) -> None:
        _refuse_if(self._state.refusal_of_withdrawal())

    @workflow.query(name=contract.QUERY_STATUS)
    def get_status(self) -> ProcedureStatus:
        state = self._state
        return ProcedureStatus(
            application_id=state.application_id,
            stage=stages.stage_name(state.stage),
            rules_version=state.rules_version,
            registered_on=state.registered_on,
            open_tasks=list(state.open_tasks.values()),
            deadline=state.deadline,
            clock_running=state.clock.running if state.clock else True,
            awaiting=state.awaiting,
            statutory_day=self._today().isoformat() if state.clock else "",
            history=list(state.history),
            protocol=list(state.protocol),
            reminders_sent=state.reminders,
            escalations=state.escalations,
            decision=state.decision,
            permit=state.permit,
            refusal_grounds=list(state.refusal_grounds),
        )


def _refuse_if(refusal: str) -> None:
    if refusal:
        raise ApplicationError(refusal)


def _grounds(completion: contract.TaskCompletion, negative_expertise: bool) -> list[int]:
    """The refusal's grounds as given, with a negative expertise always among them."""
    grounds = list(completion.refusal_grounds)
    if negative_expertise and reviews_pb.REFUSAL_GROUND_NEGATIVE_STATE_EXPERTISE not in grounds:
        grounds.append(reviews_pb.REFUSAL_GROUND_NEGATIVE_STATE_EXPERTISE)
    return grounds


def _day(statutory: datetime) -> str:
    return statutory.astimezone(KAZAKHSTAN).date().isoformat()


def _source_pollutant(value: SourcePollutant) -> str:
    return f"{value.source_id}/{pollutant_name(value.pollutant)}"


def _reason(error: ActivityError) -> str:
    """The service's ErrorInfo reason the activity carried as its failure's first detail."""
    cause = error.cause
    if not isinstance(cause, ApplicationError) or not cause.details:
        return ""
    return str(cause.details[0])
