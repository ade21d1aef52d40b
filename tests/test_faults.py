"""Fault tests: every process of the stack killed with SIGKILL while applications are on their
way (200 with `make faults`, fewer in `make test`), and nothing is lost or done twice."""

from __future__ import annotations

import asyncio
import contextlib
import io
import itertools
import os
import random
import sqlite3
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from rich.console import Console

from ecopermit.demo.dataset import scaled_applications
from ecopermit.demo.run import Outcome, carry_to_decisions
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.runtime.identity import Principal, Role
from ecopermit.runtime.settings import Settings
from ecopermit.runtime.temporal import connect_temporal
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.stack_process import RunningUp, stack_running
from ecopermit.workflows.contract import permit_workflow_id
from tests.running_stack import component_process
from tests.waiting import until

pytestmark = [pytest.mark.processes, pytest.mark.faults]

# `make faults` sends 200; `make test` sends 60, which keeps CI within its time and still has
# every kill land while applications are in flight (the test checks that it did).
APPLICATIONS = int(os.environ.get("ECOPERMIT_FAULT_APPLICATIONS", "200"))
DAY_SECONDS = 0.5  # twice the demo's, so that 200 at once keep their deadlines
# Each is killed in turn, once the previous one is back: (name in up's output, command words).
VICTIMS = [
    ("worker", ("ecopermit", "worker")),
    ("applicants", ("serve", "applicants")),
    ("reviews", ("serve", "reviews")),
    ("inspections", ("serve", "inspections")),
    ("gateway", ("serve", "gateway")),
    ("temporal", ("server", "start-dev")),
]
DECIDED = {"approved", "refused", "withdrawn"}
TASK_OPEN, TASK_CLAIMED = reviews_pb.TASK_STATE_OPEN, reviews_pb.TASK_STATE_CLAIMED
TASK_CANCELLED = reviews_pb.TASK_STATE_CANCELLED


async def kill_each_in_turn(up: RunningUp, back_at: dict[str, float]) -> datetime:
    """SIGKILL every component once, a few seconds apart, each after the last is back; returns
    when (UTC) the last was back."""
    loop = asyncio.get_running_loop()
    await asyncio.sleep(10)  # submissions under way, workflows running
    for name, words in VICTIMS:
        comebacks = up.count(f"{name} back on")
        component_process(up.pid, *words).kill()
        await up.until_printed(f"{name} back on", comebacks + 1)
        back_at[name] = loop.time()
        await asyncio.sleep(4)
    return datetime.now(UTC)


