"""Where one application under the statute's sequence stands: the workflow's whole state, in one
place, with the rules for what it may be told.

KepProcedureWorkflow holds one ProcedureState and nothing else; its update validators ask this
state whether to take a message, so the rules can be tested without a Temporal server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.domain import tasks
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.workflows import contract
from ecopermit.workflows.activity_messages import DeadlineView, OpenTaskView
from ecopermit.workflows.briefs import kind_name
from ecopermit.workflows.statutory_clock import StatutoryClock
from ecopermit.workflows.statutory_rules import StatutoryRules

# What the procedure waits for from the applicant (ProcedureState.awaiting).
RESUBMISSION = "resubmission"  # after "not accepted, with reasons" (EC Art. 115(2))
ANSWER = "answer"  # to the remarks or the draft permit (EC Art. 117(1))
OBJECTION = "objection"  # to a preliminary refusal (APPC Art. 73)


@dataclass(frozen=True)
class StageEntry:
    stage: str
    statutory_day: str


@dataclass(frozen=True)
class ReceivedAnswer:
    """The applicant's answer, and when it reached the workflow in statutory time."""

    answer: contract.Amendment
    statutory_instant: datetime


@dataclass(frozen=True)
class ProcedureOutcome:
    application_id: str
    decision: str  # "approved", "refused" or "withdrawn"
    permit: str = ""
    statutory_days: int = 0
    refusal_grounds: list[int] = field(default_factory=list)


@dataclass
class ProcedureState:
    application_id: str
    enterprise_bin: str
    rules_version: str
    registered_on: str  # ISO day; a resubmission registers again
    rules: StatutoryRules | None = None
    clock: StatutoryClock | None = None
    stage: int = applicants_pb.STAGE_SUBMITTED
    sequence: int = 0  # stage records written to the applicants service
    deadline: DeadlineView | None = None  # statutory instant
    history: list[StageEntry] = field(default_factory=list)
    open_tasks: dict[str, OpenTaskView] = field(default_factory=dict)
    recorded_open: list[str] = field(default_factory=list)  # as last written to the service
    completions: dict[str, contract.TaskCompletion] = field(default_factory=dict)
    task_counts: dict[int, int] = field(default_factory=dict)
    awaiting: str = ""  # RESUBMISSION, ANSWER, OBJECTION or nothing
    answers: list[ReceivedAnswer] = field(default_factory=list)
    # The day the decision's term runs from: the answer's, or the disagreement's resolution's.
    decision_term_from: str = ""
    withdrawal: contract.Withdrawal | None = None
    notes: list[str] = field(default_factory=list)  # the brief the decision maker reads
    programme_milestones: int = 0  # in the efficiency programme (ППЭЭ), as last read
    protocol: list[str] = field(default_factory=list)  # the published hearing protocol
    # The last forecast: (stage, deadline) it was made for, and the decision's instant.
    forecast_for: tuple[int, datetime | None] | None = None
    predicted_decision: datetime | None = None
    reminders: int = 0
    escalations: int = 0
    decision: str = ""
    permit: str = ""
    refusal_grounds: list[int] = field(default_factory=list)

    def next_task_id(self, kind: int) -> str:
        self.task_counts[kind] = self.task_counts.get(kind, 0) + 1
        return f"{self.application_id}-{tasks.spec(kind).code}-{self.task_counts[kind]}"

    def open_changed(self) -> bool:
        """Whether tasks were completed since the applicants service last heard."""
        return list(self.open_tasks) != self.recorded_open

    # What the workflow may be told: each returns why not, or "" to take it.

    def refusal_of_completion(self, completion: contract.TaskCompletion) -> str:
        if completion.task_id in self.completions:
            return f"task {completion.task_id} is already completed"
        task = self.open_tasks.get(completion.task_id)
        if task is None:
            return f"task {completion.task_id} is not open in this application"
        if task.kind != completion.kind:
            return (
                f"task {completion.task_id} is a {kind_name(task.kind)} task, "
                f"not {kind_name(completion.kind)}"
            )
        # The reviews service checks both; a service that did not (an older release during a
        # rollout) must not let an approval through after a negative expertise.
        if task.allowed_outcomes and completion.outcome not in task.allowed_outcomes:
            return f"task {completion.task_id} does not accept that outcome"
        if completion.outcome == reviews_pb.TASK_OUTCOME_REFUSE and not completion.refusal_grounds:
            return "a refusal names its grounds (EC Art. 117(2))"
        return ""

    def refusal_of_answer(self, answer: contract.Amendment) -> str:
        """The applicants service takes an answer only while the stage it holds waits for one,
        and one per wait: whatever it took is the applicant's word, and is never refused, even
        when it reaches the workflow after the procedure moved on (it is kept as late)."""
        if self.decision:
            return f"the application is already {self.decision}"
        return ""

    def refusal_of_withdrawal(self) -> str:
        if self.decision:
            return f"the application is already {self.decision}"
        if self.withdrawal is not None:
            return "the application is already withdrawn"
        return ""
