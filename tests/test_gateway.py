"""The HTTP/JSON gateway on loopback in front of the three real services: every annotated route,
the JSON mapping, errors with their details, the OpenAPI document and the response headers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import re
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from openapi_spec_validator import validate
from opentelemetry.util.http import parse_excluded_urls

from ecopermit.applicants.v1 import applicant_service_pb2 as applicants_api
from ecopermit.runtime.esign.local_authority import local_principal
from ecopermit.runtime.esign.statements import Purpose
from ecopermit.runtime.grpc.auth import open_to_anyone
from ecopermit.runtime.identity import Role
from ecopermit.runtime.settings import ServiceName, Settings
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.services.gateway.app import (
    MAX_BODY_BYTES,
    SECURITY_HEADERS,
    UNTRACED_URLS,
    create_app,
)
from ecopermit.services.gateway.http_rules import HttpBinding, all_bindings
from tests import samples
from tests.conftest import ENTERPRISE_BIN, OTHER_ENTERPRISE_BIN, ServiceChannel

_WILDCARD = re.compile(r"\{([a-z_.]+)(?:=([^}]*))?\}")


@pytest.fixture
async def gateway(
    service_channel: ServiceChannel, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    """uvicorn serving the gateway on a free loopback port, and an HTTP client for it."""
    async with gateway_serving(service_channel, settings) as client:
        yield client


@contextlib.asynccontextmanager
async def gateway_serving(
    service_channel: ServiceChannel, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    channels = {service: await service_channel(service) for service in ServiceName}
    config = uvicorn.Config(
        create_app(channels, settings),
        host="127.0.0.1",
        port=0,
        lifespan="off",
        log_level="warning",
    )
    server = uvicorn.Server(config)
    serving = asyncio.create_task(server.serve())
    for _ in range(500):
        if server.started:
            break
        await asyncio.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as client:
            yield client
    finally:
        server.should_exit = True
        await serving


def bearer(
    issuer: TokenIssuer, role: Role, subject: str, bin_: str = ENTERPRISE_BIN
) -> dict[str, str]:
    principal = local_principal(subject, role, bin_)
    return {"authorization": f"Bearer {issuer.mint(principal)}"}


def example_path(binding: HttpBinding) -> str:
    """The template with every wildcard filled in, as a client would call it."""

    def fill(match: re.Match[str]) -> str:
        pattern = match.group(2) or "*"
        return "/".join("x1" if segment == "*" else segment for segment in pattern.split("/"))

    return _WILDCARD.sub(fill, binding.template)


def enterprise_json(bin_: str) -> dict[str, Any]:
    return {
        "bin": bin_,
        "displayName": "Pavlodar Power JSC",
        "region": "REGION_PAVLODAR",
        "sector": "SECTOR_COAL_POWER_AND_HEAT",
    }


def application_json(bin_: str) -> dict[str, Any]:
    return {
        "enterprise": f"enterprises/{bin_}",
        "facility": {
            "displayName": "CHP-2",
            "address": "Pavlodar, Industrial zone 1",
            "region": "REGION_PAVLODAR",
            "ratedThermalInputMw": 420,
        },
        "sector": "SECTOR_COAL_POWER_AND_HEAT",
        "emissionSources": [
            {
                "sourceId": "stack-1",
                "sourceType": "lcp_coal_pc_existing",
                "emissions": [
                    {
                        "pollutant": "POLLUTANT_NOX",
                        "concentrationMgNm3": 150,
                        "oxygenPercent": 6,
                        "annualTonnes": 2400,
                    }
                ],
            }
        ],
    }


@pytest.mark.parametrize("binding", all_bindings(), ids=lambda b: f"{b.http_method} {b.template}")
async def test_every_annotated_rpc_is_reachable_at_its_http_route(
    gateway: httpx.AsyncClient, binding: HttpBinding
) -> None:
    if binding.method.client_streaming:  # an upload: a multipart form, the file last
        form = {"sha256": "0" * 64, "size_bytes": "5"}
        response = await gateway.post(
            example_path(binding), data=form, files={"file": ("a.pdf", b"%PDF-")}
        )
    else:
        body: dict[str, Any] | None = {} if binding.body else None
        response = await gateway.request(binding.http_method, example_path(binding), json=body)
    if open_to_anyone(f"/{binding.service.full_name}/{binding.method.name}"):
        # Public by law: the service answers anyone, here that the empty request is not valid,
        # names nothing, or asks for more than the public may list (a Status of its own), or
        # lists what there is (no comments on an application nobody heard of).
        assert response.status_code in (200, 400, 403, 404), response.text
        assert response.status_code == 200 or response.json()["code"] in (3, 5, 7)
        return
    # The service itself answered (no token: UNAUTHENTICATED), so the route reached its RPC.
    assert response.status_code == 401, response.text
    assert response.json()["code"] == 16


async def test_one_address_flooding_the_gateway_is_told_to_wait_and_others_are_served(
    service_channel: ServiceChannel, settings: Settings, issuer: TokenIssuer
) -> None:
    tight = settings.model_copy(
        update={"gateway_request_burst": 5, "gateway_requests_per_second": 0.01}
    )
    reviewer = bearer(issuer, Role.REVIEWER, "r1")
    flooder = {**reviewer, "x-forwarded-for": "203.0.113.7"}
    async with gateway_serving(service_channel, tight) as client:
        answers = [
            (await client.get("/v1/applications", headers=flooder)).status_code for _ in range(8)
        ]
        assert answers == [200] * 5 + [429] * 3
        refused = await client.get("/v1/applications", headers=flooder)
        assert refused.json()["code"] == 8  # RESOURCE_EXHAUSTED, as a google.rpc.Status
        assert int(refused.headers["retry-after"]) >= 1
        # Another address is served; the health check is never limited.
        other = {**reviewer, "x-forwarded-for": "198.51.100.2"}
        assert (await client.get("/v1/applications", headers=other)).status_code == 200
        assert (await client.get("/healthz", headers=flooder)).status_code == 200


async def test_sign_in_attempts_from_one_address_are_limited(
    service_channel: ServiceChannel, settings: Settings
) -> None:
    tight = settings.model_copy(update={"sign_ins_per_minute": 3})
    async with gateway_serving(service_channel, tight) as client:

        async def sign_in() -> httpx.Response:
            form = await client.get("/portal/sign-in")
            csrf = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
            assert csrf
            attempt = {"csrf_token": csrf.group(1), "role": "reviewer", "subject": "r1"}
            return await client.post("/portal/sign-in", data=attempt)

        answers = [(await sign_in()).status_code for _ in range(4)]
        assert answers == [303, 303, 303, 429]


async def test_a_body_not_sent_as_json_is_refused_with_415_and_creates_nothing(
    gateway: httpx.AsyncClient, issuer: TokenIssuer
) -> None:
    owner = bearer(issuer, Role.APPLICANT, "aliya")
    enterprise = json.dumps(enterprise_json(ENTERPRISE_BIN))
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {**owner, **({"content-type": content_type} if content_type else {})}
        refused = await gateway.post("/v1/enterprises", content=enterprise, headers=headers)
        assert refused.status_code == 415, (content_type, refused.text)
        assert refused.headers["content-type"] == "application/json"
        assert refused.json()["code"] == 3
        assert "application/json" in refused.json()["message"]
    nothing = await gateway.get(f"/v1/enterprises/{ENTERPRISE_BIN}", headers=owner)
    assert nothing.status_code == 404
    # JSON with a charset, or a +json type, is JSON.
    headers = {**owner, "content-type": "application/json; charset=utf-8"}
    created = await gateway.post("/v1/enterprises", content=enterprise, headers=headers)
    assert created.status_code == 200, created.text


async def test_an_enterprise_registers_submits_and_reads_its_application_over_http(
    gateway: httpx.AsyncClient, issuer: TokenIssuer
) -> None:
    owner = bearer(issuer, Role.APPLICANT, "aliya")
    registered = await gateway.post(
        "/v1/enterprises", json=enterprise_json(ENTERPRISE_BIN), headers=owner
    )
    assert registered.status_code == 200, registered.text
    assert registered.json()["enterprise"]["name"] == f"enterprises/{ENTERPRISE_BIN}"
    again = await gateway.post(
        "/v1/enterprises", json=enterprise_json(ENTERPRISE_BIN), headers=owner
    )
    assert again.status_code == 409
    assert again.json()["code"] == 6  # ALREADY_EXISTS

    submission = samples.signed_json(
        {"requestId": str(uuid.uuid4()), "application": application_json(ENTERPRISE_BIN)},
        applicants_api.SubmitApplicationRequest,
        Purpose.SUBMISSION,
        "aliya",
    )
    submitted = await gateway.post("/v1/applications:submit", json=submission, headers=owner)
    assert submitted.status_code == 200, submitted.text
    application = submitted.json()["application"]
    assert application["stage"] == "STAGE_SUBMITTED"  # enum names, lowerCamelCase fields
    assert application["emissionSources"][0]["emissions"][0]["pollutant"] == "POLLUTANT_NOX"

    read = await gateway.get(f"/v1/{application['name']}", headers=owner)
    assert read.status_code == 200
    assert read.json()["application"]["name"] == application["name"]

    listed = await gateway.get(
        "/v1/applications",
        params={"pageSize": "10", "sector": "SECTOR_COAL_POWER_AND_HEAT"},
        headers=bearer(issuer, Role.REVIEWER, "r1"),
    )
    assert listed.status_code == 200, listed.text
    assert [a["name"] for a in listed.json()["applications"]] == [application["name"]]

    competitor = bearer(issuer, Role.APPLICANT, "boris", OTHER_ENTERPRISE_BIN)
    hidden = await gateway.get(f"/v1/{application['name']}", headers=competitor)
    assert hidden.status_code == 404  # no existence leak

    withdrawn = await gateway.post(
        f"/v1/{application['name']}:withdraw", json={"reason": "plant sold"}, headers=owner
    )
    assert withdrawn.status_code == 200
    assert withdrawn.json()["application"]["stage"] == "STAGE_WITHDRAWN"


async def test_errors_keep_their_status_and_details(
    gateway: httpx.AsyncClient, issuer: TokenIssuer
) -> None:
    owner = bearer(issuer, Role.APPLICANT, "aliya")
    bad_bin = await gateway.post(
        "/v1/enterprises", json=enterprise_json("990340000124"), headers=owner
    )
    assert bad_bin.status_code == 400
    status = bad_bin.json()
    assert status["code"] == 3  # INVALID_ARGUMENT
    types = [detail["@type"] for detail in status["details"]]
    assert "type.googleapis.com/google.rpc.BadRequest" in types
    assert "type.googleapis.com/buf.validate.Violations" in types
    bad_request = next(d for d in status["details"] if d["@type"].endswith("BadRequest"))
    violation = bad_request["fieldViolations"][0]
    assert violation["field"] == "enterprise.bin"
    assert violation["reason"] == "bin.check_digit"

    reviewer = bearer(issuer, Role.REVIEWER, "r1")
    denied = await gateway.post(
        "/v1/enterprises", json=enterprise_json(ENTERPRISE_BIN), headers=reviewer
    )
    assert denied.status_code == 403
    assert denied.json()["code"] == 7

    closed = await gateway.post(
        "/v1/applications/a-1/publicComments",
        json={"authorDisplayName": "Ecoforum", "text": "Publish the data."},
        params={"requestId": str(uuid.uuid4())},
        headers=bearer(issuer, Role.PUBLIC, "citizen"),
    )
    assert closed.status_code == 400  # FAILED_PRECONDITION: not open for comment
    assert closed.json()["code"] == 9


async def test_a_request_that_cannot_be_mapped_is_refused_before_any_service_call(
    gateway: httpx.AsyncClient, issuer: TokenIssuer
) -> None:
    reviewer = bearer(issuer, Role.REVIEWER, "r1")
    not_json = await gateway.post(
        "/v1/enterprises",
        content=b"{not json",
        headers={**reviewer, "content-type": "application/json"},
    )
    assert not_json.status_code == 400
    assert not_json.json()["details"][0]["fieldViolations"][0]["field"] == "body"
    unknown = await gateway.get("/v1/applications", params={"nope": "1"}, headers=reviewer)
    assert unknown.status_code == 400
    assert unknown.json()["details"][0]["fieldViolations"][0]["field"] == "nope"
    # Tokens never travel in URLs: there is no such parameter to put one in.
    in_url = await gateway.get("/v1/applications", params={"access_token": "x"})
    assert in_url.status_code == 400
    wrong_type = await gateway.get(
        "/v1/applications", params={"pageSize": "many"}, headers=reviewer
    )
    assert wrong_type.status_code == 400
    nowhere = await gateway.get("/v1/nothing/here", headers=reviewer)
    assert nowhere.status_code == 404
    # Bytes and 64-bit integers are read strictly: a garbled signature is not quietly changed.
    garbled = await gateway.post(
        "/v1/applications:submit",
        json={"requestId": str(uuid.uuid4()), "signature": "MII*B==x"},
        headers=reviewer,
    )
    assert garbled.status_code == 400
    assert garbled.json()["details"][0]["fieldViolations"][0]["field"] == "signature"
    trailing = await gateway.post(
        "/v1/applications:submit",
        json={"requestId": str(uuid.uuid4()), "signature": "AAAA\n"},
        headers=reviewer,
    )
    assert trailing.status_code == 400
    for lenient in ("+5", "1_0", " 5", "٥"):
        sized = await gateway.get(
            "/v1/applications", params={"pageSize": lenient}, headers=reviewer
        )
        assert sized.status_code == 400, lenient


async def test_a_wrong_address_or_method_answers_in_the_documented_status_shape(
    gateway: httpx.AsyncClient, issuer: TokenIssuer
) -> None:
    reviewer = bearer(issuer, Role.REVIEWER, "r1")
    for response in (
        await gateway.get("/v1/nothing/here", headers=reviewer),
        await gateway.get("/nothing", headers=reviewer),
    ):
        assert response.status_code == 404
        assert response.headers["content-type"] == "application/json"
        assert response.json()["code"] == 5  # NOT_FOUND
    wrong_method = await gateway.delete("/v1/applications", headers=reviewer)
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "GET"
    assert wrong_method.json()["code"] == 12  # UNIMPLEMENTED
    not_a_docs_method = await gateway.post("/openapi.json")
    assert not_a_docs_method.status_code == 405
    assert not_a_docs_method.json()["code"] == 12
    page = await gateway.get("/portal/no-such-page")
    assert page.status_code == 404
    assert page.headers["content-type"].startswith("text/html")


async def test_an_encoded_slash_stays_inside_its_path_variable_and_reaches_no_other_rpc(
    gateway: httpx.AsyncClient, issuer: TokenIssuer
) -> None:
    """%2F once decoded before matching: /v1/applications/x%2FpublicComments was routed as
    /v1/applications/x/publicComments, another RPC."""
    reviewer = bearer(issuer, Role.REVIEWER, "r1")
    response = await gateway.get("/v1/applications/x%2FpublicComments", headers=reviewer)
    assert response.status_code == 400  # GetApplication, refusing the name it was given
    [violation] = response.json()["details"][0]["fieldViolations"]
    assert violation["field"] == "name"


async def test_the_workflow_only_rpcs_are_not_offered_over_http(
    gateway: httpx.AsyncClient, issuer: TokenIssuer
) -> None:
    worker = bearer(issuer, Role.WORKER, "worker")
    document = (await gateway.get("/openapi.json")).json()
    tags = {op["tags"][0] for path in document["paths"].values() for op in path.values()}
    assert not any(tag.endswith("WorkflowService") for tag in tags)
    for path in ("/v1/tasks", "/v1/applications/x1:issuePermit", "/v1/tasks/x1:cancel"):
        response = await gateway.post(path, json={}, headers=worker)
        assert response.status_code in (404, 405), path


async def test_the_openapi_document_is_valid_and_describes_every_route(
    gateway: httpx.AsyncClient,
) -> None:
    response = await gateway.get("/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate(document)
    operations = {
        operation["operationId"]
        for path in document["paths"].values()
        for operation in path.values()
    }
    assert operations == {f"{b.service.name}_{b.method.name}" for b in all_bindings()}
    amend = document["paths"]["/v1/applications/{application}:amend"]["post"]
    assert amend["parameters"][0]["name"] == "application"
    assert "requestBody" in amend
    listing = document["paths"]["/v1/applications"]["get"]
    assert {"pageSize", "pageToken", "stage", "sector"} <= {
        p["name"] for p in listing["parameters"]
    }
    # What the law makes public says its token is optional; everything else requires one.
    verify = document["paths"]["/v1/permits:verifyCertificate"]["post"]
    assert verify["security"] == [{}, {"bearer": []}]
    assert "security" not in amend
    assert document["security"] == [{"bearer": []}]
    docs = await gateway.get("/docs")
    assert "/v1/applications:submit" in docs.text


async def test_the_openapi_document_states_the_rules_the_services_enforce(
    gateway: httpx.AsyncClient,
) -> None:
    document = (await gateway.get("/openapi.json")).json()
    schemas = document["components"]["schemas"]
    enterprise = schemas["ecopermit.applicants.v1.Enterprise"]
    assert {"bin", "displayName", "region", "sector"} <= set(enterprise["required"])
    assert enterprise["properties"]["bin"]["pattern"] == "^[0-9]{12}$"
    assert {rule["id"] for rule in enterprise["properties"]["bin"]["x-cel"]} == {
        "bin.check_digit",
        "bin.structure",
    }
    assert "SECTOR_UNSPECIFIED" not in enterprise["properties"]["sector"]["enum"]
    assert enterprise["additionalProperties"] is False
    document_size = schemas["ecopermit.applicants.v1.Document"]["properties"]["sizeBytes"]
    assert re.match(document_size["pattern"], "104857600")
    assert not re.match(document_size["pattern"], "104857601")
    assert not re.match(document_size["pattern"], "0")
    # A message-typed query parameter, by the dotted paths of its fields.
    statistics = document["paths"]["/v1/inspectionStatistics"]["get"]
    required = {p["name"] for p in statistics["parameters"] if p.get("required")}
    assert {"startDate.year", "startDate.month", "startDate.day", "endDate.year"} <= required
    assert "period.ordered" in {rule["id"] for rule in statistics["x-cel"]}
    # A path variable carries the pattern of its segment.
    amend = document["paths"]["/v1/applications/{application}:amend"]["post"]
    assert amend["parameters"][0]["schema"]["pattern"] == "^[A-Za-z0-9-]{1,64}$"


async def test_every_response_carries_the_security_headers(gateway: httpx.AsyncClient) -> None:
    for path in ("/openapi.json", "/docs", "/v1/applications", "/v1/nothing"):
        response = await gateway.get(path)
        for header, value in SECURITY_HEADERS.items():
            assert response.headers[header] == value, (path, header)


async def test_oversized_or_malformed_input_is_a_400_never_a_500(
    gateway: httpx.AsyncClient, issuer: TokenIssuer
) -> None:
    reviewer = bearer(issuer, Role.REVIEWER, "r1")
    huge = await gateway.post(
        "/v1/applications:submit", content=b" " * (MAX_BODY_BYTES + 1), headers=reviewer
    )
    assert huge.status_code == 400
    assert "larger than" in huge.json()["message"]
    for body in (b"[" * 50_000, b'{"requestId": 1e400}'):
        refused = await gateway.post(
            "/v1/applications:submit",
            content=body,
            headers={**reviewer, "content-type": "application/json"},
        )
        assert refused.status_code == 400, body[:20]
    out_of_range = await gateway.get(
        "/v1/applications", params={"pageSize": "99999999999"}, headers=reviewer
    )
    assert out_of_range.status_code == 400


async def test_a_request_breaking_hundreds_of_rules_hears_of_the_first_few(
    gateway: httpx.AsyncClient, issuer: TokenIssuer
) -> None:
    """Found by tests/test_fuzzing.py: every violation in the trailers made them exceed the
    client's 8 KiB limit, the call ended RESOURCE_EXHAUSTED and the gateway answered 500."""
    owner = bearer(issuer, Role.APPLICANT, "aliya")
    application = application_json(ENTERPRISE_BIN)
    # 300 sources, each with an empty id and a negative concentration.
    application["emissionSources"] = [
        {"sourceId": "", "sourceType": "", "emissions": [{"concentrationMgNm3": -1}]}
    ] * 300
    refused = await gateway.post(
        "/v1/applications:submit",
        json={"requestId": str(uuid.uuid4()), "application": application},
        headers=owner,
    )
    assert refused.status_code == 400, refused.text
    body = refused.json()
    assert body["code"] == 3  # INVALID_ARGUMENT
    assert re.search(r"and \d+ more$", body["message"])
    (bad_request, _) = body["details"]
    assert len(bad_request["fieldViolations"]) == 10


async def test_the_control_figures_for_a_period_are_read_with_the_documented_query(
    gateway: httpx.AsyncClient, issuer: TokenIssuer
) -> None:
    ops = bearer(issuer, Role.OPS, "ops")
    document = (await gateway.get("/openapi.json")).json()
    operation = document["paths"]["/v1/inspectionStatistics"]["get"]
    values = {"year": "2025", "month": "1", "day": "1"}
    query = {
        p["name"]: values[p["name"].split(".")[1]] if "." in p["name"] else "REGION_PAVLODAR"
        for p in operation["parameters"]
    }
    query["endDate.month"], query["endDate.day"] = "12", "31"
    response = await gateway.get("/v1/inspectionStatistics", params=query, headers=ops)
    assert response.status_code == 200, response.text
    assert "statistics" in response.json()


def test_probes_and_the_portals_static_files_make_no_traces() -> None:
    untraced = parse_excluded_urls(UNTRACED_URLS)
    for url in ("http://127.0.0.1:8080/healthz", "http://host/static/govuk/govuk-frontend.min.css"):
        assert untraced.url_disabled(url), url
    for url in (
        "http://host/portal/ops",
        "http://host/v1/applications",
        "http://host/portal/register",
    ):
        assert not untraced.url_disabled(url), url
