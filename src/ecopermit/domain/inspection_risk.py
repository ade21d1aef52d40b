"""The risk rule: whether an application needs a pre-permit site inspection, and why."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class RiskThresholds:
    """Counts at which an inspection is ordered; from the rules of procedure."""

    above_bat_values: int
    prior_violations: int
    prior_grave_violations: int


@dataclass(frozen=True)
class RiskFacts:
    """What is known of the applicant before the decision."""

    # Declared values above their BAT-AEL after the BAT expert's review.
    above_bat_values: int
    # Violations recorded at the enterprise's earlier inspections.
    prior_violations: int
    prior_grave_violations: int


def inspection_reasons(facts: RiskFacts, thresholds: RiskThresholds) -> list[str]:
    """The reasons to inspect; an empty list means no inspection is needed.

    A threshold of 0 switches its criterion off, so a rules version can drop one without code.
    """
    criteria = (
        (facts.above_bat_values, thresholds.above_bat_values, "value(s) above the BAT-AEL"),
        (facts.prior_violations, thresholds.prior_violations, "prior violation(s)"),
        (
            facts.prior_grave_violations,
            thresholds.prior_grave_violations,
            "prior grave violation(s)",
        ),
    )
    return [
        f"{count} {what} (threshold {threshold})"
        for count, threshold, what in criteria
        if threshold > 0 and count >= threshold
    ]
