"""Kazakhstan's business-day calendar, on which statutory permit deadlines run."""

from __future__ import annotations

import tomllib
from collections.abc import Container, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from functools import cache
from pathlib import Path
from typing import Any

from holidays.countries.kazakhstan import KZ

# Kazakhstan keeps one time zone, UTC+5, since 1 March 2024. A fixed offset keeps the workflows
# free of the tz database, which may differ between the worker that wrote a history and the one
# that replays it.
KAZAKHSTAN = timezone(timedelta(hours=5), "Asia/Almaty")
CONFIDENCE_TAGS = frozenset({"✔", "◐", "?"})
TRANSFERS_FILE = Path(__file__).with_name("kz_working_day_transfers.toml")

_SATURDAY = 5
_REQUIRED_FIELDS = ("day", "working", "decree", "confidence")
_OPTIONAL_FIELDS = ("source",)
# Kazakhstan's longest break is about ten days (New Year, Christmas); a calendar with no working
# day in a year is misconfigured, and failing beats looping forever.
_MAX_DAYS_WITHOUT_WORK = 366


@dataclass(frozen=True)
class Transfer:
    """A day a government decree moves: a weekend day worked, or a weekday taken off."""

    day: date
    working: bool
    decree: str
    confidence: str
    source: str = ""


def _is_weekend(day: date) -> bool:
    return day.weekday() >= _SATURDAY


class BusinessCalendar:
    """Working days of the five-day week: Monday to Friday less public holidays, as moved by decree.

    `holidays` are the days off besides weekends; `weekend_workdays` the weekend days the same
    source already knows are worked (holidays.KZ keeps both halves of past decrees). `transfers`
    come on top and win over both.
    """

    def __init__(
        self,
        holidays: Container[date],
        transfers: Iterable[Transfer] = (),
        *,
        weekend_workdays: Container[date] = frozenset(),
    ) -> None:
        self._holidays = holidays
        self._weekend_workdays = weekend_workdays
        self._transfers: dict[date, bool] = {}
        for transfer in transfers:
            if self._transfers.setdefault(transfer.day, transfer.working) != transfer.working:
                raise ValueError(f"transfers disagree on whether {transfer.day} is a working day")

    def is_working_day(self, day: date) -> bool:
        """Monday to Friday and not a public holiday, unless a transfer says otherwise."""
        if day in self._transfers:
            return self._transfers[day]
        if _is_weekend(day):
            return day in self._weekend_workdays
        return day not in self._holidays

    def next_working_day(self, day: date) -> date:
        """The first working day strictly after `day`."""
        for offset in range(1, _MAX_DAYS_WITHOUT_WORK + 1):
            candidate = day + timedelta(days=offset)
            if self.is_working_day(candidate):
                return candidate
        raise ValueError(f"no working day within {_MAX_DAYS_WITHOUT_WORK} days after {day}")

    def add_working_days(self, start: date, days: int) -> date:
        """The day on which `days` working days after `start` have elapsed (`start` not counted)."""
        if days < 0:
            raise ValueError(f"a term runs forward: {days} working days is negative")
        day = start
        for _ in range(days):
            day = self.next_working_day(day)
        return day

    def working_days_between(self, start: date, end: date) -> int:
        """Working days in (start, end]; 0 when `end` is not after `start`."""
        return sum(
            self.is_working_day(start + timedelta(days=offset))
            for offset in range(1, (end - start).days + 1)
        )


def load_transfers(path: Path | None = None) -> tuple[Transfer, ...]:
    """The decreed transfers in the TOML file, by default the one beside this module.

    Raises ValueError naming the entry when one is malformed, so a bad edit fails loudly at start-up
    instead of shifting a statutory deadline.
    """
    source = TRANSFERS_FILE if path is None else path
    document = tomllib.loads(source.read_text(encoding="utf-8"))
    unknown = set(document) - {"transfer"}
    if unknown:
        raise ValueError(
            f"{source}: unknown top-level keys {sorted(unknown)}; expected [[transfer]]"
        )
    entries = document.get("transfer", [])
    if not isinstance(entries, list):
        raise ValueError(f"{source}: 'transfer' must be an array of tables, [[transfer]]")
    transfers: list[Transfer] = []
    seen: set[date] = set()
    for number, entry in enumerate(entries, start=1):
        label = f"{source}: transfer {number} ({_describe(entry)})"
        try:
            transfer = _parse_transfer(entry)
        except ValueError as problem:
            raise ValueError(f"{label}: {problem}") from None
        if transfer.day in seen:
            raise ValueError(f"{label}: {transfer.day} is transferred twice")
        seen.add(transfer.day)
        transfers.append(transfer)
    return tuple(transfers)


def _describe(entry: object) -> str:
    day = entry.get("day") if isinstance(entry, Mapping) else None
    return "no day" if day is None else f"day {day}"


def _parse_transfer(entry: object) -> Transfer:
    if not isinstance(entry, Mapping):
        raise ValueError("an entry must be a table")
    missing = [field for field in _REQUIRED_FIELDS if field not in entry]
    if missing:
        raise ValueError(f"missing {', '.join(missing)}")
    unknown = set(entry) - {*_REQUIRED_FIELDS, *_OPTIONAL_FIELDS}
    if unknown:
        raise ValueError(f"unknown fields {sorted(unknown)}")
    day = _parse_day(entry["day"])
    working = entry["working"]
    if not isinstance(working, bool):
        raise ValueError("'working' must be true or false")
    if working and not _is_weekend(day):
        raise ValueError(f"a working transfer must fall on a weekend, and {day} is a weekday")
    if not working and _is_weekend(day):
        raise ValueError(f"a day-off transfer must fall on a weekday, and {day} is a weekend day")
    decree = _non_empty_text(entry, "decree")
    confidence = entry["confidence"]
    if confidence not in CONFIDENCE_TAGS:
        raise ValueError(f"confidence {confidence!r} is not one of {sorted(CONFIDENCE_TAGS)}")
    source = _non_empty_text(entry, "source") if "source" in entry else ""
    return Transfer(day=day, working=working, decree=decree, confidence=confidence, source=source)


def _parse_day(value: object) -> date:
    # tomllib reads `2026-01-03T00:00` as a datetime, which is also a date; a transfer is a day.
    if isinstance(value, datetime):
        raise ValueError(f"'day' {value} has a time; a transfer is a whole day")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise ValueError(f"'day' {value!r} is not an ISO date") from None
    raise ValueError(f"'day' {value!r} is not a date")


def _non_empty_text(entry: Mapping[str, Any], field: str) -> str:
    value = entry[field]
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{field!r} must be non-empty text")
    return value


@cache
def kazakhstan_calendar() -> BusinessCalendar:
    """holidays.KZ for every year it covers, plus the decreed transfers file; built once."""
    # Every covered year is built up front (about 20 ms) and expansion is then switched off: left
    # lazy, the package fills a year, and the weekend days its decrees make working, on first
    # lookup by mutating shared state, which is not thread-safe and which a membership test of
    # weekend_workdays would not trigger. Days outside 1991-2100 fall back to weekends only.
    known = KZ(years=range(KZ.start_year, KZ.end_year + 1), expand=False)
    return BusinessCalendar(
        known, load_transfers(), weekend_workdays=frozenset(known.weekend_workdays)
    )
