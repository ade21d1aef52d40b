"""The pure parts the permit workflow decides with: the rules of procedure, the statutory clock,
the risk rule and the permit's emission limits."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from google.type import date_pb2
from hypothesis import given
from hypothesis import strategies as st

from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.domain.business_calendar import KAZAKHSTAN
from ecopermit.domain.emission_limits import emission_limits
from ecopermit.domain.inspection_risk import RiskFacts, RiskThresholds, inspection_reasons
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.type.v1 import kazakhstan_pb2 as kz
from ecopermit.workflows.rules_of_procedure import (
    RULES_DIRECTORY,
    RulesError,
    parse_rules,
    rules_in_force,
)
from ecopermit.workflows.statutory_clock import StatutoryClock, deadline_instant

SUBMITTED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# Rules of procedure


def test_the_shipped_rules_keep_the_statutory_completeness_term() -> None:
    rules = rules_in_force(date(2026, 11, 28))
    assert rules.version == "kep-2026.1"
    assert rules.terms.completeness == 5  # EC Art. 115(2)
    assert rules.terms.consultation_calendar_days >= 30  # public hearing rules, 23 Mar 2024
    assert applicants_pb.DOCUMENT_KIND_PROJECT_DOCUMENTATION in rules.required_documents
    assert len(rules.technical_review_tasks) == 4


def test_no_rules_are_in_force_before_the_first_version() -> None:
    with pytest.raises(RulesError, match="no rules of procedure in force on 2025-12-31"):
        rules_in_force(date(2025, 12, 31))


def test_a_later_version_applies_only_from_its_day(tmp_path: Path) -> None:
    current = (RULES_DIRECTORY / "kep-2026.1.toml").read_text()
    (tmp_path / "kep-2026.1.toml").write_text(current)
    later = current.replace('"kep-2026.1"', '"kep-2027.1"').replace("2026-01-01", "2027-01-01")
    (tmp_path / "kep-2027.1.toml").write_text(later.replace("completeness = 5", "completeness = 4"))
    assert rules_in_force(date(2026, 12, 31), tmp_path).version == "kep-2026.1"
    assert rules_in_force(date(2027, 1, 1), tmp_path).terms.completeness == 4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("DOCUMENT_KIND_WASTE_PROGRAMME", "DOCUMENT_KIND_LOST"),
            "unknown value 'DOCUMENT_KIND_LOST'",
        ),
        (("completeness = 5", "completeness = -1"), "negative terms: completeness"),
        (('version = "kep-2026.1"', 'version = "other"'), "differs from the file name"),
        (("[risk]", "[hazard]"), "malformed"),
    ],
)
def test_a_malformed_rules_file_is_refused_naming_the_problem(
    tmp_path: Path, change: tuple[str, str], message: str
) -> None:
    text = (RULES_DIRECTORY / "kep-2026.1.toml").read_text().replace(*change)
    broken = tmp_path / "kep-2026.1.toml"
    broken.write_text(text)
    with pytest.raises(RulesError, match=message):
        parse_rules(broken)


# The statutory clock


def test_the_demo_calendar_runs_a_statutory_day_in_a_fraction_of_a_second() -> None:
    clock = StatutoryClock(origin=SUBMITTED, day_seconds=0.5)
    assert clock.now(SUBMITTED + timedelta(seconds=15)) == SUBMITTED + timedelta(days=30)
    thirty_days_on = SUBMITTED + timedelta(days=30)
    assert clock.real_delay_until(thirty_days_on, SUBMITTED) == timedelta(seconds=15)


def test_a_paused_clock_stands_still_and_resumes_where_it_stopped() -> None:
    clock = StatutoryClock(origin=SUBMITTED, day_seconds=86400.0)
    paused = clock.pause(SUBMITTED + timedelta(days=2))
    assert paused.now(SUBMITTED + timedelta(days=40)) == SUBMITTED + timedelta(days=2)
    resumed = paused.resume(SUBMITTED + timedelta(days=40))
    assert resumed.now(SUBMITTED + timedelta(days=41)) == SUBMITTED + timedelta(days=3)
    # Pausing twice or resuming a running clock changes nothing.
    assert paused.pause(SUBMITTED + timedelta(days=9)) == paused
    assert resumed.resume(SUBMITTED + timedelta(days=50)) == resumed


@given(
    day_seconds=st.floats(min_value=0.001, max_value=86400.0),
    fraction_of_a_century=st.floats(min_value=0, max_value=1),
)
def test_sleeping_the_real_delay_reaches_the_statutory_instant(
    day_seconds: float, fraction_of_a_century: float
) -> None:
    real_seconds = fraction_of_a_century * 36500 * day_seconds
    clock = StatutoryClock(origin=SUBMITTED, day_seconds=day_seconds)
    target = clock.now(SUBMITTED + timedelta(seconds=real_seconds))
    delay = clock.real_delay_until(target, SUBMITTED)
    # timedelta keeps microseconds: allow that rounding, scaled back to real time.
    tolerance = 1e-6 * max(1.0, day_seconds / 86400) + real_seconds * 1e-9
    assert abs(delay.total_seconds() - real_seconds) <= tolerance


def test_a_deadline_lapses_at_the_end_of_the_working_day_in_kazakhstan() -> None:
    lapse = deadline_instant(date(2026, 4, 1))
    assert lapse.astimezone(KAZAKHSTAN).hour == 18
    assert lapse == datetime(2026, 4, 1, 13, 0, tzinfo=UTC)


# The risk rule

THRESHOLDS = RiskThresholds(above_bat_values=1, prior_violations=3, prior_grave_violations=1)


def test_no_risk_no_inspection() -> None:
    assert inspection_reasons(RiskFacts(0, 2, 0), THRESHOLDS) == []


def test_each_criterion_gives_its_reason() -> None:
    reasons = inspection_reasons(RiskFacts(2, 3, 1), THRESHOLDS)
    assert reasons == [
        "2 value(s) above the BAT-AEL (threshold 1)",
        "3 prior violation(s) (threshold 3)",
        "1 prior grave violation(s) (threshold 1)",
    ]


def test_a_zero_threshold_switches_its_criterion_off() -> None:
    off = RiskThresholds(above_bat_values=0, prior_violations=3, prior_grave_violations=1)
    assert inspection_reasons(RiskFacts(5, 0, 0), off) == []


# Emission limits of the permit


def _application(*values: tuple[int, float]) -> applicants_pb.Application:
    source = applicants_pb.EmissionSource(source_id="stack-1", source_type="kiln_preheater")
    for pollutant, concentration in values:
        source.emissions.add(
            pollutant=pollutant,
            concentration_mg_nm3=concentration,
            oxygen_percent=10,
            annual_tonnes=100,
        )
    return applicants_pb.Application(emission_sources=[source])


def _row(
    pollutant: int, normalised: float, verdict: int, **review: object
) -> reviews_pb.BatAssessmentRow:
    return reviews_pb.BatAssessmentRow(
        source_id="stack-1",
        pollutant=pollutant,  # type: ignore[arg-type]
        normalised_mg_nm3=normalised,
        reference_oxygen_percent=10,
        bat_ael_low=200,
        bat_ael_high=450,
        unit="mg/Nm3",
        verdict=verdict,  # type: ignore[arg-type]
        **review,  # type: ignore[arg-type]
    )


def _programme(application: applicants_pb.Application, pollutant: int) -> None:
    application.efficiency_programme.add(
        description="Wet FGD",
        due_date=date_pb2.Date(year=2029, month=12, day=31),
        source_id="stack-1",
        pollutant=pollutant,
    )


def test_under_a_programme_the_limit_steps_down_to_the_bat_level_by_the_milestone() -> None:
    application = _application((kz.POLLUTANT_SO2, 600))
    _programme(application, kz.POLLUTANT_SO2)
    row = _row(kz.POLLUTANT_SO2, 600, reviews_pb.BAT_VERDICT_ABOVE_UPPER_BOUND)
    [limit] = emission_limits(application, reviews_pb.BatAssessment(rows=[row]))
    # Not in breach on day one: the declared value until the milestone, the BAT level from it.
    assert limit.interim_limit_mg_nm3 == 600
    assert (limit.step_down_date.year, limit.step_down_date.month) == (2029, 12)
    assert limit.limit_mg_nm3 == 450
    assert limit.basis == kz.LIMIT_BASIS_EFFICIENCY_PROGRAMME


def test_an_eu_benchmark_is_not_written_into_the_permit_as_law() -> None:
    application = _application((kz.POLLUTANT_SO2, 600), (kz.POLLUTANT_NOX, 300))
    rows = [
        _row(kz.POLLUTANT_SO2, 600, reviews_pb.BAT_VERDICT_ABOVE_UPPER_BOUND),
        _row(kz.POLLUTANT_NOX, 300, reviews_pb.BAT_VERDICT_WITHIN_RANGE),
    ]
    limits = {
        limit.pollutant: limit
        for limit in emission_limits(application, reviews_pb.BatAssessment(rows=rows))
    }
    # Above the benchmark and no programme: the proposed standard stays, the benchmark beside it.
    assert limits[kz.POLLUTANT_SO2].limit_mg_nm3 == 600
    assert limits[kz.POLLUTANT_SO2].eu_benchmark_mg_nm3 == 450
    assert limits[kz.POLLUTANT_SO2].basis == kz.LIMIT_BASIS_PROPOSED_STANDARD
    assert limits[kz.POLLUTANT_NOX].limit_mg_nm3 == 300
    assert limits[kz.POLLUTANT_NOX].basis == kz.LIMIT_BASIS_PROPOSED_STANDARD


def test_a_kazakh_bat_conclusion_binds_the_limit() -> None:
    application = _application((kz.POLLUTANT_SO2, 600), (kz.POLLUTANT_NOX, 300))
    rows = [
        _row(kz.POLLUTANT_SO2, 600, reviews_pb.BAT_VERDICT_ABOVE_UPPER_BOUND),
        _row(kz.POLLUTANT_NOX, 300, reviews_pb.BAT_VERDICT_WITHIN_RANGE),
    ]
    for row in rows:
        row.basis = kz.BAT_BASIS_KZ_BAT_CONCLUSION
    limits = {
        limit.pollutant: limit
        for limit in emission_limits(application, reviews_pb.BatAssessment(rows=rows))
    }
    assert limits[kz.POLLUTANT_SO2].limit_mg_nm3 == 450
    assert limits[kz.POLLUTANT_SO2].basis == kz.LIMIT_BASIS_KZ_BAT_CONCLUSION
    assert limits[kz.POLLUTANT_SO2].eu_benchmark_mg_nm3 == 0
    assert limits[kz.POLLUTANT_NOX].limit_mg_nm3 == 300


def test_the_yearly_range_gives_the_step_down_level_where_there_is_one() -> None:
    application = _application((kz.POLLUTANT_NOX, 240))
    _programme(application, kz.POLLUTANT_NOX)
    row = _row(kz.POLLUTANT_NOX, 240, reviews_pb.BAT_VERDICT_ABOVE_UPPER_BOUND)
    row.yearly_low, row.yearly_high = 65, 150
    row.bat_ael_low, row.bat_ael_high = 85, 165
    [limit] = emission_limits(application, reviews_pb.BatAssessment(rows=[row]))
    assert (limit.interim_limit_mg_nm3, limit.limit_mg_nm3) == (240, 150)
    assert limit.daily_limit_mg_nm3 == 165  # both bind


def test_an_expert_stricter_than_the_arithmetic_never_raises_a_limit() -> None:
    application = _application((kz.POLLUTANT_SO2, 400))
    _programme(application, kz.POLLUTANT_SO2)
    row = _row(
        kz.POLLUTANT_SO2,
        400,
        reviews_pb.BAT_VERDICT_WITHIN_RANGE,
        expert_verdict=reviews_pb.BAT_VERDICT_ABOVE_UPPER_BOUND,
        expert_reason="Peaks above the range in the monitoring data.",
    )
    [limit] = emission_limits(application, reviews_pb.BatAssessment(rows=[row]))
    assert limit.limit_mg_nm3 == 400


def test_the_most_specific_milestone_sets_the_step_down_date() -> None:
    application = _application((kz.POLLUTANT_SO2, 600))
    _programme(application, kz.POLLUTANT_SO2)  # 2029-12-31, this source and pollutant
    application.efficiency_programme.add(
        description="Monitoring for the whole site",
        due_date=date_pb2.Date(year=2035, month=6, day=30),
    )
    row = _row(kz.POLLUTANT_SO2, 600, reviews_pb.BAT_VERDICT_ABOVE_UPPER_BOUND)
    [limit] = emission_limits(application, reviews_pb.BatAssessment(rows=[row]))
    assert limit.step_down_date.year == 2029


def test_an_experts_override_is_recorded_as_the_derogation() -> None:
    application = _application((kz.POLLUTANT_HCL, 700))
    row = _row(
        kz.POLLUTANT_HCL,
        700,
        reviews_pb.BAT_VERDICT_ABOVE_UPPER_BOUND,
        expert_verdict=reviews_pb.BAT_VERDICT_WITHIN_RANGE,
        expert_reason="Local fuel: disproportionate cost (Art. 15(4) analogue).",
    )
    [limit] = emission_limits(application, reviews_pb.BatAssessment(rows=[row]))
    assert limit.limit_mg_nm3 == 700
    assert limit.derogation_reason.startswith("Local fuel")
    assert limit.interim_limit_mg_nm3 == 0


def test_a_value_without_a_bat_ael_keeps_its_declared_limit_and_oxygen() -> None:
    application = _application((kz.POLLUTANT_CO, 80))
    [limit] = emission_limits(application, reviews_pb.BatAssessment())
    assert limit.limit_mg_nm3 == 80
    assert limit.reference_oxygen_percent == 10
    assert limit.annual_tonnes == 100


def test_nanogram_bat_aels_give_limits_in_milligrams() -> None:
    application = _application((kz.POLLUTANT_PCDD_F, 0.00000008))
    row = _row(kz.POLLUTANT_PCDD_F, 0.08, reviews_pb.BAT_VERDICT_WITHIN_RANGE)
    row.unit = "ng I-TEQ/Nm3"
    [limit] = emission_limits(application, reviews_pb.BatAssessment(rows=[row]))
    assert limit.limit_mg_nm3 == pytest.approx(0.00000008)
