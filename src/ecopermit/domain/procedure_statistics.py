"""What the Committee reports on its procedure, from the applications' stage histories: how long
each stage took (p50, p90), and which applications are late, nearly late or not moving."""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Turnaround:
    """How long applications stayed in a stage they have left, in calendar hours."""

    stage: int
    left: int
    p50_hours: float
    p90_hours: float


def percentile(ordered: Sequence[float], fraction: float) -> float:
    """The nearest-rank percentile of values in ascending order (at least one)."""
    return ordered[max(math.ceil(fraction * len(ordered)) - 1, 0)]


def turnarounds(histories: Iterable[Sequence[tuple[int, datetime]]]) -> list[Turnaround]:
    """Per stage, the time from entering it to entering the next, over every application's
    history (stage, entered) in order; a stage not yet left does not count."""
    hours: dict[int, list[float]] = {}
    for history in histories:
        for (stage, entered), (_, left) in itertools.pairwise(history):
            hours.setdefault(stage, []).append((left - entered) / timedelta(hours=1))
    found = []
    for stage, values in sorted(hours.items()):
        values.sort()
        found.append(
            Turnaround(stage, len(values), percentile(values, 0.5), percentile(values, 0.9))
        )
    return found


def stuck_since(
    histories: Mapping[str, Sequence[tuple[int, datetime]]],
    finished: frozenset[int],
    before: datetime,
) -> dict[str, datetime]:
    """The applications not finished whose last change of stage came before `before`, with
    that change's time."""
    return {
        application: history[-1][1]
        for application, history in histories.items()
        if history and history[-1][0] not in finished and history[-1][1] < before
    }
