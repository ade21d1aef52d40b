"""The production collector's rules (deploy/k8s/components/otel-collector/config.yaml) applied to
the spans of real requests through `ecopermit up`: what the processes record about a person
(their address, browser, the enterprise BIN that is an entrepreneur's IIN, their token) is
there before the collector and gone after it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from ecopermit.runtime.identity import Role
from ecopermit.trace_view import SpanLine
from tests.conftest import ENTERPRISE_BIN
from tests.running_stack import Stack, running_stack
from tests.test_gateway import enterprise_json

pytestmark = pytest.mark.processes

COLLECTOR_CONFIG = (
    Path(__file__).resolve().parent.parent / "deploy/k8s/components/otel-collector/config.yaml"
)
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) EcopermitTestBrowser/9.9"
CLIENT_ADDRESS = "203.0.113.77"  # TEST-NET-3; uvicorn believes X-Forwarded-For from loopback
MASK = "****"  # what the redaction processor writes over a blocked value


def collector_rules(attributes: dict[str, object]) -> dict[str, object]:
    """The config's personal-data processors, as the collector applies them to one span."""
    processors: dict[str, Any] = yaml.safe_load(COLLECTOR_CONFIG.read_text())["processors"]
    kept = dict(attributes)
    for action in processors["attributes/personal-data"]["actions"]:
        assert action["action"] == "delete"
        for key in list(kept):
            if key == action.get("key") or (
                "pattern" in action and re.search(action["pattern"], key)
            ):
                del kept[key]
    redaction = processors["redaction/personal-data"]
    assert redaction["allow_all_keys"] is True
    for key, value in kept.items():
        if isinstance(value, str) and key not in redaction.get("ignored_keys", []):
            for blocked in redaction["blocked_values"]:
                # Go's RE2 and Python agree on these patterns with ASCII classes.
                value = re.sub(blocked, MASK, value, flags=re.ASCII)
            kept[key] = value
    return kept


@pytest.fixture
async def stack(stack_environment: dict[str, str]) -> AsyncIterator[Stack]:
    environment = {
        **stack_environment,
        "ECOPERMIT_TRACES_EXPORTER": "file",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
    }
    async with running_stack(environment) as running:
        yield running


def found_in(spans: list[SpanLine], needle: str) -> list[str]:
    return [
        f"{span.service} {span.name}: {key}"
        for span in spans
        for key, value in span.attributes.items()
        if needle in str(value)
    ]


async def test_the_collector_removes_what_the_processes_record_about_a_person(
    stack: Stack,
) -> None:
    token = stack.token(Role.APPLICANT, "aliya")
    headers = {
        "authorization": f"Bearer {token}",
        "user-agent": BROWSER,
        "x-forwarded-for": CLIENT_ADDRESS,
    }
    gateway = f"http://{stack.address('GATEWAY')}"
    async with httpx.AsyncClient(base_url=gateway, headers=headers) as client:
        registered = await client.post("/v1/enterprises", json=enterprise_json(ENTERPRISE_BIN))
        assert registered.status_code == 200, registered.text
        read = await client.get(f"/v1/enterprises/{ENTERPRISE_BIN}")
        assert read.status_code == 200, read.text
        # Query strings can carry what a person typed into a search.
        listed = await client.get("/v1/applications", params={"pageSize": "7"})
        assert listed.status_code == 200, listed.text

    spans = await stack.spans_until(
        lambda spans: bool(found_in(spans, "pageSize=7")), "the gateway's span of the list"
    )
    # Without the collector, the span file holds all of it...
    assert found_in(spans, ENTERPRISE_BIN)
    assert found_in(spans, BROWSER)
    assert found_in(spans, CLIENT_ADDRESS)
    # ...and after its rules none of it, while the rest of the span stays useful.
    cleaned = [
        SpanLine(**{**span.__dict__, "attributes": collector_rules(span.attributes)})
        for span in spans
    ]
    for personal in (ENTERPRISE_BIN, BROWSER, CLIENT_ADDRESS, token, "pageSize=7"):
        assert found_in(cleaned, personal) == [], personal
    assert found_in(cleaned, f"/v1/enterprises/{MASK}")
    # Span names are not touched by the collector: the gateway names them by route template.
    gateway_spans = {s.name for s in spans if s.service == "gateway"}
    assert "GET /v1/{name=enterprises/*}" in gateway_spans, gateway_spans
    for personal in (ENTERPRISE_BIN, BROWSER, CLIENT_ADDRESS):
        assert [s.name for s in spans if personal in s.name] == [], personal
