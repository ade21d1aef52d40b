"""The day an application is registered: the day it arrives, or the next working day when it
arrives outside the authority's working hours or on a day off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from ecopermit.domain.business_calendar import KAZAKHSTAN, BusinessCalendar


@dataclass(frozen=True)
class WorkingHours:
    """When the authority registers what arrives, in Kazakhstan time."""

    opens: time
    closes: time

    def __post_init__(self) -> None:
        if self.opens >= self.closes:
            raise ValueError(f"working hours open at {self.opens} and close at {self.closes}")


def registration_day(
    arrived: datetime, calendar: BusinessCalendar, hours: WorkingHours | None
) -> date:
    """The working day the arrival is registered on.

    Within working hours on a working day: that day. Before the opening hour on a working day:
    that day too, since the office registers it on opening. After closing, or on a day off: the
    next working day. Without working hours (rules that predate them): the day of arrival.
    """
    local = arrived.astimezone(KAZAKHSTAN)
    day = local.date()
    if hours is None:
        return day
    if calendar.is_working_day(day) and local.timetz().replace(tzinfo=None) < hours.closes:
        return day
    return calendar.next_working_day(day)
