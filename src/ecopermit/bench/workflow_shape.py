"""What a workflow did, counted from its history: the work a bare baseline has to repeat."""

from __future__ import annotations

from dataclasses import dataclass

from temporalio.api.enums.v1 import EventType
from temporalio.client import WorkflowHistory

# The marker the Python SDK records for each local activity's result.
_LOCAL_ACTIVITY_MARKER = "core_local_activity"


@dataclass(frozen=True)
class WorkflowShape:
    """Counts of the commands and messages one workflow run went through."""

    activities: int
    local_activities: int
    timers: int
    updates: int


def shape_of(history: WorkflowHistory) -> WorkflowShape:
    counts = dict.fromkeys(("activities", "local_activities", "timers", "updates"), 0)
    for event in history.events:
        if event.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
            counts["activities"] += 1
        elif (
            event.event_type == EventType.EVENT_TYPE_MARKER_RECORDED
            and event.marker_recorded_event_attributes.marker_name == _LOCAL_ACTIVITY_MARKER
        ):
            counts["local_activities"] += 1
        elif event.event_type == EventType.EVENT_TYPE_TIMER_STARTED:
            counts["timers"] += 1
        elif event.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            counts["updates"] += 1
    return WorkflowShape(**counts)
