"""Property-based fuzzing (hypothesis) of every RPC's request and of the gateway's JSON: whatever
arrives, the answer is a proper refusal or a proper result, never INTERNAL or a 500, and a
refused request writes nothing."""

from __future__ import annotations

import json
import os
from typing import Any

import grpc
import httpx
import pytest
import sqlalchemy as sa
from google.protobuf import json_format
from google.protobuf.descriptor import MethodDescriptor
from google.protobuf.message import Message
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecopermit.runtime.database import create_engine
from ecopermit.runtime.identity import Role
from ecopermit.runtime.settings import ServiceName, Settings
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.services.gateway.http_rules import HttpBinding, all_bindings
from ecopermit.services.gateway.transcoding import request_class
from tests.conftest import ServiceChannel, bearer
from tests.proto_strategies import messages
from tests.test_authorization_matrix import POLICY, SERVICES
from tests.test_gateway import example_path, gateway

__all__ = ["gateway"]  # the fixture, used by name below
pytestmark = pytest.mark.faults

# What a server may answer to a request it cannot serve; anything else is a bug in it.
BROKEN = {
    grpc.StatusCode.INTERNAL,
    grpc.StatusCode.UNKNOWN,
    grpc.StatusCode.DATA_LOSS,
    grpc.StatusCode.UNIMPLEMENTED,
}
# The role each RPC is fuzzed as: the most powerful one it admits, to reach the handler.
PREFERENCE = [
    Role.WORKER,
    Role.APPLICANT,
    Role.REVIEWER,
    Role.DECISION_MAKER,
    Role.INSPECTOR,
    Role.BAT_EXPERT,
    Role.OPS,
    Role.HEAD_OF_DEPARTMENT,
    Role.PUBLIC,
]
# Per RPC and route: a few in CI, the profile's many when exploring (make fuzz).
EXAMPLES = 20 if os.environ.get("HYPOTHESIS_PROFILE", "ci") == "ci" else 500
FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    # One server per RPC serves every example: that is the point, state builds up.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

RPCS: list[tuple[ServiceName, str, MethodDescriptor]] = [
    (service, f"/{descriptor.full_name}/{method.name}", method)
    for service, descriptors in SERVICES.items()
    for descriptor in descriptors
    for method in descriptor.methods
]


async def row_counts(database_url: str) -> dict[str, int]:
    """Rows per table of a service's database."""
    engine = create_engine(database_url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda c: sa.inspect(c).get_table_names())
            return {
                table: (
                    await connection.execute(
                        sa.select(sa.func.count()).select_from(sa.table(table))
                    )
                ).scalar_one()
                for table in tables
            }
    finally:
        await engine.dispose()


@pytest.mark.parametrize(
    ("service", "path", "method"), RPCS, ids=[path.rsplit(".", 1)[-1] for _, path, _ in RPCS]
)
@FUZZ
@given(data=st.data())
async def test_any_request_is_answered_properly_and_a_refused_one_writes_nothing(
    service: ServiceName,
    path: str,
    method: MethodDescriptor,
    data: st.DataObject,
    service_channel: ServiceChannel,
    issuer: TokenIssuer,
    settings: Settings,
) -> None:
    channel = await service_channel(service)
    rpc = path.removeprefix("/").split(".")[-1]
    role = next(role for role in PREFERENCE if role in POLICY[rpc])
    request = data.draw(messages(method.input_type), label="request")
    before = await row_counts(settings.database_url(service))
    call: grpc.aio.UnaryUnaryMultiCallable[Message, bytes] = channel.unary_unary(
        path, request_serializer=lambda m: m.SerializeToString(), response_deserializer=bytes
    )
    code, details = grpc.StatusCode.OK, ""
    try:
        await call(request, metadata=bearer(issuer, role, "fuzzer"), timeout=30)
    except grpc.aio.AioRpcError as error:
        code, details = error.code(), error.details() or ""
    assert code not in BROKEN, f"{code.name}: {details}"
    if code is not grpc.StatusCode.OK:
        after = await row_counts(settings.database_url(service))
        assert after == before, f"{code.name} ({details}) yet rows written: {before} -> {after}"


JSON = st.recursive(
    st.none() | st.booleans() | st.floats() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=10), children, max_size=3)
    ),
    max_leaves=10,
)
BINDINGS = all_bindings()


def _json_like(binding: HttpBinding) -> st.SearchStrategy[Any]:
    """Bodies a client could send: the request as JSON (fuzzed values), or any JSON at all."""
    as_json = messages(request_class(binding).DESCRIPTOR, well_formed=True).map(
        lambda m: json.loads(json_format.MessageToJson(m))
    )
    return st.one_of(as_json, JSON)


@pytest.mark.parametrize(
    "binding", BINDINGS, ids=[b.grpc_path.rsplit("/", 1)[-1] for b in BINDINGS]
)
@FUZZ
@given(data=st.data())
async def test_any_json_to_any_route_is_never_a_server_error(
    binding: HttpBinding, data: st.DataObject, gateway: httpx.AsyncClient, issuer: TokenIssuer
) -> None:
    rpc = binding.grpc_path.removeprefix("/").split(".")[-1]
    role = next(role for role in PREFERENCE if role in POLICY[rpc])
    headers = {"authorization": bearer(issuer, role, "fuzzer")[0][1]}
    query = data.draw(
        st.dictionaries(
            st.sampled_from(["pageSize", "pageToken", "stage", "x"]),
            st.text(max_size=12),
            max_size=2,
        )
    )
    body = data.draw(_json_like(binding)) if binding.body else None
    response = await gateway.request(
        binding.http_method,
        example_path(binding),
        params=query,
        content=json.dumps(body).encode() if body is not None else None,
        headers={**headers, "content-type": "application/json"},
    )
    assert response.status_code < 500, response.text
