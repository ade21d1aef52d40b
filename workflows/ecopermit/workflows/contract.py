"""How the services talk to a permit workflow: its id, its name, its updates and their payloads.

The services' outbox relays and the workflow (issue #4) both import this module, so the two
sides cannot drift apart. Payloads are dataclasses: one argument per update, so they can grow
without breaking histories.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from temporalio.common import SearchAttributeKey

# One workflow type per sequence of the procedure: kep-2026.1's, which runs its applications to
# their end, and the statute's from kep-2026.2 on. A rules file names the type that runs it.
WORKFLOW_NAME = "PermitApplicationWorkflow"
STATUTORY_WORKFLOW_NAME = "KepProcedureWorkflow"
UPDATE_COMPLETE_TASK = "complete_task"
UPDATE_AMEND = "amend"
UPDATE_WITHDRAW = "withdraw"
UPDATE_RECORD_INSPECTION = "record_inspection"
QUERY_STATUS = "get_status"


# What ops filter permit workflows by in the Temporal UI and CLI, e.g.
# `EcopermitStage = "remarks" AND EcopermitRegion = "REGION_PAVLODAR"`. Visibility stores them
# unencrypted, so none is personal data. Registered on the namespace before the worker starts
# (`up` and the worker do it; see the README for a cluster).
STAGE_ATTRIBUTE = SearchAttributeKey.for_keyword("EcopermitStage")
REGION_ATTRIBUTE = SearchAttributeKey.for_keyword("EcopermitRegion")
SECTOR_ATTRIBUTE = SearchAttributeKey.for_keyword("EcopermitSector")
RULES_VERSION_ATTRIBUTE = SearchAttributeKey.for_keyword("EcopermitRulesVersion")
SEARCH_ATTRIBUTES = (STAGE_ATTRIBUTE, REGION_ATTRIBUTE, SECTOR_ATTRIBUTE, RULES_VERSION_ATTRIBUTE)


def permit_workflow_id(application_id: str) -> str:
    """The business id of an application's workflow; starting it twice is rejected."""
    return f"permit-application-{application_id}"


@dataclass(frozen=True)
class PermitApplicationInput:
    application_id: str
    enterprise_bin: str


@dataclass(frozen=True)
class KepApplicationInput:
    """An application registered under the statute's sequence (kep-2026.2 and later)."""

    application_id: str
    enterprise_bin: str
    rules_version: str
    registered_on: str  # ISO date in Kazakhstan: the next working day if it came after hours


@dataclass(frozen=True)
class TaskFinding:
    subject: str
    text: str
    severity: int


@dataclass(frozen=True)
class TaskCompletion:
    """A human task's outcome, as CompleteTask recorded it."""

    task_id: str
    kind: int
    outcome: int
    completed_by: str
    comments: str = ""
    findings: list[TaskFinding] = field(default_factory=list)
    refusal_grounds: list[int] = field(default_factory=list)  # RefusalGround values


@dataclass(frozen=True)
class Amendment:
    """The applicant's answer: a resubmission, an answer to remarks, or an objection."""

    request_id: str
    response: str
    disagrees: bool = False  # with the remarks (EC Art. 115(6))
    received_time: str = ""  # ISO instant the applicants service took it (real time)


@dataclass(frozen=True)
class Withdrawal:
    reason: str


@dataclass(frozen=True)
class InspectionRecorded:
    """An inspector recorded the act of the application's pre-permit inspection."""

    inspection_id: str
    inspection_type: int  # InspectionType: the workflow waits for its pre-permit inspection
    violations: int
    grave_violations: int
    prescriptions: int
