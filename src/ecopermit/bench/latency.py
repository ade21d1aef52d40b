"""Latency samples summarised as the figures a benchmark reports: count, p50, p99, mean."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile: the smallest sample at or above `fraction` of them."""
    if not samples:
        raise ValueError("no samples")
    ordered = sorted(samples)
    rank = max(math.ceil(fraction * len(ordered)), 1)
    return ordered[rank - 1]


@dataclass(frozen=True)
class Latency:
    """Seconds, summarised."""

    count: int
    p50: float
    p99: float
    mean: float

    @classmethod
    def of(cls, samples: Sequence[float]) -> Latency:
        return cls(
            count=len(samples),
            p50=percentile(samples, 0.50),
            p99=percentile(samples, 0.99),
            mean=sum(samples) / len(samples),
        )
