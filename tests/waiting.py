"""Waiting on progress, not on a wall clock: the machine is shared and sometimes slow, so a test
waits as long as what it watches keeps moving and gives up only when it has stood still, saying
what it was waiting for and where things stood."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")

# How long nothing may move before a wait gives up: minutes of silence mean stuck, not slow.
QUIET_SECONDS = 180.0


class StoodStillError(AssertionError):
    """What a test waited for never came, and nothing moved towards it for QUIET_SECONDS."""


async def until(
    look: Callable[[], Awaitable[tuple[T | None, object]]],
    waiting_for: str,
    quiet_seconds: float = QUIET_SECONDS,
    every_seconds: float = 0.1,
) -> T:
    """Calls look() until it returns a result. look returns (result or None, where things
    stand); each change of where things stand counts as progress and restarts the clock."""
    last_state: object = None
    last_move = time.monotonic()
    while True:
        result, state = await look()
        if result is not None:
            return result
        if state != last_state:
            last_state, last_move = state, time.monotonic()
        elif time.monotonic() - last_move > quiet_seconds:
            raise StoodStillError(
                f"waited for {waiting_for}; nothing moved for {quiet_seconds:.0f} s, "
                f"last seen: {last_state}"
            )
        await asyncio.sleep(every_seconds)
