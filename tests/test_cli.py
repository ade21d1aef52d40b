"""The `ecopermit` command as a user runs it: help, tokens, and a server that accepts them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest

from ecopermit.bench.stacks import free_port
from ecopermit.reviews.v1 import review_service_pb2, review_service_pb2_grpc
from ecopermit.runtime.grpc.health import wait_until_serving

ECOPERMIT = [sys.executable, "-m", "ecopermit"]


def run_cli(*arguments: str, environment: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*ECOPERMIT, *arguments], capture_output=True, text=True, env=environment, timeout=60
    )


@pytest.fixture
def environment(tmp_path: Path) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ECOPERMIT_")}
    return {**clean, "ECOPERMIT_DATA_DIR": str(tmp_path / "var")}


@pytest.fixture
def reviews_process(environment: dict[str, str]) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = free_port()
    process = subprocess.Popen(
        [*ECOPERMIT, "serve", "reviews", "--port", str(port)],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield process, f"127.0.0.1:{port}"
    if process.poll() is None:
        process.kill()
        process.wait()


def test_help_lists_the_commands(environment: dict[str, str]) -> None:
    result = run_cli("--help", environment=environment)
    assert result.returncode == 0
    for command in ("token", "serve", "worker", "migrate", "up"):
        assert command in result.stdout


def test_token_for_an_applicant_needs_a_valid_bin(environment: dict[str, str]) -> None:
    result = run_cli("token", "--role", "applicant", "--sub", "a1", environment=environment)
    assert result.returncode == 2
    assert "BIN" in result.stderr
    assert result.stdout == ""


def test_token_refuses_an_unknown_role(environment: dict[str, str]) -> None:
    result = run_cli("token", "--role", "admin", "--sub", "x", environment=environment)
    assert result.returncode != 0
    assert "admin" in result.stderr


async def test_a_minted_token_is_accepted_by_a_served_process_that_stops_on_sigterm(
    environment: dict[str, str], reviews_process: tuple[subprocess.Popen[str], str]
) -> None:
    process, address = reviews_process
    minted = run_cli("token", "--role", "reviewer", "--sub", "r1", environment=environment)
    assert minted.returncode == 0, minted.stderr
    token = minted.stdout.strip()
    assert token.count(".") == 2
    await wait_until_serving(address, deadline_seconds=30)
    async with grpc.aio.insecure_channel(address) as channel:
        inbox = review_service_pb2_grpc.ReviewServiceStub(channel)
        accepted = await inbox.ListTasks(
            review_service_pb2.ListTasksRequest(),
            metadata=(("authorization", f"Bearer {token}"),),
        )
        assert list(accepted.tasks) == []  # an empty inbox, served from a migrated database
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await inbox.ListTasks(
                review_service_pb2.ListTasksRequest(),
                metadata=(("authorization", f"Bearer {token[:-4]}AAAA"),),
            )
        assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
    process.send_signal(signal.SIGTERM)
    output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "shutting down" in output
    assert token not in output


def test_migrate_reports_the_revision(environment: dict[str, str]) -> None:
    result = run_cli("migrate", "inspections", environment=environment)
    assert result.returncode == 0, result.stderr
    assert "inspections: at inspections_" in result.stderr


def test_a_wrong_setting_is_named_in_one_line(environment: dict[str, str]) -> None:
    result = run_cli(
        "migrate", "reviews", environment={**environment, "ECOPERMIT_REVIEWS_PORT": "70000"}
    )
    assert result.returncode == 2
    assert "ECOPERMIT_REVIEWS_PORT" in result.stderr
    assert "Traceback" not in result.stderr
