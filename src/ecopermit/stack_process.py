"""`ecopermit up` as a child process: for the demo and for tests that need the whole stack."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import AsyncIterator, Mapping

_READY = b"Press Ctrl-C"


@contextlib.asynccontextmanager
async def stack_running(
    environment: Mapping[str, str], start_timeout: float = 120
) -> AsyncIterator[list[str]]:
    """Starts `ecopermit up`, waits until every component is healthy, yields what it printed,
    and stops it as Ctrl-C would (SIGINT), killing it only if it does not stop in a minute."""
    up = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ecopermit",
        "up",
        env=dict(environment),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    try:
        assert up.stdout is not None
        printed: list[str] = []
        while not printed or _READY not in printed[-1].encode():
            line = await asyncio.wait_for(up.stdout.readline(), start_timeout)
            if not line:
                raise RuntimeError(f"ecopermit up exited before it was healthy: {printed}")
            printed.append(line.decode())
        yield printed
    finally:
        if up.returncode is None:
            up.send_signal(signal.SIGINT)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(up.communicate(), 60)
        if up.returncode is None:
            up.kill()
            await up.wait()
