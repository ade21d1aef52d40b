"""Peak resident memory of running processes, sampled while a benchmark runs."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable

import psutil

# A process's role from its command line: the first of these word pairs it contains.
_ROLES = [
    (("server", "start-dev"), "temporal"),
    (("ecopermit", "worker"), "worker"),
    (("serve", "applicants"), "applicants"),
    (("serve", "reviews"), "reviews"),
    (("serve", "inspections"), "inspections"),
    (("serve", "gateway"), "gateway"),
    (("ecopermit.bench.bare_workflow", "worker"), "bare worker"),
    (("ecopermit.bench.echo_server", "serve"), "echo server"),
]


def role_of(command: list[str]) -> str | None:
    """Which part of the stack (or of a baseline) a command line runs, if any."""
    for (first, second), role in _ROLES:
        if first in command and second in command:
            return role
    return None


def _sample(roots: Callable[[], list[int]], peaks: dict[str, int]) -> None:
    for root in roots():
        with contextlib.suppress(psutil.Error):
            parent = psutil.Process(root)
            for process in [parent, *parent.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    role = role_of(process.cmdline())
                    if role is not None:
                        peaks[role] = max(peaks.get(role, 0), process.memory_info().rss)


@contextlib.asynccontextmanager
async def peak_rss(
    roots: Callable[[], list[int]], every_seconds: float = 1.0
) -> AsyncIterator[dict[str, int]]:
    """Bytes, by role, at the highest sample of each process under `roots` (and the roots)
    while the block runs; filled in as it runs and final when it ends."""
    peaks: dict[str, int] = {}

    async def keep_sampling() -> None:
        while True:
            await asyncio.to_thread(_sample, roots, peaks)
            await asyncio.sleep(every_seconds)

    sampling = asyncio.create_task(keep_sampling())
    try:
        yield peaks
    finally:
        sampling.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sampling
        await asyncio.to_thread(_sample, roots, peaks)
