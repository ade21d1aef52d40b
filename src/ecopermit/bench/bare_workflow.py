"""The baseline for the pipeline: a bare Temporal workflow that goes through the same count of
activities, local activities, timers and updates as a permit workflow did, with empty bodies.

Run its worker as a process of its own, as the permit worker is:
    python -m ecopermit.bench.bare_workflow worker ADDRESS TASK_QUEUE
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from datetime import timedelta

from temporalio import activity, workflow
from temporalio.client import Client
from temporalio.worker import Worker

from ecopermit.bench.workflow_shape import WorkflowShape

_TIMEOUT = timedelta(seconds=60)
_SHORTEST_TIMER = timedelta(milliseconds=1)


@activity.defn(name="bench.nothing")
async def nothing() -> None:
    return None


@workflow.defn(name="bench.BareWorkflow")
class BareWorkflow:
    def __init__(self) -> None:
        self._updates = 0

    @workflow.run
    async def run(self, shape: WorkflowShape) -> None:
        for _ in range(shape.activities):
            await workflow.execute_activity(nothing, start_to_close_timeout=_TIMEOUT)
        for _ in range(shape.local_activities):
            await workflow.execute_local_activity(nothing, start_to_close_timeout=_TIMEOUT)
        for _ in range(shape.timers):
            await workflow.sleep(_SHORTEST_TIMER)
        await workflow.wait_condition(lambda: self._updates >= shape.updates)

    @workflow.update(name="bench.poke")
    def poke(self) -> None:
        self._updates += 1


async def run_bare_worker(address: str, task_queue: str) -> None:
    """Polls until SIGTERM or SIGINT; prints a line once polling, for whoever started it."""
    client = await Client.connect(address)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    async with Worker(
        client, task_queue=task_queue, workflows=[BareWorkflow], activities=[nothing]
    ):
        print("bare worker polling", flush=True)
        await stop.wait()


if __name__ == "__main__":
    if sys.argv[1:2] != ["worker"] or len(sys.argv) != 4:
        sys.exit("usage: python -m ecopermit.bench.bare_workflow worker ADDRESS TASK_QUEUE")
    asyncio.run(run_bare_worker(sys.argv[2], sys.argv[3]))
    # The worker has shut down; skip interpreter teardown, where the Temporal client's native
    # threads can abort the process (temporalio/sdk-python#300).
    sys.stdout.flush()
    os._exit(0)
