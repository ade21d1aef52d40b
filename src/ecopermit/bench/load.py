"""Closed-loop load: a fixed number of callers, each sending its next request as soon as its
last one is answered, until a fixed number of requests is done."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from ecopermit.bench.latency import Latency


@dataclass(frozen=True)
class Throughput:
    requests: int
    concurrency: int
    seconds: float
    per_second: float
    latency: Latency


async def drive(
    call: Callable[[int], Awaitable[object]], requests: int, concurrency: int
) -> Throughput:
    """Calls `call(i)` for i in range(requests), `concurrency` at a time; any failure stops it."""
    numbers = iter(range(requests))
    latencies: list[float] = []

    async def caller() -> None:
        for number in numbers:  # shared: each number is taken by one caller only
            sent = time.perf_counter()
            await call(number)
            latencies.append(time.perf_counter() - sent)

    started = time.perf_counter()
    async with asyncio.TaskGroup() as callers:
        for _ in range(concurrency):
            callers.create_task(caller())
    seconds = time.perf_counter() - started
    return Throughput(
        requests=requests,
        concurrency=concurrency,
        seconds=seconds,
        per_second=requests / seconds,
        latency=Latency.of(latencies),
    )
