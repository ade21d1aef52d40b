"""`ecopermit sign` as an enterprise's officer uses it on the embedded stack: a test key from
the local authority, a request file signed, and the signed file accepted by the service."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import grpc
from google.protobuf import json_format

from ecopermit.applicants.v1 import applicant_service_pb2 as api
from ecopermit.applicants.v1 import applicant_service_pb2_grpc
from ecopermit.bench.stacks import free_port
from ecopermit.runtime.grpc.health import wait_until_serving
from tests import samples
from tests.conftest import ENTERPRISE_BIN
from tests.test_cli import ECOPERMIT, environment, run_cli  # noqa: F401 - the fixture


def _submission_file(tmp_path: Path) -> Path:
    request = samples.submit_request(ENTERPRISE_BIN)
    path = tmp_path / "submission.json"
    path.write_text(json.dumps(json_format.MessageToDict(request)), encoding="utf-8")
    return path


def _sign(
    environment: dict[str, str],  # noqa: F811 - the fixture's value, passed on
    tmp_path: Path,
    *,
    purpose: str,
    key: str,
    password: str,
    out: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """`ecopermit sign` of a sample submission file, the key's password in the environment."""
    where = ("--out", str(out)) if out else ()
    return run_cli(
        "sign",
        str(_submission_file(tmp_path)),
        "--purpose",
        purpose,
        "--key",
        key,
        *where,
        environment={**environment, "ECOPERMIT_KEY_PASSWORD": password},
    )


async def test_a_request_signed_with_ecopermit_sign_is_accepted(
    environment: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    who = ("--role", "applicant", "--sub", "aliya", "--bin", ENTERPRISE_BIN)
    key = run_cli("test-key", *who, environment=environment)
    assert key.returncode == 0, key.stderr
    key_file = key.stdout.strip()
    assert Path(key_file).stat().st_mode & 0o077 == 0  # noqa: ASYNC240 - private to its owner
    signed_file = tmp_path / "signed.json"
    signed = _sign(
        environment,
        tmp_path,
        purpose="submission",
        key=key_file,
        password="ecopermit-local",
        out=signed_file,
    )
    assert signed.returncode == 0, signed.stderr
    body = json.loads(signed_file.read_text(encoding="utf-8"))
    assert body["signature"]
    token = run_cli("token", *who, environment=environment).stdout.strip()
    metadata = (("authorization", f"Bearer {token}"),)

    port = free_port()
    server = await asyncio.create_subprocess_exec(
        *ECOPERMIT,
        "serve",
        "applicants",
        "--port",
        str(port),
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await wait_until_serving(f"127.0.0.1:{port}", deadline_seconds=30)
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = applicant_service_pb2_grpc.ApplicantServiceStub(channel)
            await stub.RegisterEnterprise(
                api.RegisterEnterpriseRequest(enterprise=samples.enterprise(ENTERPRISE_BIN)),
                metadata=metadata,
            )
            request = json_format.ParseDict(body, api.SubmitApplicationRequest())
            await samples.upload_documents(
                stub, ENTERPRISE_BIN, request.application.documents, metadata
            )
            submitted = (await stub.SubmitApplication(request, metadata=metadata)).application
            assert [s.signer_name for s in submitted.signatures] == ["aliya"]
    finally:
        server.terminate()
        await asyncio.wait_for(server.wait(), timeout=30)


def test_a_wrong_key_password_is_a_clear_error_and_nothing_is_written(
    environment: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    who = ("--role", "applicant", "--sub", "aliya", "--bin", ENTERPRISE_BIN)
    key_file = run_cli("test-key", *who, environment=environment).stdout.strip()
    out = tmp_path / "signed.json"
    refused = _sign(
        environment, tmp_path, purpose="submission", key=key_file, password="guess", out=out
    )
    assert refused.returncode == 2
    assert "cannot use the key" in " ".join(refused.stderr.split())
    assert not out.exists()


def test_a_request_file_of_another_kind_is_refused(
    environment: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    refused = _sign(
        environment, tmp_path, purpose="decision", key=str(tmp_path / "none.p12"), password="x"
    )
    assert refused.returncode == 2
    assert "as a decision request" in " ".join(refused.stderr.split())
