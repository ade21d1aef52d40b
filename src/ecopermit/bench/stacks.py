"""The stacks a benchmark runs against: each on free loopback ports and in its own directory,
so that no figure depends on what an earlier run or a running `ecopermit up` left behind."""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from ecopermit.runtime.grpc.health import wait_until_serving
from ecopermit.runtime.settings import Settings, TracesExporter
from ecopermit.stack import TEMPORAL_HEALTH_SERVICE, temporal_component
from ecopermit.stack_process import RunningUp, stack_running


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports: every probe stays bound until all are chosen, so no two
    components of one stack are given the same port (probing one at a time, the kernel may hand
    out a port again as soon as its probe closes)."""
    with contextlib.ExitStack() as probes:
        ports = []
        for _ in range(count):
            probe = probes.enter_context(socket.socket())
            probe.bind(("127.0.0.1", 0))
            ports.append(int(probe.getsockname()[1]))
        return ports


def free_port() -> int:
    (port,) = free_ports(1)
    return port


def isolated_settings(data_dir: Path, day_seconds: float, tracing: bool) -> Settings:
    """The caller's settings, except for a fresh data directory with its own SQLite databases,
    free ports, the calendar and whether spans are recorded (to the span file) at all."""
    ports = free_ports(7)
    return Settings(
        data_dir=data_dir,
        applicants_database_url="",
        reviews_database_url="",
        inspections_database_url="",
        host="127.0.0.1",
        applicants_address="",
        reviews_address="",
        inspections_address="",
        temporal_address=f"127.0.0.1:{ports[0]}",
        temporal_ui_port=ports[1],
        applicants_port=ports[2],
        reviews_port=ports[3],
        inspections_port=ports[4],
        worker_port=ports[5],
        gateway_port=ports[6],
        statutory_day_seconds=day_seconds,
        traces_exporter=TracesExporter.FILE if tracing else TracesExporter.NONE,
    )


def environment_of(settings: Settings) -> dict[str, str]:
    """The environment in which `ecopermit up` runs with these isolated settings: the caller's,
    with every setting `isolated_settings` chooses written over it."""
    chosen = {
        "data_dir": str(settings.data_dir),
        "applicants_database_url": "",
        "reviews_database_url": "",
        "inspections_database_url": "",
        "host": settings.host,
        "applicants_address": "",
        "reviews_address": "",
        "inspections_address": "",
        "temporal_address": settings.temporal_address,
        "temporal_ui_port": str(settings.temporal_ui_port),
        "applicants_port": str(settings.applicants_port),
        "reviews_port": str(settings.reviews_port),
        "inspections_port": str(settings.inspections_port),
        "worker_port": str(settings.worker_port),
        "gateway_port": str(settings.gateway_port),
        "statutory_day_seconds": str(settings.statutory_day_seconds),
        "traces_exporter": settings.traces_exporter.value,
    }
    return dict(os.environ) | {f"ECOPERMIT_{name.upper()}": value for name, value in chosen.items()}


@dataclass
class BenchStack:
    settings: Settings
    up: RunningUp


@contextlib.asynccontextmanager
async def bench_stack(
    data_dir: Path, day_seconds: float, tracing: bool
) -> AsyncIterator[BenchStack]:
    """`ecopermit up` on its own ports and data, stopped (Ctrl-C) when the block ends."""
    settings = isolated_settings(data_dir, day_seconds, tracing)
    async with stack_running(environment_of(settings)) as up:
        yield BenchStack(settings, up)


@contextlib.asynccontextmanager
async def temporal_alone(data_dir: Path) -> AsyncIterator[tuple[Settings, int]]:
    """The Temporal dev server exactly as the stack starts it, and nothing else; its pid."""
    settings = isolated_settings(data_dir, 1.0, tracing=False)
    temporal = temporal_component(settings)
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    process = await asyncio.create_subprocess_exec(
        *temporal.command, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.DEVNULL
    )
    try:
        await wait_until_serving(settings.temporal_address, TEMPORAL_HEALTH_SERVICE)
        yield settings, process.pid
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


@contextlib.asynccontextmanager
async def module_process(module: str, *arguments: str) -> AsyncIterator[tuple[int, str]]:
    """`python -m module arguments` until the block ends; its pid and the first line it
    prints, which it prints once it is ready."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", module, *arguments, stdout=asyncio.subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        ready = (await asyncio.wait_for(process.stdout.readline(), 60)).decode()
        if not ready:
            raise RuntimeError(f"{module} exited with code {await process.wait()}")
        yield process.pid, ready
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()
