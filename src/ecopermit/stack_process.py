"""`ecopermit up` as a child process: for the demo and for tests that need the whole stack."""

from __future__ import annotations

import asyncio
import contextlib
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field

_READY = b"Press Ctrl-C"


@dataclass
class RunningUp:
    """The `ecopermit up` process and every line it has printed so far (kept current)."""

    process: asyncio.subprocess.Process
    printed: list[str] = field(default_factory=list)
    _new_line: asyncio.Condition = field(default_factory=asyncio.Condition, repr=False)
    _reading: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def pid(self) -> int:
        return self.process.pid

    async def exited(self) -> int:
        """Waits until `up` exits and everything it printed has been read; its exit code."""
        code = await self.process.wait()
        if self._reading is not None:
            await self._reading
        return code

    def count(self, text: str) -> int:
        """How many printed lines contain text."""
        return sum(text in line for line in self.printed)

    async def until_printed(self, text: str, times: int = 1, quiet_seconds: float = 180) -> None:
        """Returns once `times` printed lines contain text. Waits as long as `up` keeps printing
        (a busy machine is slow, not stuck); gives up only after quiet_seconds with no new
        line, saying what it waited for and what was printed last."""
        async with self._new_line:
            while self.count(text) < times:
                try:
                    await asyncio.wait_for(self._another_line(len(self.printed)), quiet_seconds)
                except TimeoutError:
                    waited = f"{times} line(s) with {text!r} (seen {self.count(text)})"
                    raise _silent(waited, quiet_seconds, self.printed) from None

    async def _another_line(self, seen: int) -> None:
        await self._new_line.wait_for(lambda: len(self.printed) > seen)

    async def _add(self, line: str) -> None:
        async with self._new_line:
            self.printed.append(line)
            self._new_line.notify_all()


def _silent(waited: str, seconds: float, printed: list[str]) -> TimeoutError:
    """What a wait on `up` says when it gives up: what it waited for, and what came last."""
    last = "".join(printed[-5:])
    return TimeoutError(f"waited for {waited}; `up` printed nothing for {seconds:.0f} s: {last}")


@contextlib.asynccontextmanager
async def stack_running(
    environment: Mapping[str, str], start_timeout: float = 120
) -> AsyncIterator[RunningUp]:
    """Starts `ecopermit up`, waits until every component is healthy, yields it, and stops it
    as Ctrl-C would (SIGINT), killing it only if it does not stop in a minute. Starting may
    take as long as `up` keeps printing; start_timeout is the longest silence allowed."""
    up = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "ecopermit",
        "up",
        env=dict(environment),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    running = RunningUp(up)
    try:
        assert up.stdout is not None
        while not running.printed or _READY not in running.printed[-1].encode():
            try:
                line = await asyncio.wait_for(up.stdout.readline(), start_timeout)
            except TimeoutError:
                waited = f"{_READY.decode()!r} while starting"
                raise _silent(waited, start_timeout, running.printed) from None
            if not line:
                raise RuntimeError(f"ecopermit up exited before it was healthy: {running.printed}")
            await running._add(line.decode())
        # Keep reading, so that `up` never blocks on a full pipe and callers see its news.
        running._reading = asyncio.create_task(_keep_reading(up.stdout, running))
        yield running
    finally:
        if up.returncode is None:
            up.send_signal(signal.SIGINT)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(up.wait(), 60)
        if up.returncode is None:
            up.kill()
            await up.wait()
        if running._reading is not None:
            running._reading.cancel()


async def _keep_reading(stream: asyncio.StreamReader, running: RunningUp) -> None:
    while line := await stream.readline():
        await running._add(line.decode())
