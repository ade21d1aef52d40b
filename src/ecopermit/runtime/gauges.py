"""Gauges of what a service's database holds, refreshed in the background for the exporter."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Iterable

from opentelemetry import metrics
from opentelemetry.instrumentation.utils import suppress_instrumentation
from opentelemetry.metrics import CallbackOptions, Observation

logger = logging.getLogger(__name__)

Counts = dict[str, int]


class DatabaseGauge:
    """An observable gauge over counts a query returns, e.g. applications per stage.

    Metric callbacks run synchronously in the exporter's thread and cannot await a query, so
    a task refreshes the counts and the callback reports the latest.
    """

    def __init__(
        self,
        name: str,
        description: str,
        attribute: str,
        query: Callable[[], Awaitable[Counts]],
        interval_seconds: float,
    ) -> None:
        self._attribute = attribute
        self._query = query
        self._interval = interval_seconds
        self._counts: Counts = {}
        metrics.get_meter(__name__).create_observable_gauge(
            name, callbacks=[self._observe], description=description
        )

    def _observe(self, options: CallbackOptions) -> Iterable[Observation]:
        return [Observation(count, {self._attribute: key}) for key, count in self._counts.items()]

    async def refresh(self) -> Counts:
        with suppress_instrumentation():  # a periodic count is no one's request
            self._counts = await self._query()
        return self._counts

    async def run(self) -> None:
        while True:
            try:
                await self.refresh()
            except Exception:
                logger.exception("refreshing a gauge failed; keeping the last counts")
            await asyncio.sleep(self._interval)
