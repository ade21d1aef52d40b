"""The pure rules the stores apply, as a reviewer, an inspector and an applicant meet them:
each checked without a database, at the edges the services' own tests do not reach."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from ecopermit.domain.emission_sources import repeated_source_violations
from ecopermit.domain.errors import InvalidArgumentError
from ecopermit.domain.inspection_acts import is_overdue, prescription_violations, violation_ids
from ecopermit.domain.review_rules import (
    OVERRIDE_REASON_MIN,
    bat_review_violations,
    disposition_violations,
)

NOX, SO2 = 1, 2
WITHIN, ABOVE = 1, 2


@dataclass(frozen=True)
class Review:
    source_id: str
    pollutant: int
    verdict: int
    reason: str = ""


@dataclass(frozen=True)
class Entry:
    public_comment: str
    disposition: int


ASSESSED = {("stack-1", NOX): ABOVE, ("stack-1", SO2): WITHIN}


def test_an_expert_who_agrees_with_every_verdict_needs_no_reason_and_no_override() -> None:
    reviews = [Review("stack-1", NOX, ABOVE), Review("stack-1", SO2, WITHIN)]
    assert bat_review_violations(ASSESSED, reviews, outcome_is_override=False) == []
    # Saying "overridden" when nothing was is as wrong as the reverse.
    [wrong] = bat_review_violations(ASSESSED, reviews, outcome_is_override=True)
    assert wrong.field == "outcome"


def test_an_override_needs_a_sentence_of_reason_and_an_outcome_that_says_so() -> None:
    terse = [Review("stack-1", NOX, WITHIN, "ok" + " " * 20)]
    [reason] = bat_review_violations(ASSESSED, terse, outcome_is_override=True)
    assert (reason.field, reason.reason) == ("bat_reviews[0].reason", "bat_review.reason")
    enough = [Review("stack-1", NOX, WITHIN, "x" * OVERRIDE_REASON_MIN)]
    assert bat_review_violations(ASSESSED, enough, outcome_is_override=True) == []
    [outcome] = bat_review_violations(ASSESSED, enough, outcome_is_override=False)
    assert outcome.field == "outcome"


def test_a_review_of_a_value_nobody_assessed_is_refused_where_it_stands() -> None:
    reviews = [Review("stack-1", SO2, WITHIN), Review("stack-9", NOX, WITHIN)]
    [unknown] = bat_review_violations(ASSESSED, reviews, outcome_is_override=False)
    assert unknown.field == "bat_reviews[1]"


def test_every_public_comment_gets_a_disposition_on_this_application_only() -> None:
    decided = {"c1": 0, "c2": 0, "c3": 1}  # c3 was decided at an earlier hearing
    mine = "applications/a1/publicComments/"
    entries = [Entry(f"{mine}c1", 1), Entry(f"{mine}c2", 2)]
    assert disposition_violations("a1", decided, entries) == (
        [],
        {"c1": entries[0], "c2": entries[1]},
    )
    problems, chosen = disposition_violations("a1", decided, entries[:1])
    assert [p.reason for p in problems] == ["comment_disposition.complete"]
    assert "1 public comment(s)" in problems[0].description
    foreign = Entry("applications/a2/publicComments/c2", 1)
    problems, chosen = disposition_violations("a1", decided, [entries[0], foreign])
    assert [p.field for p in problems] == ["comment_dispositions[1]", "comment_dispositions"]
    assert set(chosen) == {"c1"}


def test_violations_take_their_position_as_id_and_repeated_ids_are_refused_each() -> None:
    assert violation_ids(["", "noise-1", ""]) == ["v1", "noise-1", "v3"]
    with pytest.raises(InvalidArgumentError) as refused:
        violation_ids(["v2", ""])  # the second would be v2 as well
    assert [v.field for v in refused.value.violations] == [
        "violations[0].violation_id",
        "violations[1].violation_id",
    ]


def test_a_prescription_answers_a_violation_of_its_act_and_falls_due_after_the_visit() -> None:
    inspected = date(2026, 3, 2)
    assert prescription_violations([("v1", date(2026, 4, 1))], {"v1"}, inspected) == []
    problems = prescription_violations(
        [("v9", date(2026, 4, 1)), ("v1", inspected)], {"v1"}, inspected
    )
    assert [p.field for p in problems] == [
        "prescriptions[0].violation_id",
        "prescriptions[1].due_date",
    ]


def test_a_prescription_is_overdue_while_open_past_its_date_or_when_resolved_late() -> None:
    due = date(2026, 4, 1)
    assert not is_overdue(due, None, due)
    assert is_overdue(due, None, date(2026, 4, 2))
    assert not is_overdue(due, date(2026, 3, 30), date(2026, 6, 1))
    assert is_overdue(due, date(2026, 4, 3), date(2026, 4, 3))


def test_a_source_id_given_twice_is_refused_at_each_repeat() -> None:
    problems = repeated_source_violations(["stack-1", "stack-2", "stack-1", "stack-1"])
    assert [p.field for p in problems] == [
        "emission_sources[2].source_id",
        "emission_sources[3].source_id",
    ]
    assert repeated_source_violations(["stack-1", "stack-2"]) == []