async def read_through_the_gateway(
    gateway: str, token: str, answers: list[tuple[float, int]], stop: asyncio.Event
) -> None:
    """A person refreshing status pages throughout: (when, HTTP status; 0 for no answer)."""
    loop = asyncio.get_running_loop()
    headers = {"authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=gateway, headers=headers, timeout=10) as client:
        while not stop.is_set():
            try:
                listed = await client.get("/v1/applications", params={"pageSize": "20"})
                answers.append((loop.time(), listed.status_code))
            except httpx.TransportError:
                answers.append((loop.time(), 0))
            await asyncio.sleep(0.5)


@contextlib.contextmanager
def database(path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        yield connection
    finally:
        connection.close()


def overlapping_tasks(reviews_db: Path) -> list[str]:
    """Tasks of one application and kind alive at the same time: a step done twice."""
    with database(reviews_db) as db:
        rows = db.execute(
            "SELECT application_id, kind, id, state, create_time, complete_time FROM tasks"
        ).fetchall()
    by_step: dict[tuple[str, int], list[tuple[str, int, str, str | None]]] = defaultdict(list)
    for application, kind, task, state, created, completed in rows:
        by_step[(application, kind)].append((task, state, created, completed))
    found = []
    for (application, kind), tasks in by_step.items():
        if kind == reviews_pb.TASK_KIND_ESCALATION:
            continue  # one per lapsed deadline: several may be open at once, by design
        tasks.sort(key=lambda t: t[2])
        for (first, state, _, ended), (second, _, started, _) in itertools.pairwise(tasks):
            if state != TASK_CANCELLED and (
                ended is None or datetime.fromisoformat(started) < datetime.fromisoformat(ended)
            ):
                found.append(f"{application} kind {kind}: {first} and {second}")
    return found


@pytest.mark.timeout(900)
async def test_killing_every_process_loses_nothing_and_duplicates_nothing(
    stack_environment: dict[str, str],
) -> None:
    environment = {
        **stack_environment,
        "ECOPERMIT_STATUTORY_DAY_SECONDS": str(DAY_SECONDS),
        # The span file is not what this test looks at, and writing it costs CPU.
        "ECOPERMIT_TRACES_EXPORTER": "none",
    }
    data = Path(environment["ECOPERMIT_DATA_DIR"])
    settings = Settings(
        data_dir=data,
        temporal_address=environment["ECOPERMIT_TEMPORAL_ADDRESS"],
        applicants_port=int(environment["ECOPERMIT_APPLICANTS_PORT"]),
        reviews_port=int(environment["ECOPERMIT_REVIEWS_PORT"]),
        inspections_port=int(environment["ECOPERMIT_INSPECTIONS_PORT"]),
    )
    pending = scaled_applications(APPLICATIONS)
    back_at: dict[str, float] = {}
    answers: list[tuple[float, int]] = []
    stop_reading = asyncio.Event()
    ops = TokenIssuer.from_settings(settings).mint(Principal("fault-ops", Role.OPS))
    gateway = f"http://127.0.0.1:{environment['ECOPERMIT_GATEWAY_PORT']}"
    async with stack_running(environment, start_timeout=90) as up:
        chaos = asyncio.create_task(kill_each_in_turn(up, back_at))
        reader = asyncio.create_task(read_through_the_gateway(gateway, ops, answers, stop_reading))
        try:
            outcomes: list[Outcome] = await carry_to_decisions(
                settings,
                Console(file=io.StringIO()),
                DAY_SECONDS,
                300,  # seconds with no application moving before it gives up, naming them
                pending,
                board_poll_seconds=1.0,
                staff_poll_seconds=0.5,
            )
            all_back = await chaos
        finally:
            chaos.cancel()
            stop_reading.set()
            await reader
        printed = "".join(up.printed)
        # Through the API, after everything: each application decided as its data implies.
        assert len(outcomes) == APPLICATIONS
        assert Counter(o.decision for o in outcomes if o.decision not in DECIDED) == Counter()
        assert [o.key for o in outcomes if o.decision != o.expected] == []
        # The gateway answered status pages again once it was back.
        assert any(at > back_at["gateway"] and status == 200 for at, status in answers)
        async with httpx.AsyncClient(
            base_url=gateway, headers={"authorization": f"Bearer {ops}"}
        ) as client:
            for outcome in random.sample(outcomes, 20):
                read = await client.get(f"/v1/applications/{outcome.application}")
                assert read.status_code == 200
                assert read.json()["application"]["stage"] == f"STAGE_{outcome.decision.upper()}"
        # Temporal: one workflow per application, all finished.
        temporal = await connect_temporal(settings)
        for outcome in outcomes:
            described = await temporal.get_workflow_handle(
                permit_workflow_id(outcome.application)
            ).describe()
            assert described.status is not None
            assert described.status.name == "COMPLETED", outcome.application

        async def visible() -> tuple[bool | None, object]:
            # Visibility follows the workflows' histories shortly.
            counted = (await temporal.count_workflows()).count
            return (True if counted == APPLICATIONS else None), counted

        await until(visible, f"all {APPLICATIONS} workflows in Temporal's visibility")
    for name, _ in VICTIMS:
        assert f"{name} exited with code -9; restarting" in printed, name
    # The databases: no duplicates anywhere.
    applications = {o.application for o in outcomes}
    with database(data / "applicants.db") as db:
        stored = db.execute("SELECT id FROM applications").fetchall()
        assert sorted(a for (a,) in stored) == sorted(applications)
        permits = Counter(a for (a,) in db.execute("SELECT application_id FROM permits"))
    approved = {o.application for o in outcomes if o.decision == "approved"}
    assert set(permits) == approved
    assert max(permits.values()) == 1
    with database(data / "applicants.db") as db:
        (last_entered,) = db.execute("SELECT max(enter_time) FROM stage_transitions").fetchone()
    # Every kill landed while applications were in flight: decisions came after the last.
    assert datetime.fromisoformat(last_entered).replace(tzinfo=UTC) > all_back
    with database(data / "inspections.db") as db:
        inspections = db.execute("SELECT count(*) FROM inspections").fetchone()[0]
    assert inspections == 0  # the statute's sequence waits on no inspection
    with database(data / "reviews.db") as db:
        left_open = db.execute(
            "SELECT count(*) FROM tasks WHERE state IN (?, ?)", (TASK_OPEN, TASK_CLAIMED)
        ).fetchone()[0]
    assert left_open == 0
    assert overlapping_tasks(data / "reviews.db") == []
