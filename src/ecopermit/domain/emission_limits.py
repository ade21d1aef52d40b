"""Emission limit values of a permit, from the declared values and the reviewed BAT assessment."""

from __future__ import annotations

from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb

_NANOGRAMS_PER_MILLIGRAM = 1e6


def _to_milligrams(value: float, unit: str) -> float:
    return value / _NANOGRAMS_PER_MILLIGRAM if unit.startswith("ng") else value


def emission_limits(
    application: applicants_pb.Application, assessment: reviews_pb.BatAssessment
) -> list[applicants_pb.EmissionLimit]:
    """One limit per declared source and pollutant.

    Within or below range: the declared value, at the BAT-AEL's reference O2. Above range by the
    expert's verdict: the BAT-AEL upper bound, which the efficiency programme must reach. Above
    range by the automatic assessment but overridden by the expert: the declared value, with the
    expert's reason recorded as the derogation (IED Art. 15(4) style). No BAT-AEL: the declared
    value at the declared O2.
    """
    rows = {(row.source_id, row.pollutant): row for row in assessment.rows}
    limits = []
    for source in application.emission_sources:
        for emission in source.emissions:
            limit = applicants_pb.EmissionLimit(
                source_id=source.source_id,
                pollutant=emission.pollutant,
                annual_tonnes=emission.annual_tonnes,
            )
            row = rows.get((source.source_id, emission.pollutant))
            if row is None or row.verdict == reviews_pb.BAT_VERDICT_NO_BAT_AEL:
                limit.limit_mg_nm3 = emission.concentration_mg_nm3
                limit.reference_oxygen_percent = emission.oxygen_percent
                limits.append(limit)
                continue
            verdict = row.expert_verdict or row.verdict
            declared = _to_milligrams(row.normalised_mg_nm3, row.unit)
            limit.reference_oxygen_percent = row.reference_oxygen_percent
            if verdict == reviews_pb.BAT_VERDICT_ABOVE_UPPER_BOUND:
                limit.limit_mg_nm3 = _to_milligrams(row.bat_ael_high, row.unit)
            else:
                limit.limit_mg_nm3 = declared
                if row.verdict == reviews_pb.BAT_VERDICT_ABOVE_UPPER_BOUND:
                    limit.derogation_reason = row.expert_reason
            limits.append(limit)
    return limits
