"""When a decision is due if every remaining stage takes its full term: pure functions.

`statutory_forecast` says which terms remain under the statute's sequence and from which day
they run; `forecast_day` walks them on the business calendar. The workflow calls the second
through a local activity, so that a calendar corrected later cannot change a recorded history.
"""

from __future__ import annotations

from datetime import date, timedelta

from ecopermit.applicants.v1 import resources_pb2 as pb
from ecopermit.domain.business_calendar import BusinessCalendar
from ecopermit.workflows.activity_messages import DecisionForecast, ForecastStep
from ecopermit.workflows.statutory_rules import Term, Terms

# Stages whose term is counted in the forecast, in the statute's order. The applicant's answer
# has no term and a disagreement may not arise: neither is assumed.
_TERMED_STAGES: tuple[tuple[int, str], ...] = (
    (pb.STAGE_COMPLETENESS, "completeness"),
    (pb.STAGE_STATE_EXPERTISE, "state_expertise"),
    (pb.STAGE_REMARKS, "remarks"),
    (pb.STAGE_DECISION, "decision"),
)
# Stages in which the decision waits on someone outside the authority's terms: the applicant,
# or the state consulted across the border while the term is suspended (EC Art. 116(2)); and
# the decided ones. An objection to a preliminary refusal is awaited inside the decision's own
# term, so it is not here. Listed rather than built from ecopermit.domain.stages: whether a
# forecast is made decides whether its local activity runs, so this set is part of the
# workflow's history and must not change under running workflows.
_UNFORESEEABLE = frozenset(
    {
        pb.STAGE_NOT_ACCEPTED,
        pb.STAGE_APPLICANT_ANSWER,
        pb.STAGE_TRANSBOUNDARY_CONSULTATION,
        pb.STAGE_APPROVED,
        pb.STAGE_REFUSED,
        pb.STAGE_WITHDRAWN,
    }
)


def _step(term: Term) -> ForecastStep:
    if term.unit == "calendar":
        return ForecastStep(calendar_days=term.days)
    return ForecastStep(business_days=term.days)


def statutory_forecast(
    stage: int, terms: Terms, today: date, deadline: date | None
) -> DecisionForecast | None:
    """The terms still ahead of the decision and the day they start from; None when the
    decision's day depends on someone with no term (the applicant, another state) or is past.

    The current stage's deadline, where it has one, ends its term: the later terms run from it.
    A disagreement's resolution and a preliminary refusal run inside the decision's term.
    """
    if stage in _UNFORESEEABLE:
        return None
    names = dict(_TERMED_STAGES)
    stages: list[int] = list(names)
    ahead: list[int]
    if stage == pb.STAGE_DISAGREEMENT_RESOLUTION:
        ahead = [pb.STAGE_DECISION]
    elif stage in (pb.STAGE_PRELIMINARY_DECISION, pb.STAGE_REFUSAL_HEARING):
        ahead = []
    elif stage in stages:
        ahead = stages[stages.index(stage) + 1 :]
    else:  # registered, not yet in a termed stage: every term is ahead
        ahead, deadline = stages, None
    start = deadline or today
    return DecisionForecast(start.isoformat(), [_step(getattr(terms, names[s])) for s in ahead])


def forecast_day(forecast: DecisionForecast, calendar: BusinessCalendar) -> date:
    """The day the last step ends, walking calendar days, then working days, step by step."""
    day = date.fromisoformat(forecast.from_day)
    for step in forecast.steps:
        day += timedelta(days=step.calendar_days)
        day = calendar.add_working_days(day, step.business_days)
    return day
