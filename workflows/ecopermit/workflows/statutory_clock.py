"""Statutory time of one application: real time scaled for the demo calendar, stopped on return.

Production runs one statutory day per real day. The demo calendar shortens a day to a fraction
of a second, so months of procedure pass in a minute while deadlines keep their statutory dates.
The clock stops while an application is returned for revision (EC Art. 115(2)): statutory time
then does not advance, and every deadline moves by the length of the pause.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta

from ecopermit.domain.business_calendar import KAZAKHSTAN

# A deadline lapses at the end of its working day.
END_OF_WORKING_DAY = time(18, 0, tzinfo=KAZAKHSTAN)
_SECONDS_PER_DAY = 86400.0


@dataclass(frozen=True)
class StatutoryClock:
    """Maps real instants to statutory ones: origin + (real − origin − paused) × speed."""

    origin: datetime  # the real instant the application was submitted
    day_seconds: float  # real seconds per statutory day
    paused_seconds: float = 0.0  # real seconds spent stopped, before the current pause
    paused_since: datetime | None = None  # the real instant the current pause began

    @property
    def speed(self) -> float:
        return _SECONDS_PER_DAY / self.day_seconds

    @property
    def running(self) -> bool:
        return self.paused_since is None

    def now(self, real_now: datetime) -> datetime:
        """The statutory instant; frozen while paused."""
        until = self.paused_since or real_now
        elapsed = (until - self.origin).total_seconds() - self.paused_seconds
        return self.origin + timedelta(seconds=max(elapsed, 0.0) * self.speed)

    def today(self, real_now: datetime) -> date:
        return self.now(real_now).astimezone(KAZAKHSTAN).date()

    def real_delay_until(self, statutory: datetime, real_now: datetime) -> timedelta:
        """How long to sleep in real time until the statutory instant; zero if it has passed."""
        ahead = (statutory - self.now(real_now)).total_seconds()
        return timedelta(seconds=max(ahead, 0.0) / self.speed)

    def real_instant(self, statutory: datetime, real_now: datetime) -> datetime:
        """When a statutory instant falls in real time, if the clock keeps running; in the past
        for one that has passed. What people and the services see: they live in real time."""
        ahead = (statutory - self.now(real_now)).total_seconds()
        return real_now + timedelta(seconds=ahead / self.speed)

    def pause(self, real_now: datetime) -> StatutoryClock:
        return self if self.paused_since else replace(self, paused_since=real_now)

    def resume(self, real_now: datetime) -> StatutoryClock:
        if self.paused_since is None:
            return self
        stopped = (real_now - self.paused_since).total_seconds()
        return replace(self, paused_seconds=self.paused_seconds + stopped, paused_since=None)


def deadline_instant(day: date) -> datetime:
    """The statutory instant a deadline falling on that day lapses, in UTC."""
    return datetime.combine(day, END_OF_WORKING_DAY).astimezone(UTC)
