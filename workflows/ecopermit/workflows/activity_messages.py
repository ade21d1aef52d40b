"""What the permit workflow and its activities pass each other: one dataclass per argument.

Plain dataclasses of str, int, float, bool, datetime and lists, so that they serialise into the
workflow history and can grow new fields (with defaults) without breaking running workflows.
Dates are ISO strings: Temporal's JSON converter handles datetime but not date.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from ecopermit.workflows.rules_of_procedure import RulesOfProcedure
from ecopermit.workflows.statutory_rules import StatutoryRules


@dataclass(frozen=True)
class Submission:
    application_id: str
    submitted_day: str  # in Kazakhstan


@dataclass(frozen=True)
class Procedure:
    """What an application starts under and keeps: the rules version and the calendar's speed."""

    rules: RulesOfProcedure
    day_seconds: float


@dataclass(frozen=True)
class StatutoryProcedure:
    """What an application under the statute's sequence keeps: its rules, the calendar's speed."""

    rules: StatutoryRules
    day_seconds: float


@dataclass(frozen=True)
class SourcePollutant:
    source_id: str
    pollutant: int


@dataclass(frozen=True)
class Milestone:
    source_id: str  # empty: the whole installation
    pollutant: int  # 0: every pollutant
    due_day: str


@dataclass(frozen=True)
class ApplicationSnapshot:
    """The parts of the application the workflow decides on."""

    application_id: str
    enterprise_bin: str
    region: int
    sector: int
    document_kinds: list[int]
    programme: list[Milestone] = field(default_factory=list)
    transboundary: bool = False  # the applicant declared a possible transboundary impact


@dataclass(frozen=True)
class DeadlinePlan:
    start_day: str
    business_days: int
    reminder_before: int


@dataclass(frozen=True)
class WorkingDaysSpan:
    start_day: str
    end_day: str


@dataclass(frozen=True)
class PlannedDeadline:
    due_day: str
    remind_day: str


@dataclass(frozen=True)
class OpenTaskView:
    task_id: str
    kind: int
    due_time: datetime  # real time, as the reviews service holds it
    allowed_outcomes: list[int] = field(default_factory=list)  # empty: the kind's every outcome
    # The stage the task belongs to (the workflow opens tasks before it enters their stage);
    # 0 from workflows started before it was sent: the application's stage then stands in.
    stage: int = 0


@dataclass(frozen=True)
class DeadlineView:
    """A stage's deadline: statutory inside the workflow, real time once written out."""

    stage: int
    due_time: datetime
    business_days: int
    paused: bool = False


@dataclass(frozen=True)
class StageRecord:
    """A stage transition or progress within a stage; every instant in real time."""

    application_id: str
    sequence: int
    stage: int
    reason: str
    rules_version: str
    open_tasks: list[OpenTaskView] = field(default_factory=list)
    deadlines: list[DeadlineView] = field(default_factory=list)
    predicted_decision_time: datetime | None = None
    entered: bool = False  # a new stage, not progress within one
    # The reason as a message key and its values (stage_reasons), for people to read it in
    # their language; empty from workflows that send the English text only.
    reason_key: str = ""
    reason_values: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class ForecastStep:
    """One remaining stage: its working days, or calendar days for the consultation window."""

    business_days: int = 0
    calendar_days: int = 0


@dataclass(frozen=True)
class DecisionForecast:
    from_day: str
    steps: list[ForecastStep]


@dataclass(frozen=True)
class TaskOrder:
    task_id: str
    application_id: str
    kind: int
    due_time: datetime
    instructions: str = ""
    allowed_outcomes: list[int] = field(default_factory=list)  # empty: the kind's every outcome
    # The stage the task belongs to (the workflow opens tasks before it enters their stage);
    # 0 from workflows started before it was sent: the application's stage then stands in.
    stage: int = 0


@dataclass(frozen=True)
class TaskCancellation:
    task_id: str
    reason: str


@dataclass(frozen=True)
class BatFindings:
    """The BAT assessment in brief: which values are above range, by the latest verdicts."""

    catalogue_version: str
    above: list[SourcePollutant]
    within: int
    below: int
    no_bat_ael: int
    reviewed: bool


@dataclass(frozen=True)
class PriorViolations:
    violations: int
    grave: int


@dataclass(frozen=True)
class InspectionOrder:
    application_id: str
    enterprise_bin: str
    region: int
    visit_day: str


@dataclass(frozen=True)
class ConsultationOrder:
    application_id: str
    close_time: datetime  # real time: the reviews service compares it with its own clock


@dataclass(frozen=True)
class PermitOrder:
    application_id: str
    signed_by: str
    conditions: list[str]
    # The decision task whose signed outcome approved: its ЭЦП names the signer on the permit.
    # Empty in orders recorded before decisions were signed.
    decision_task_id: str = ""


@dataclass(frozen=True)
class Reminder:
    application_id: str
    subject: str  # a task id or "inspection"
    kind: str
    due_time: datetime


@dataclass(frozen=True)
class CommentLine:
    """A public comment as the decision maker reads it in the decision task."""

    author: str
    text: str
    disposition: str
    reason: str
