"""Benchmark 1: applications carried end to end through the public API by the scripted actors,
and the same count of workflow steps run by a bare workflow on a bare Temporal server."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from temporalio.client import Client

from ecopermit.applicants.v1 import applicant_service_pb2 as applicants_api
from ecopermit.applicants.v1 import applicant_service_pb2_grpc
from ecopermit.bench.bare_workflow import BareWorkflow
from ecopermit.bench.latency import Latency
from ecopermit.bench.memory import peak_rss
from ecopermit.bench.stacks import BenchStack, module_process, temporal_alone
from ecopermit.bench.workflow_shape import WorkflowShape, shape_of
from ecopermit.demo.dataset import Pending
from ecopermit.demo.run import carry_to_decisions
from ecopermit.domain.stages import stage_name
from ecopermit.runtime.grpc.channels import service_channel
from ecopermit.runtime.identity import Principal, Role
from ecopermit.runtime.settings import ServiceName, Settings
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.workflows.contract import permit_workflow_id

_MIB = 1024 * 1024
# At a thousand applications, staff who look at an empty inbox ten times a second would be
# most of the load; these are the rates the fault test runs 200 applications at.
_BOARD_POLL_SECONDS = 1.0
_STAFF_POLL_SECONDS = 0.5
_BARE_TASK_QUEUE = "bench-bare"
# Histories fetched at once, and bare workflows driven at once, from this process.
_CLIENT_CONCURRENCY = 32
_BAR = (
    TextColumn("{task.description:<22}"),
    BarColumn(),
    MofNCompleteColumn(),
    TimeElapsedColumn(),
)


@dataclass(frozen=True)
class PipelineRun:
    """One run of N applications from submission to decision."""

    applications: int
    seconds: float
    per_second: float
    decisions: dict[str, int]
    # Real seconds an application spent in each stage it went through.
    stage_seconds: dict[str, Latency]
    peak_rss_mib: dict[str, float]


@dataclass(frozen=True)
class BareRun:
    """The same workflow steps with empty bodies: Temporal's own cost for this work."""

    workflows: int
    seconds: float
    per_second: float
    workflow_seconds: Latency
    steps: dict[str, int]
    peak_rss_mib: dict[str, float]


async def carry_pipeline(
    stack: BenchStack, pending: Sequence[Pending], console: Console, stall_seconds: float
) -> tuple[PipelineRun, list[WorkflowShape]]:
    """Every application submitted at once and worked until decided; then how long each spent
    in each stage, and what each workflow did (for the baseline)."""
    settings = stack.settings
    async with peak_rss(lambda: [stack.up.pid]) as peaks:
        started = time.perf_counter()
        outcomes = await carry_to_decisions(
            settings,
            console,
            settings.statutory_day_seconds,
            stall_seconds,
            pending,
            board_poll_seconds=_BOARD_POLL_SECONDS,
            staff_poll_seconds=_STAFF_POLL_SECONDS,
        )
        seconds = time.perf_counter() - started
    applications = [o.application for o in outcomes]
    run = PipelineRun(
        applications=len(outcomes),
        seconds=seconds,
        per_second=len(outcomes) / seconds,
        decisions=dict(Counter(o.decision for o in outcomes)),
        stage_seconds=await _stage_seconds(settings, set(applications)),
        peak_rss_mib={role: rss / _MIB for role, rss in sorted(peaks.items())},
    )
    return run, await _workflow_shapes(settings, applications)


async def _stage_seconds(settings: Settings, applications: set[str]) -> dict[str, Latency]:
    ops = TokenIssuer.from_settings(settings).mint(Principal("bench-ops", Role.OPS))
    metadata = (("authorization", f"Bearer {ops}"),)
    spent: dict[int, list[float]] = defaultdict(list)
    async with service_channel(settings, ServiceName.APPLICANTS) as channel:
        stub = applicant_service_pb2_grpc.ApplicantServiceStub(channel)
        page_token = ""
        while True:
            page = await stub.ListApplications(
                applicants_api.ListApplicationsRequest(page_size=500, page_token=page_token),
                metadata=metadata,
            )
            for application in page.applications:
                if application.name.removeprefix("applications/") not in applications:
                    continue
                for entry, following in itertools.pairwise(application.stage_history):
                    stay = following.enter_time.ToDatetime() - entry.enter_time.ToDatetime()
                    spent[entry.stage].append(stay.total_seconds())
            page_token = page.next_page_token
            if not page_token:
                break
    # In the order of the stage enum, which is the order of the procedure.
    return {stage_name(stage): Latency.of(spent[stage]) for stage in sorted(spent)}


async def _workflow_shapes(settings: Settings, applications: list[str]) -> list[WorkflowShape]:
    client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    limit = asyncio.Semaphore(_CLIENT_CONCURRENCY)

    async def shape(application: str) -> WorkflowShape:
        async with limit:
            handle = client.get_workflow_handle(permit_workflow_id(application))
            return shape_of(await handle.fetch_history())

    return list(await asyncio.gather(*(shape(a) for a in applications)))


async def run_bare(shapes: Sequence[WorkflowShape], data_dir: Path, console: Console) -> BareRun:
    """Each shape run once by BareWorkflow, all at once, its updates sent as soon as it starts,
    on a fresh dev server of its own with a worker in a process of its own."""
    async with temporal_alone(data_dir) as (settings, temporal_pid):
        worker = module_process(
            "ecopermit.bench.bare_workflow", "worker", settings.temporal_address, _BARE_TASK_QUEUE
        )
        async with worker as (worker_pid, _), peak_rss(lambda: [temporal_pid, worker_pid]) as peaks:
            with Progress(*_BAR, console=console) as progress:
                bar = progress.add_task("bare workflows", total=len(shapes))
                seconds, durations = await _drive_bare(
                    settings, shapes, lambda: progress.advance(bar)
                )
    steps = Counter[str]()
    for shape in shapes:
        steps.update(
            activities=shape.activities,
            local_activities=shape.local_activities,
            timers=shape.timers,
            updates=shape.updates,
        )
    return BareRun(
        workflows=len(shapes),
        seconds=seconds,
        per_second=len(shapes) / seconds,
        workflow_seconds=Latency.of(durations),
        steps=dict(steps),
        peak_rss_mib={role: rss / _MIB for role, rss in sorted(peaks.items())},
    )


async def _drive_bare(
    settings: Settings, shapes: Sequence[WorkflowShape], finished: Callable[[], None]
) -> tuple[float, list[float]]:
    client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    limit = asyncio.Semaphore(_CLIENT_CONCURRENCY)
    durations: list[float] = []

    async def one(number: int, shape: WorkflowShape) -> None:
        began = time.perf_counter()
        async with limit:
            handle = await client.start_workflow(
                BareWorkflow.run, shape, id=f"bare-{number}", task_queue=_BARE_TASK_QUEUE
            )
            for _ in range(shape.updates):
                await handle.execute_update(BareWorkflow.poke)
        await handle.result()
        durations.append(time.perf_counter() - began)
        finished()

    started = time.perf_counter()
    await asyncio.gather(*(one(n, shape) for n, shape in enumerate(shapes)))
    return time.perf_counter() - started, durations
