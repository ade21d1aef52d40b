"""The production collector's rules (deploy/k8s/components/otel-collector/config.yaml) applied to
the spans of real requests through `ecopermit up`: what the processes record about a person
(their address, browser, the enterprise BIN that is an entrepreneur's IIN, their token) is
there before the collector and gone after it."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from ecopermit.runtime.identity import Role
from tests.conftest import ENTERPRISE_BIN, OTHER_ENTERPRISE_BIN
from tests.running_stack import Stack, running_stack
from tests.test_gateway import enterprise_json

pytestmark = pytest.mark.processes

COLLECTOR_CONFIG = (
    Path(__file__).resolve().parent.parent / "deploy/k8s/components/otel-collector/config.yaml"
)
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) EcopermitTestBrowser/9.9"
CLIENT_ADDRESS = "203.0.113.77"  # TEST-NET-3; uvicorn believes X-Forwarded-For from loopback
MASK = "****"  # what the redaction processor writes over a blocked value


def _processors() -> dict[str, Any]:
    processors: dict[str, Any] = yaml.safe_load(COLLECTOR_CONFIG.read_text())["processors"]
    return processors


def _ottl_regex(literal: str) -> str:
    """An OTTL string literal's content: \\\\ stands for one backslash."""
    return literal.replace("\\\\", "\\")


# replace_pattern(PATH, "REGEX", "****") and replace_all_patterns(attributes, "value", ...)
_REPLACE = re.compile(r'replace_pattern\((?P<path>[\w.]+), "(?P<regex>.+)", "\*\*\*\*"\)$')
_REPLACE_ALL = re.compile(
    r'replace_all_patterns\(attributes, "value", "(?P<regex>.+)", "\*\*\*\*"\)$'
)


def _mask(value: object, regex: str) -> object:
    # Go's RE2 and Python agree on these patterns with ASCII classes.
    return re.sub(regex, MASK, value, flags=re.ASCII) if isinstance(value, str) else value


def through_collector(span: dict[str, Any]) -> dict[str, Any]:
    """One exported span (the span file's JSON) as the collector's personal-data processors
    leave it: attributes deleted, then values masked, then names, statuses and events."""
    processors = _processors()
    attributes = dict(span.get("attributes") or {})
    for action in processors["attributes/personal-data"]["actions"]:
        assert action["action"] == "delete"
        for key in list(attributes):
            if key == action.get("key") or (
                "pattern" in action and re.search(action["pattern"], key)
            ):
                del attributes[key]
    redaction = processors["redaction/personal-data"]
    assert redaction["allow_all_keys"] is True
    for key in attributes:
        if key not in redaction.get("ignored_keys", []):
            for blocked in redaction["blocked_values"]:
                attributes[key] = _mask(attributes[key], blocked)
    cleaned = {**span, "attributes": attributes, "status": dict(span.get("status") or {})}
    cleaned["events"] = [
        dict(e, attributes=dict(e.get("attributes") or {})) for e in span.get("events") or []
    ]
    for group in processors["transform/personal-data"]["trace_statements"]:
        for statement in group["statements"]:
            if group["context"] == "span":
                matched = _REPLACE.match(statement)
                assert matched, statement
                path, regex = matched["path"], _ottl_regex(matched["regex"])
                if path == "name":
                    cleaned["name"] = _mask(cleaned["name"], regex)
                else:
                    assert path == "status.message"
                    status = cleaned["status"]
                    if "description" in status:
                        status["description"] = _mask(status["description"], regex)
            else:
                assert group["context"] == "spanevent"
                matched = _REPLACE_ALL.match(statement)
                assert matched, statement
                for event in cleaned["events"]:
                    for key, value in event["attributes"].items():
                        event["attributes"][key] = _mask(value, _ottl_regex(matched["regex"]))
    return cleaned


@pytest.fixture
async def stack(stack_environment: dict[str, str]) -> AsyncIterator[Stack]:
    environment = {
        **stack_environment,
        "ECOPERMIT_TRACES_EXPORTER": "file",
        "OTEL_BSP_SCHEDULE_DELAY": "100",
    }
    async with running_stack(environment) as running:
        yield running


def raw_spans(stack: Stack) -> list[dict[str, Any]]:
    lines = stack.spans_file.read_text().splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def holding(spans: list[dict[str, Any]], needle: str) -> list[str]:
    """The spans whose exported JSON contains needle anywhere but in the resource."""
    return [
        f"{span['name']}: {needle}"
        for span in spans
        if needle in json.dumps({k: v for k, v in span.items() if k != "resource"})
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
        # An error names what was not found; the message lands in the spans' status.
        missing = await client.get(f"/v1/enterprises/{OTHER_ENTERPRISE_BIN}")
        assert missing.status_code in (403, 404), missing.text
        # Query strings can carry what a person typed into a search.
        listed = await client.get("/v1/applications", params={"pageSize": "7"})
        assert listed.status_code == 200, listed.text

    await stack.spans_until(
        lambda spans: any("pageSize=7" in json.dumps(s.attributes) for s in spans),
        "the gateway's span of the list",
    )
    spans = raw_spans(stack)
    recorded = (ENTERPRISE_BIN, OTHER_ENTERPRISE_BIN, BROWSER, CLIENT_ADDRESS, "pageSize=7")
    # Without the collector, the span file holds all of it...
    for needle in recorded:
        assert holding(spans, needle), needle
    # ...and after its rules none of it (nor the token), while the rest stays useful.
    cleaned = [through_collector(span) for span in spans]
    for needle in (*recorded, token):
        assert holding(cleaned, needle) == [], needle
    assert holding(cleaned, f"/v1/enterprises/{MASK}")
    # The gateway names its spans by route template, never by path.
    gateway_names = {
        s["name"]
        for s in spans
        if s["resource"]["attributes"]["service.name"] == "ecopermit-gateway"
    }
    assert "GET /v1/{name=enterprises/*}" in gateway_names, gateway_names
