"""What an application's list of emission sources must hold beyond each source's own rules."""

from __future__ import annotations

from collections.abc import Sequence

from ecopermit.domain.errors import FieldViolation


def repeated_source_violations(source_ids: Sequence[str]) -> list[FieldViolation]:
    """A source id given twice, at each place after the first: limits and monitoring are per
    source, so two sources cannot share an id."""
    seen: set[str] = set()
    violations = []
    for index, source_id in enumerate(source_ids):
        if source_id in seen:
            violations.append(
                FieldViolation(
                    f"emission_sources[{index}].source_id",
                    f"source id {source_id} appears twice",
                    "source_id.unique",
                )
            )
        seen.add(source_id)
    return violations
