"""Personal data out of Temporal: an application's BIN and names reach Temporal's history only
encrypted, keys rotate without losing what old keys wrote, and ops read histories through the
codec server with an ops token and nothing else."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
import uuid
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import httpx
import pytest
import uvicorn
from google.protobuf import json_format
from temporalio.api.common.v1 import Payload
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from ecopermit.codec_server import create_codec_app
from ecopermit.runtime.esign.local_authority import local_principal
from ecopermit.runtime.identity import Role
from ecopermit.runtime.payload_codec import ENCODING, EncryptionCodec, PayloadKeyError
from ecopermit.runtime.settings import Settings
from ecopermit.runtime.temporal import encrypting_converter
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.workflows import contract
from tests.conftest import ENTERPRISE_BIN

OLD, NEW = b"o" * 32, b"n" * 32


def keys(*pairs: tuple[str, bytes]) -> str:
    return ",".join(f"{key_id}={base64.b64encode(key).decode()}" for key_id, key in pairs)


async def test_a_payload_is_unreadable_in_transit_and_reads_back_whole() -> None:
    codec = EncryptionCodec({"2026-12": NEW}, "2026-12")
    plain = Payload(metadata={"encoding": b"json/plain"}, data=ENTERPRISE_BIN.encode())
    [sealed] = await codec.encode([plain])
    assert sealed.metadata["encoding"] == ENCODING
    assert ENTERPRISE_BIN.encode() not in sealed.data
    assert await codec.decode([sealed]) == [plain]
    # Each payload has a nonce of its own: the same BIN twice looks different.
    [again] = await codec.encode([plain])
    assert again.data != sealed.data


async def test_rotating_the_key_keeps_what_the_old_key_wrote_readable() -> None:
    before = EncryptionCodec({"2026-06": OLD}, "2026-06")
    plain = Payload(metadata={"encoding": b"json/plain"}, data=b'"Pavlodar Power JSC"')
    [written_before] = await before.encode([plain])
    after = EncryptionCodec({"2026-12": NEW, "2026-06": OLD}, "2026-12")
    [written_after] = await after.encode([plain])
    assert written_after.metadata["encryption-key-id"] == b"2026-12"
    assert await after.decode([written_before, written_after]) == [plain, plain]
    # Dropping the old key too early is named, not a garbled payload.
    too_early = EncryptionCodec({"2026-12": NEW}, "2026-12")
    with pytest.raises(PayloadKeyError, match="2026-06"):
        await too_early.decode([written_before])
    # Histories recorded before encryption replay: a clear payload passes as it is.
    assert await after.decode([plain]) == [plain]


async def test_an_altered_or_relabelled_payload_is_refused() -> None:
    codec = EncryptionCodec({"a": OLD, "b": NEW}, "a")
    [sealed] = await codec.encode([Payload(data=b"x")])
    flipped = Payload(
        metadata=sealed.metadata, data=sealed.data[:-1] + bytes([sealed.data[-1] ^ 1])
    )
    with pytest.raises(PayloadKeyError, match="altered"):
        await codec.decode([flipped])
    relabelled = Payload(metadata={**sealed.metadata, "encryption-key-id": b"b"}, data=sealed.data)
    with pytest.raises(PayloadKeyError):
        await codec.decode([relabelled])


def test_production_must_configure_its_payload_keys_and_they_must_be_keys(
    embedded_environment: Path,
) -> None:
    with pytest.raises(ValueError, match="ECOPERMIT_PAYLOAD_KEYS"):
        Settings(environment="production", token_secret="t" * 32).payload_keys_by_id()
    current, configured = Settings(
        payload_keys=keys(("2026-12", NEW), ("2026-06", OLD))
    ).payload_keys_by_id()
    assert (current, configured) == ("2026-12", {"2026-12": NEW, "2026-06": OLD})
    for wrong in (
        "2026-12=c2hvcnQ=",
        "=" + base64.b64encode(NEW).decode(),
        keys(("a", NEW), ("a", OLD)),
    ):
        with pytest.raises(ValueError, match="ECOPERMIT_PAYLOAD_KEYS"):
            Settings(payload_keys=wrong).payload_keys_by_id()
    # The embedded default works out of the box, with a key of its own data directory, which
    # outlives the token key: ending every session must not strand the running workflows.
    embedded = Settings()
    current, before = embedded.payload_keys_by_id()
    assert current == "local"
    (embedded.data_dir / "token.key").unlink(missing_ok=True)
    assert Settings(token_secret="another" * 6).payload_keys_by_id()[1] == before


@contextlib.asynccontextmanager
async def codec_server(settings: Settings) -> AsyncIterator[str]:
    server = uvicorn.Server(
        uvicorn.Config(create_codec_app(settings), host="127.0.0.1", port=0, log_level="warning")
    )
    serving = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    finally:
        server.should_exit = True
        await serving


async def test_a_workflow_history_holds_the_bin_only_encrypted_and_ops_decode_it(
    temporal: WorkflowEnvironment, settings: Settings
) -> None:
    ours = await Client.connect(
        temporal.client.service_client.config.target_host,
        namespace=temporal.client.namespace,
        data_converter=encrypting_converter(settings),
    )
    application_id = str(uuid.uuid4())
    handle = await ours.start_workflow(
        contract.STATUTORY_WORKFLOW_NAME,
        contract.KepApplicationInput(
            application_id=application_id,
            enterprise_bin=ENTERPRISE_BIN,
            rules_version="kep-2026.2",
            registered_on=date(2026, 12, 7).isoformat(),
        ),
        id=contract.permit_workflow_id(application_id),
        task_queue=f"no-worker-{application_id}",  # the start is what this test reads
    )
    try:
        history = await temporal.client.get_workflow_handle(handle.id).fetch_history()
        [started] = [
            e
            for e in history.events
            if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED
        ]
        [stored] = started.workflow_execution_started_event_attributes.input.payloads
        assert stored.metadata["encoding"] == ENCODING
        assert ENTERPRISE_BIN.encode() not in stored.data
        assert ENTERPRISE_BIN.encode() not in history.to_json().encode()

        issuer = TokenIssuer.from_settings(settings)
        body = {"payloads": [json_format.MessageToDict(stored)]}
        async with codec_server(settings) as url, httpx.AsyncClient(base_url=url) as client:
            ops = issuer.mint(local_principal("olga", Role.OPS, None))
            decoded = await client.post(
                "/decode", json=body, headers={"authorization": f"Bearer {ops}"}
            )
            assert decoded.status_code == 200, decoded.text
            [plain] = decoded.json()["payloads"]
            assert json.loads(base64.b64decode(plain["data"]))["enterprise_bin"] == ENTERPRISE_BIN
            reviewer = issuer.mint(local_principal("rustam", Role.REVIEWER, None))
            refused = await client.post(
                "/decode", json=body, headers={"authorization": f"Bearer {reviewer}"}
            )
            assert refused.status_code == 403
            assert (await client.post("/decode", json=body)).status_code == 401
            garbage = await client.post(
                "/decode", content=b"\xff\xfe not json", headers={"authorization": f"Bearer {ops}"}
            )
            assert garbage.status_code == 400
    finally:
        await handle.terminate("test done")
