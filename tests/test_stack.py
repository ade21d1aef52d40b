"""`ecopermit up` (what `make demo` runs today): everything healthy, then stopped with no orphan."""

from __future__ import annotations

import asyncio
import base64
import signal
from datetime import timedelta
from pathlib import Path

import grpc
import psutil
import pytest
from temporalio.api.workflowservice.v1 import DescribeNamespaceRequest
from temporalio.client import Client

from ecopermit.applicants.v1 import applicant_service_pb2 as api
from ecopermit.applicants.v1 import applicant_service_pb2_grpc
from ecopermit.applicants.v1 import resources_pb2 as pb
from ecopermit.runtime.esign.local_authority import LocalAuthority
from ecopermit.runtime.grpc.health import is_serving
from ecopermit.runtime.identity import Role
from ecopermit.runtime.settings import Settings
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.stack_process import stack_running
from ecopermit.workflows import contract
from tests import samples
from tests.conftest import ENTERPRISE_BIN, bearer
from tests.running_stack import component_process
from tests.waiting import until

# The whole stack as processes, over its own SQLite files: once per `make test`.
pytestmark = pytest.mark.processes


async def test_up_starts_every_component_and_ctrl_c_stops_them_all(
    stack_environment: dict[str, str],
) -> None:
    services = ("APPLICANTS", "REVIEWS", "INSPECTIONS", "WORKER")
    addresses = [f"127.0.0.1:{stack_environment[f'ECOPERMIT_{s}_PORT']}" for s in services]
    # `up` prints "Press Ctrl-C" once every component has reported healthy.
    async with stack_running(stack_environment, start_timeout=90) as up:
        assert all([await is_serving(address) for address in addresses])
        children = psutil.Process(up.pid).children(recursive=True)
        # The Temporal server, three services, the worker and the gateway.
        assert len(children) >= 6
        assert any("HTTP/JSON API: http://127.0.0.1:" in line for line in up.printed)
        submitted = await _submission_reaches_the_completeness_check(stack_environment)
        await _temporal_holds_it_encrypted_filterable_and_for_a_year(stack_environment, submitted)
        up.process.send_signal(signal.SIGINT)
        code = await asyncio.wait_for(up.exited(), 60)
    text = "".join(up.printed)
    assert code == 0, text
    assert "Temporal Web UI: http://127.0.0.1:" in text
    assert (Path(stack_environment["ECOPERMIT_DATA_DIR"]) / "temporal.db").exists()
    _, alive = psutil.wait_procs(children, timeout=10)
    assert alive == [], f"orphans left behind: {alive}"


async def _temporal_holds_it_encrypted_filterable_and_for_a_year(
    environment: dict[str, str], application_name: str
) -> None:
    """What ops find in the embedded Temporal: the stage to filter by, no BIN in clear, and a
    retention an audit can live with."""
    settings = Settings(
        data_dir=Path(environment["ECOPERMIT_DATA_DIR"]),
        temporal_address=environment["ECOPERMIT_TEMPORAL_ADDRESS"],
    )
    client = await Client.connect(settings.temporal_address, namespace=settings.temporal_namespace)
    application_id = application_name.removeprefix("applications/")
    handle = client.get_workflow_handle(contract.permit_workflow_id(application_id))
    described = await handle.describe()
    assert described.typed_search_attributes.get(contract.STAGE_ATTRIBUTE) == "completeness"
    history = (await handle.fetch_history()).to_json()
    assert ENTERPRISE_BIN not in history
    assert base64.b64encode(ENTERPRISE_BIN.encode()).decode() not in history
    namespace = await client.workflow_service.describe_namespace(
        DescribeNamespaceRequest(namespace=settings.temporal_namespace)
    )
    retention = namespace.config.workflow_execution_retention_ttl.ToTimedelta()
    assert retention == timedelta(days=settings.temporal_retention_days)


async def _submission_reaches_the_completeness_check(environment: dict[str, str]) -> str:
    """The stack carries an application: the outbox starts its workflow, the worker runs it."""
    settings = Settings(data_dir=Path(environment["ECOPERMIT_DATA_DIR"]))
    owner = bearer(TokenIssuer.from_settings(settings), Role.APPLICANT, "aliya")
    address = f"127.0.0.1:{environment['ECOPERMIT_APPLICANTS_PORT']}"
    async with grpc.aio.insecure_channel(address) as channel:
        stub = applicant_service_pb2_grpc.ApplicantServiceStub(channel)
        await stub.RegisterEnterprise(
            api.RegisterEnterpriseRequest(enterprise=samples.enterprise(ENTERPRISE_BIN)),
            metadata=owner,
        )
        submitted = await samples.submit(
            stub,
            samples.submit_request(ENTERPRISE_BIN),
            owner,
            subject="aliya",
            authority=LocalAuthority.in_directory(settings.esign_path()),
        )
        request = api.GetApplicationRequest(name=submitted.name)

        async def look() -> tuple[bool | None, object]:
            current = (await stub.GetApplication(request, metadata=owner)).application
            ready = current.stage == pb.STAGE_COMPLETENESS and bool(current.open_tasks)
            where = (pb.Stage.Name(current.stage), len(current.open_tasks))
            return (True if ready else None), where

        await until(look, "the submission to reach the completeness check with its task")
    return submitted.name


async def test_up_restarts_a_component_killed_and_keeps_the_rest_running(
    stack_environment: dict[str, str],
) -> None:
    async with stack_running(stack_environment, start_timeout=90) as up:
        reviews = f"127.0.0.1:{stack_environment['ECOPERMIT_REVIEWS_PORT']}"
        others = [
            component_process(up.pid, "serve", name) for name in ("applicants", "inspections")
        ]
        killed = component_process(up.pid, "serve", "reviews")
        killed.kill()  # SIGKILL: no chance to clean up
        await up.until_printed("reviews back on")
        printed = "".join(up.printed)
        assert "reviews exited with code -9; restarting" in printed, printed
        assert "reviews back on" in printed, printed
        restarted = component_process(up.pid, "serve", "reviews")
        assert restarted.pid != killed.pid
        assert await is_serving(reviews)
        # Nothing else was touched, and the stack still carries an application.
        assert [p.pid for p in others] == [
            component_process(up.pid, "serve", name).pid for name in ("applicants", "inspections")
        ]
        await _submission_reaches_the_completeness_check(stack_environment)


async def test_up_stops_everything_when_a_component_keeps_exiting(
    stack_environment: dict[str, str],
) -> None:
    async with stack_running(stack_environment, start_timeout=90) as up:
        children = psutil.Process(up.pid).children()
        # The worker dies as soon as it is back, six times within the minute.
        for kills in range(1, 7):
            component_process(up.pid, "ecopermit", "worker").kill()
            if kills < 6:
                await up.until_printed("worker back on", kills)
        code = await asyncio.wait_for(up.exited(), 60)
    text = "".join(up.printed)
    assert code == 1, text
    assert "worker exited 6 times in a minute" in text
    _, alive = psutil.wait_procs(children, timeout=10)
    assert alive == [], f"orphans left behind: {alive}"
