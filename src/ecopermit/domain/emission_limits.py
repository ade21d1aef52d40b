"""Emission limit values of a permit, from the declared values, the reviewed BAT assessment and
the efficiency programme (ППЭЭ).

Under EC Art. 113 the law is the Kazakh BAT conclusions; an EU BAT-AEL is a benchmark, so a
permit never caps a value at one as if it were law. Under a programme the limit steps down: the
declared value until the milestone, the programme's target (the BAT-AEL's upper bound) from it,
so that a plant whose programme is approved is not in breach on its first day.
"""

from __future__ import annotations

from datetime import date

from google.type import date_pb2

from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.type.v1 import kazakhstan_pb2 as kz

_NANOGRAMS_PER_MILLIGRAM = 1e6


def _to_milligrams(value: float, unit: str) -> float:
    return value / _NANOGRAMS_PER_MILLIGRAM if unit.startswith("ng") else value


def _assessed_high(row: reviews_pb.BatAssessmentRow) -> float:
    """The upper end the verdict used: the yearly range's where there is one, else the range's."""
    return row.yearly_high if row.yearly_high else row.bat_ael_high


def _milestone(
    application: applicants_pb.Application, source_id: str, pollutant: int
) -> date_pb2.Date | None:
    """The date by which the programme brings the value to the BAT level: that of the most
    specific milestone covering it (this source and pollutant, then this source, then the
    pollutant installation-wide, then the whole installation), the latest if several."""
    for wanted_source, wanted_pollutant in (
        (source_id, pollutant),
        (source_id, 0),
        ("", pollutant),
        ("", 0),
    ):
        dates = [
            m.due_date
            for m in application.efficiency_programme
            if (m.source_id, m.pollutant) == (wanted_source, wanted_pollutant)
        ]
        if dates:
            return max(dates, key=lambda d: date(d.year, d.month, d.day))
    return None


def emission_limits(
    application: applicants_pb.Application, assessment: reviews_pb.BatAssessment
) -> list[applicants_pb.EmissionLimit]:
    """One limit per declared source and pollutant.

    - No BAT-AEL: the declared value at the declared O2, the proposed standard.
    - Within or below range: the declared value at the BAT-AEL's reference O2; a Kazakh
      conclusion's where the row is one, else the proposed standard beside the EU benchmark.
    - Above range by the automatic assessment but not by the BAT expert: the declared value, the
      expert's reason recorded as the derogation.
    - Above range with a programme milestone covering it: the declared value as the interim
      limit until the milestone, the BAT-AEL's upper bound from it (the yearly one where there
      is one, with the daily one beside it: both bind).
    - Above range with no programme: a Kazakh conclusion's upper bound (the law, breached); an
      EU benchmark's is not law here, so the proposed standard stays, beside the benchmark.
    """
    rows = {(row.source_id, row.pollutant): row for row in assessment.rows}
    limits = []
    for source in application.emission_sources:
        for emission in source.emissions:
            limit = applicants_pb.EmissionLimit(
                source_id=source.source_id,
                pollutant=emission.pollutant,
                annual_tonnes=emission.annual_tonnes,
                basis=kz.LIMIT_BASIS_PROPOSED_STANDARD,
            )
            row = rows.get((source.source_id, emission.pollutant))
            if row is None or row.verdict == reviews_pb.BAT_VERDICT_NO_BAT_AEL:
                limit.limit_mg_nm3 = emission.concentration_mg_nm3
                limit.reference_oxygen_percent = emission.oxygen_percent
                limits.append(limit)
                continue
            _within_or_stepped(limit, row, application)
            limits.append(limit)
    return limits


def _within_or_stepped(
    limit: applicants_pb.EmissionLimit,
    row: reviews_pb.BatAssessmentRow,
    application: applicants_pb.Application,
) -> None:
    binding = row.basis == kz.BAT_BASIS_KZ_BAT_CONCLUSION
    declared = _to_milligrams(row.normalised_mg_nm3, row.unit)
    high = _to_milligrams(_assessed_high(row), row.unit)
    limit.reference_oxygen_percent = row.reference_oxygen_percent
    if not binding:
        limit.eu_benchmark_mg_nm3 = high
    limit.limit_mg_nm3 = declared
    if binding:
        limit.basis = kz.LIMIT_BASIS_KZ_BAT_CONCLUSION
    verdict = row.expert_verdict or row.verdict
    if verdict != reviews_pb.BAT_VERDICT_ABOVE_UPPER_BOUND:
        if row.verdict == reviews_pb.BAT_VERDICT_ABOVE_UPPER_BOUND:
            limit.derogation_reason = row.expert_reason
        return
    milestone = _milestone(application, row.source_id, row.pollutant)
    # The expert may call a value above range that the arithmetic put within: never raise it.
    bat_level = min(declared, high)
    daily = _to_milligrams(row.bat_ael_high, row.unit) if row.yearly_high else 0.0
    if milestone is not None:
        limit.basis = kz.LIMIT_BASIS_EFFICIENCY_PROGRAMME
        limit.interim_limit_mg_nm3 = declared
        limit.step_down_date.CopyFrom(milestone)
        limit.limit_mg_nm3 = bat_level
        limit.daily_limit_mg_nm3 = daily
    elif binding:
        limit.limit_mg_nm3 = bat_level
        limit.daily_limit_mg_nm3 = daily
    else:
        limit.basis = kz.LIMIT_BASIS_PROPOSED_STANDARD
