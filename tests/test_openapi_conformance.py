"""A client that knows the API only from /openapi.json: schemathesis generates requests for every
operation from the document, sends them to the gateway in front of the three real services, and
checks each answer against the document. Bounded and derandomized, so a failure repeats."""

from __future__ import annotations

import asyncio
from typing import Any

import hypothesis
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from schemathesis import GenerationMode
from schemathesis.checks import CheckContext
from schemathesis.core.failures import Failure
from schemathesis.specs.openapi import checks as openapi_checks

from ecopermit.runtime.esign.local_authority import local_principal
from ecopermit.runtime.grpc.auth import allowed_roles, open_to_anyone
from ecopermit.runtime.identity import Role
from ecopermit.runtime.settings import Settings
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.services.gateway.http_rules import all_bindings
from tests.conftest import ENTERPRISE_BIN, ServiceChannel
from tests.test_gateway import gateway_serving

pytestmark = pytest.mark.timeout(900)

# Examples per operation and generation mode: enough to reach every rule of a request in a few
# minutes on two cores; `make fuzz` is where searching longer belongs.
EXAMPLES = 12
# google.rpc.Code INVALID_ARGUMENT: the request itself is wrong (FAILED_PRECONDITION, also 400,
# is about the state of the records and can answer any well-formed request).
INVALID_ARGUMENT = 3


class RefusedValidRequest(Failure):
    """A request the document calls valid, refused as invalid by a rule the document states."""

    kind_title = "Schema-valid request refused as invalid"

    def __init__(self, operation: str, status: dict[str, Any]) -> None:
        super().__init__(operation=operation, message=str(status.get("message")))


def stated_in_prose(node: Any) -> set[str]:
    """The ids of the rules the document states beside its schemas (x-cel: CEL expressions;
    x-rules: e.g. a page token must be one the server issued): JSON Schema cannot say them, so
    a generated request may break one and be refused for it, rightly."""
    found: set[str] = set()
    if isinstance(node, dict):
        found |= {rule["id"] for rule in node.get("x-cel", []) + node.get("x-rules", [])}
        for value in node.values():
            found |= stated_in_prose(value)
    elif isinstance(node, list):
        for value in node:
            found |= stated_in_prose(value)
    return found


def _violated_rules(status: dict[str, Any]) -> set[str]:
    return {
        violation.get("reason", "")
        for detail in status.get("details", [])
        for violation in detail.get("fieldViolations", [])
    }


def valid_requests_accepted(prose_rules: set[str]) -> Any:
    def check(ctx: CheckContext, response: Any, case: Any) -> bool | None:
        if case.meta is None or not case.meta.generation.mode.is_positive:
            return None
        if response.status_code != 400:
            return None
        status = response.json()
        if status.get("code") != INVALID_ARGUMENT:
            return None
        broken = _violated_rules(status)
        if broken and broken <= prose_rules:
            return None
        raise RefusedValidRequest(case.operation.label, status)

    return check


def _token_for(issuer: TokenIssuer, grpc_path: str) -> dict[str, str]:
    """A bearer token of a role the operation admits, so the request reaches its rules; an
    applicant's is bound to one enterprise, as in life."""
    roles = sorted(allowed_roles(grpc_path) - {Role.PUBLIC}, key=lambda r: r.value)
    if not roles:
        if open_to_anyone(grpc_path):
            return {}
        roles = [Role.PUBLIC]
    role = Role.APPLICANT if Role.APPLICANT in roles else roles[0]
    enterprise = ENTERPRISE_BIN if role is Role.APPLICANT else None
    principal = local_principal(f"schemathesis-{role.value}", role, enterprise)
    return {"Authorization": f"Bearer {issuer.mint(principal)}"}


def _exercise(
    operation: Any,
    mode: GenerationMode,
    base_url: str,
    session: requests.Session,
    headers: dict[str, str],
    extra_check: Any,
) -> None:
    """One operation's examples in one mode; raises the failures schemathesis found."""
    # A negative case's own generated Authorization is not a token at all.
    excluded = [openapi_checks.positive_data_acceptance] + (
        [openapi_checks.ignored_auth] if mode is GenerationMode.NEGATIVE else []
    )

    @hypothesis.settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @hypothesis.given(case=operation.as_strategy(generation_mode=mode))
    def exercise(case: Any) -> None:
        # On the case, not the call: the auth check takes it off to see a refusal.
        case.headers = {**(case.headers or {}), **headers}
        case.call_and_validate(
            base_url=base_url,
            session=session,
            additional_checks=[extra_check],
            # Ours is the same check with google.rpc's codes (see valid_requests_accepted).
            excluded_checks=excluded,
        )

    exercise()


def _run(document: dict[str, Any], base_url: str, issuer: TokenIssuer) -> list[str]:
    """Every operation in both modes; the failures, one line each."""
    schema = schemathesis.openapi.from_dict(document)
    grpc_paths = {f"{b.service.name}_{b.method.name}": b.grpc_path for b in all_bindings()}
    extra_check = valid_requests_accepted(stated_in_prose(document))
    failures: list[str] = []
    session = requests.Session()
    operations = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    assert len(operations) == len(grpc_paths), "every bound RPC is in the document"
    for operation in operations:
        headers = _token_for(issuer, grpc_paths[operation.definition.raw["operationId"]])
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _exercise(operation, mode, base_url, session, headers, extra_check)
            except (Exception, BaseExceptionGroup) as error:  # every operation's, not the first
                failures.append(f"{operation.label} [{mode.value}]: {error}")
    return failures


async def test_requests_generated_from_the_openapi_document_are_served_as_it_promises(
    service_channel: ServiceChannel, settings: Settings, issuer: TokenIssuer
) -> None:
    async with gateway_serving(service_channel, settings) as client:
        document = (await client.get("/openapi.json")).json()
        failures = await asyncio.to_thread(_run, document, str(client.base_url), issuer)
    assert failures == [], "\n\n".join(failures)
