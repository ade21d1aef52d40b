"""What an inspection act must hold, apart from any database: violations with ids of their own,
prescriptions that answer a violation of the same act and fall due after the inspection, and
when a prescription is overdue."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from ecopermit.domain.errors import FieldViolation, InvalidArgumentError


def violation_ids(given: Sequence[str]) -> list[str]:
    """Each violation's id: the one given, or its position ("v1", "v2", ...); ids that repeat
    are refused, each where it stands."""
    ids = [violation_id or f"v{position + 1}" for position, violation_id in enumerate(given)]
    repeated = {i for i in ids if ids.count(i) > 1}
    if repeated:
        raise InvalidArgumentError(
            [
                FieldViolation(
                    f"violations[{position}].violation_id", "violation ids must be unique"
                )
                for position, i in enumerate(ids)
                if i in repeated
            ]
        )
    return ids


def prescription_violations(
    prescriptions: Sequence[tuple[str, date]], recorded: Collection[str], inspected: date
) -> list[FieldViolation]:
    """(violation id, due date) of each prescription, against the act's violation ids and the
    inspection's date."""
    problems = []
    for position, (violation_id, due) in enumerate(prescriptions):
        if violation_id not in recorded:
            problems.append(
                FieldViolation(
                    f"prescriptions[{position}].violation_id",
                    "must name a violation recorded in the same act",
                )
            )
        if due <= inspected:
            problems.append(
                FieldViolation(
                    f"prescriptions[{position}].due_date", "must fall after the inspection date"
                )
            )
    return problems


def is_overdue(due: date, resolved: date | None, today: date) -> bool:
    """Open past its due date, or resolved after it."""
    if resolved is not None:
        return resolved > due
    return today > due
