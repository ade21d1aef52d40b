"""The pure parts of the statute's sequence: the rules kep-2026.2 with their sources, the
registration day, the task kinds' table, the decision forecast and what the workflow's state
may be told."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.domain import tasks
from ecopermit.domain.business_calendar import KAZAKHSTAN, kazakhstan_calendar
from ecopermit.domain.errors import InvalidArgumentError
from ecopermit.domain.registration import WorkingHours, registration_day
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.workflows import contract
from ecopermit.workflows.activity_messages import ForecastStep
from ecopermit.workflows.procedure_forecast import forecast_day, statutory_forecast
from ecopermit.workflows.procedure_state import ANSWER, ProcedureState
from ecopermit.workflows.procedure_table import markdown
from ecopermit.workflows.rules_of_procedure import (
    RULES_DIRECTORY,
    RulesError,
    register,
    rules_in_force,
    version_in_force,
)
from ecopermit.workflows.statutory_rules import (
    CONFIDENCE_TAGS,
    TERM_NAMES,
    parse_statutory_rules,
    statutory_rules,
)

CALENDAR = kazakhstan_calendar()
RULES = statutory_rules("kep-2026.2")
HOURS = WorkingHours(time(9, 0), time(18, 30))


def _in_kazakhstan(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=KAZAKHSTAN)


# The rules and their sources


def test_every_term_list_and_ground_carries_its_source_or_is_marked_internal() -> None:
    for name in TERM_NAMES:
        term = getattr(RULES.terms, name)
        assert term.confidence in CONFIDENCE_TAGS, name
        assert term.source.strip(), name
        if term.confidence == "internal":
            assert term.source.startswith("internal target"), name
    assert RULES.hearing.confidence == "✔"
    assert RULES.transboundary.source.startswith("EC Art. 116")
    grounds = {g.ground for g in RULES.refusal_grounds}
    # The closed list is the contract's list, and a negative expertise is one of its grounds.
    assert grounds == set(reviews_pb.RefusalGround.values()) - {0}
    assert reviews_pb.REFUSAL_GROUND_NEGATIVE_STATE_EXPERTISE in grounds
    # What could not be read is not passed off as read.
    assert all("not read" in g.source for g in RULES.refusal_grounds)


def test_the_statutory_terms_are_the_codes() -> None:
    terms = RULES.terms
    assert (terms.completeness.days, terms.completeness.unit) == (5, "working")  # Art. 115(2)
    assert (terms.decision.days, terms.decision.unit) == (5, "working")  # Art. 117(1)
    assert terms.completeness.confidence == terms.decision.confidence == "✔"
    # Documents posted at least 30 days before an open meeting (Order 286).
    assert terms.open_meeting_notice.days >= 30
    assert terms.open_meeting_notice.unit == "calendar"
    assert RULES.terms.state_expertise.confidence == "internal"  # Order 317 was not read


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (('confidence = "✔"', 'confidence = "sure"'), "is not a known tag"),
        (('unit = "working"', 'unit = "weeks"'), "is not working or calendar"),
        (('form = "open_meeting"', 'form = "referendum"'), "not a known form"),
        (("REFUSAL_GROUND_COURT_BAN", "REFUSAL_GROUND_BAD_LUCK"), "unknown value"),
        (("[terms.decision]", "[terms.verdict]"), "malformed"),
    ],
)
def test_a_malformed_or_unsourced_rules_file_is_refused_naming_the_problem(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    text = (RULES_DIRECTORY / "kep-2026.2.toml").read_text(encoding="utf-8")
    broken = tmp_path / "kep-2026.2.toml"
    broken.write_text(text.replace(*change, 1), encoding="utf-8")
    with pytest.raises(RulesError, match=message):
        parse_statutory_rules(broken)


def test_applications_registered_before_the_new_rules_keep_kep_2026_1() -> None:
    before = version_in_force(date(2026, 12, 2))
    after = version_in_force(date(2026, 12, 3))
    assert (before.version, before.workflow) == ("kep-2026.1", contract.WORKFLOW_NAME)
    assert (after.version, after.workflow) == ("kep-2026.2", contract.STATUTORY_WORKFLOW_NAME)
    # The kep-2026.1 workflow only ever reads rules of its own shape.
    assert rules_in_force(date(2026, 12, 31)).version == "kep-2026.1"


# Registration


def test_a_submission_within_working_hours_is_registered_that_day() -> None:
    arrived = _in_kazakhstan(2026, 12, 3, 11)  # a Thursday
    assert registration_day(arrived, CALENDAR, HOURS) == date(2026, 12, 3)


def test_a_submission_after_hours_is_registered_the_next_working_day() -> None:
    assert registration_day(_in_kazakhstan(2026, 12, 3, 18, 31), CALENDAR, HOURS) == date(
        2026, 12, 4
    )
    # Friday evening: Monday.
    assert registration_day(_in_kazakhstan(2026, 12, 4, 20), CALENDAR, HOURS) == date(2026, 12, 7)


def test_a_submission_on_a_day_off_is_registered_the_next_working_day() -> None:
    # Independence Day, 16 December, a public holiday (holidays.KZ).
    assert not CALENDAR.is_working_day(date(2026, 12, 16))
    registered = registration_day(_in_kazakhstan(2026, 12, 16, 10), CALENDAR, HOURS)
    assert registered > date(2026, 12, 16)
    assert CALENDAR.is_working_day(registered)


@given(st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2030, 12, 31)))
def test_the_registration_day_is_a_working_day_never_before_arrival(moment: datetime) -> None:
    arrived = moment.replace(tzinfo=UTC)
    registered = registration_day(arrived, CALENDAR, HOURS)
    assert CALENDAR.is_working_day(registered)
    assert registered >= arrived.astimezone(KAZAKHSTAN).date()


def test_the_version_an_application_runs_under_is_the_one_of_its_registration() -> None:
    # Thursday 3 December 2026, 19:00: registered Friday, under kep-2026.2.
    registration = register(_in_kazakhstan(2026, 12, 3, 19), CALENDAR)
    assert (registration.day, registration.version.version) == (date(2026, 12, 4), "kep-2026.2")
    # The evening before, kep-2026.1 was in force; it knows no working hours and registered
    # what arrived on the day it arrived.
    registration = register(_in_kazakhstan(2026, 12, 2, 19), CALENDAR)
    assert (registration.day, registration.version.version) == (date(2026, 12, 2), "kep-2026.1")


# Task kinds


def test_every_task_kind_of_the_contract_is_defined_in_one_table() -> None:
    kinds = set(reviews_pb.TaskKind.values()) - {0}
    assert set(tasks.TASK_KINDS) == kinds
    codes = [spec.code for spec in tasks.TASK_KINDS.values()]
    assert len(set(codes)) == len(codes)
    assert all(len(code) == 3 for code in codes)
    for kind, spec in tasks.TASK_KINDS.items():
        assert spec.outcomes, reviews_pb.TaskKind.Name(kind)
        assert spec.outcomes <= set(reviews_pb.TaskOutcome.values()) - {0}


def test_a_refusal_names_its_grounds_from_the_closed_list() -> None:
    with pytest.raises(InvalidArgumentError) as refused:
        tasks.check_outcome(reviews_pb.TASK_KIND_DECISION, reviews_pb.TASK_OUTCOME_REFUSE, "no", 0)
    assert refused.value.violations[0].reason == "refusal_grounds.required"
    tasks.check_outcome(
        reviews_pb.TASK_KIND_DECISION,
        reviews_pb.TASK_OUTCOME_REFUSE,
        "negative expertise",
        0,
        refusal_grounds=[reviews_pb.REFUSAL_GROUND_NEGATIVE_STATE_EXPERTISE],
    )
    with pytest.raises(InvalidArgumentError, match="only a refusal"):
        tasks.check_outcome(
            reviews_pb.TASK_KIND_DECISION,
            reviews_pb.TASK_OUTCOME_APPROVE,
            "",
            0,
            refusal_grounds=[reviews_pb.REFUSAL_GROUND_COURT_BAN],
        )


def test_a_task_narrowed_by_the_workflow_accepts_only_its_outcomes() -> None:
    with pytest.raises(InvalidArgumentError, match="TASK_OUTCOME_REFUSE"):
        tasks.check_outcome(
            reviews_pb.TASK_KIND_DECISION,
            reviews_pb.TASK_OUTCOME_APPROVE,
            "",
            0,
            narrowed=[reviews_pb.TASK_OUTCOME_REFUSE],
        )


# The decision forecast


def test_the_forecast_counts_every_term_from_registration() -> None:
    today = date(2026, 12, 3)
    forecast = statutory_forecast(applicants_pb.STAGE_SUBMITTED, RULES.terms, today, None)
    assert forecast is not None
    assert forecast.from_day == today.isoformat()
    assert forecast.steps == [
        ForecastStep(business_days=5),
        ForecastStep(business_days=RULES.terms.state_expertise.days),
        ForecastStep(business_days=RULES.terms.remarks.days),
        ForecastStep(business_days=5),
    ]


def test_the_forecast_runs_the_later_terms_from_the_current_deadline() -> None:
    deadline = date(2027, 1, 20)
    forecast = statutory_forecast(
        applicants_pb.STAGE_REMARKS, RULES.terms, date(2027, 1, 14), deadline
    )
    assert forecast is not None
    assert forecast.from_day == deadline.isoformat()
    assert forecast.steps == [ForecastStep(business_days=5)]
    assert forecast_day(forecast, CALENDAR) == CALENDAR.add_working_days(deadline, 5)


@pytest.mark.parametrize(
    "stage",
    [
        applicants_pb.STAGE_NOT_ACCEPTED,
        applicants_pb.STAGE_APPLICANT_ANSWER,
        applicants_pb.STAGE_TRANSBOUNDARY_CONSULTATION,
        applicants_pb.STAGE_APPROVED,
    ],
)
def test_no_forecast_while_the_decision_waits_on_someone_without_a_term(stage: int) -> None:
    assert statutory_forecast(stage, RULES.terms, date(2027, 1, 14), None) is None


def test_a_preliminary_refusal_is_decided_within_the_decisions_own_term() -> None:
    deadline = date(2027, 1, 20)
    forecast = statutory_forecast(
        applicants_pb.STAGE_PRELIMINARY_DECISION, RULES.terms, date(2027, 1, 18), deadline
    )
    assert forecast is not None
    assert forecast_day(forecast, CALENDAR) == deadline


# What the workflow may be told


def _state() -> ProcedureState:
    return ProcedureState("app-1", "990340000123", "kep-2026.2", "2026-12-03")


def test_an_answer_the_service_took_is_never_refused_until_the_decision() -> None:
    """The service takes one answer per wait, in the stages that wait: the workflow keeps
    whatever it took, even once it has moved on, and only a decided procedure refuses."""
    state = _state()
    assert state.refusal_of_answer(contract.Amendment("r1", "done")) == ""
    state.awaiting = ANSWER
    assert state.refusal_of_answer(contract.Amendment("r2", "no", disagrees=True)) == ""
    state.decision = "approved"
    assert "already approved" in state.refusal_of_answer(contract.Amendment("r3", "late"))


def test_task_ids_stay_within_the_contracts_64_characters() -> None:
    state = ProcedureState("a" * 36, "990340000123", "kep-2026.2", "2026-12-03")
    for kind in tasks.TASK_KINDS:
        for _ in range(3):
            assert len(state.next_task_id(kind)) <= 64


# The README


def test_the_readme_procedure_table_is_the_rules_in_force() -> None:
    readme = (Path(__file__).parents[1] / "README.md").read_text(encoding="utf-8")
    assert markdown(RULES) in readme
