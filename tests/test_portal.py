"""The portal over plain HTTP: sign-in, the CSRF check, upload limits, and what each role may
open. The whole path in a browser is in test_portal_in_browser.py."""

from __future__ import annotations

import re
import uuid

import grpc
import httpx

from ecopermit.applicants.v1 import applicant_workflow_service_pb2 as workflow_api
from ecopermit.applicants.v1 import applicant_workflow_service_pb2_grpc
from ecopermit.applicants.v1 import resources_pb2 as pb
from ecopermit.bench.ops_views import write_traced_requests
from ecopermit.demo.stand_in_documents import stand_in_pdf
from ecopermit.runtime.identity import Role
from ecopermit.runtime.line_files import RotatingLines
from ecopermit.runtime.settings import ServiceName, Settings
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.services.gateway.app import SECURITY_HEADERS
from ecopermit.services.gateway.portal.forms import MAX_UPLOAD_BYTES
from ecopermit.services.gateway.portal.routes import Portal
from ecopermit.services.gateway.portal.session import CSRF_COOKIE, SESSION_COOKIE
from tests.conftest import ENTERPRISE_BIN, ServiceChannel, bearer
from tests.test_gateway import (
    gateway,  # noqa: F401 - the fixture
    gateway_serving,
)

_CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


async def csrf_of(client: httpx.AsyncClient, path: str) -> str:
    page = await client.get(path)
    found = _CSRF_FIELD.search(page.text)
    assert found, page.text
    return found.group(1)


async def sign_in(
    client: httpx.AsyncClient, role: str, subject: str, bin_: str = "", region: str = ""
) -> None:
    csrf = await csrf_of(client, "/portal/sign-in")
    signed = await client.post(
        "/portal/sign-in",
        data={"csrf_token": csrf, "role": role, "subject": subject, "bin": bin_, "region": region},
    )
    assert signed.status_code == 303, signed.text


async def test_the_token_lives_in_an_http_only_cookie_never_in_a_url(
    gateway: httpx.AsyncClient,  # noqa: F811
) -> None:
    csrf = await csrf_of(gateway, "/portal/sign-in")
    signed = await gateway.post(
        "/portal/sign-in",
        data={"csrf_token": csrf, "role": "applicant", "subject": "aliya", "bin": ENTERPRISE_BIN},
    )
    assert signed.status_code == 303
    assert signed.headers["location"] == "/portal/enterprise"
    cookie = next(c for c in signed.headers.get_list("set-cookie") if c.startswith(SESSION_COOKIE))
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    token = gateway.cookies[SESSION_COOKIE]
    page = await gateway.get("/portal/enterprise")
    assert page.status_code == 200
    assert token not in page.text
    for header, value in SECURITY_HEADERS.items():
        assert page.headers[header] == value


async def test_a_form_without_this_browsers_csrf_token_changes_nothing(
    gateway: httpx.AsyncClient,  # noqa: F811
) -> None:
    await sign_in(gateway, "applicant", "aliya", ENTERPRISE_BIN)
    forged = await gateway.post(
        "/portal/enterprise",
        data={
            "csrf_token": "forged",
            "display_name": "X",
            "region": "REGION_PAVLODAR",
            "sector": "SECTOR_CEMENT",
        },
    )
    assert forged.status_code == 403
    page = await gateway.get("/portal/enterprise")
    assert 'name="display_name"' in page.text  # still not registered


async def test_sign_in_refuses_a_bad_bin_and_signs_nobody_in(
    gateway: httpx.AsyncClient,  # noqa: F811
) -> None:
    csrf = await csrf_of(gateway, "/portal/sign-in")
    refused = await gateway.post(
        "/portal/sign-in",
        data={"csrf_token": csrf, "role": "applicant", "subject": "x", "bin": "990340000124"},
    )
    assert refused.status_code == 400
    assert SESSION_COOKIE not in gateway.cookies
    assert (await gateway.get("/portal/enterprise")).status_code == 303  # back to sign-in


async def registered_with_an_application_form(client: httpx.AsyncClient) -> dict[str, str]:
    """An enterprise's officer signed in, the enterprise registered, and the fields of a
    complete application form (its files aside)."""
    await sign_in(client, "applicant", "aliya", ENTERPRISE_BIN)
    csrf = await csrf_of(client, "/portal/enterprise")
    await client.post(
        "/portal/enterprise",
        data={
            "csrf_token": csrf,
            "display_name": "Pavlodar Power JSC",
            "region": "REGION_PAVLODAR",
            "sector": "SECTOR_COAL_POWER_AND_HEAT",
        },
    )
    return {
        "csrf_token": client.cookies[CSRF_COOKIE],
        "request_id": str(uuid.uuid4()),
        "facility_name": "CHP-2",
        "facility_address": "Pavlodar",
        "region": "REGION_PAVLODAR",
        "sector": "SECTOR_COAL_POWER_AND_HEAT",
        "thermal_input": "420",
        "source_id_0": "stack-1",
        "source_type_0": "lcp_coal_pc_existing",
        "pollutant_0": "POLLUTANT_NOX",
        "concentration_0": "140",
        "oxygen_0": "6",
        "tonnes_0": "100",
    }


async def test_uploads_are_limited_in_type_and_size_and_nothing_is_submitted(
    gateway: httpx.AsyncClient,  # noqa: F811
) -> None:
    form = await registered_with_an_application_form(gateway)
    script = {
        "document_DOCUMENT_KIND_PROJECT_DOCUMENTATION": (
            "run.exe",
            b"MZ",
            "application/octet-stream",
        )
    }
    refused = await gateway.post("/portal/applications", data=form, files=script)
    assert refused.status_code == 400
    # Said at the file's field, in the page's language, with the form kept as typed.
    assert "Этот тип файла не принимается: run.exe" in refused.text
    assert 'id="document_DOCUMENT_KIND_PROJECT_DOCUMENTATION-error"' in refused.text
    assert 'value="CHP-2"' in refused.text
    huge = {
        "document_DOCUMENT_KIND_PROJECT_DOCUMENTATION": (
            "big.pdf",
            b"%" * (MAX_UPLOAD_BYTES + 1),
            "application/pdf",
        )
    }
    too_big = await gateway.post("/portal/applications", data=form, files=huge)
    assert too_big.status_code == 400
    assert "Файл слишком большой: big.pdf (20 MiB)" in too_big.text
    listing = await gateway.get("/portal/enterprise")
    assert "CHP-2" not in listing.text  # nothing was submitted
    good = {
        "document_DOCUMENT_KIND_PROJECT_DOCUMENTATION": (
            "project.pdf",
            b"%PDF-1.4 x",
            "application/pdf",
        )
    }
    accepted = await signed_with_the_local_key(
        gateway, await gateway.post("/portal/applications", data=form, files=good)
    )
    assert accepted.status_code == 303
    again = await signed_with_the_local_key(  # a double click
        gateway, await gateway.post("/portal/applications", data=form, files=good)
    )
    assert again.headers["location"] == accepted.headers["location"]


async def signed_with_the_local_key(
    client: httpx.AsyncClient, sign_page: httpx.Response
) -> httpx.Response:
    """The signing page's form sent back with "sign with the local test key"."""
    assert sign_page.status_code == 200, sign_page.text
    fields = dict(
        re.findall(r'name="(purpose|request|csrf_token)" value="([^"]*)"', sign_page.text)
    )
    return await client.post("/portal/sign", data={**fields, "local_key": "1"})


async def test_a_signing_page_without_a_signature_sends_nothing(
    gateway: httpx.AsyncClient,  # noqa: F811
) -> None:
    await sign_in(gateway, "decision_maker", "dm-1")
    csrf = await csrf_of(gateway, "/portal/inbox")
    forged = await gateway.post(
        "/portal/sign", data={"csrf_token": csrf, "purpose": "ecopermit.kep.decision"}
    )
    assert forged.status_code == 400
    assert "does not carry a request" in forged.text


async def test_each_role_opens_its_own_pages_only(gateway: httpx.AsyncClient) -> None:  # noqa: F811
    await sign_in(gateway, "reviewer", "r1")
    assert (await gateway.get("/portal/inbox")).status_code == 200
    assert (await gateway.get("/portal/enterprise")).status_code == 403
    assert (await gateway.get("/portal/ops")).status_code == 403


async def test_the_dev_sign_in_exists_on_the_embedded_stack_only(settings: Settings) -> None:
    channels = {service: grpc.aio.insecure_channel("127.0.0.1:9") for service in ServiceName}
    try:
        embedded = Portal(channels, settings)
        production = Portal(channels, settings.model_copy(update={"environment": "production"}))
        assert embedded._dev_sign_in
        assert not production._dev_sign_in
    finally:
        for channel in channels.values():
            await channel.close()


async def test_portal_home_sends_each_role_to_its_pages(gateway: httpx.AsyncClient) -> None:  # noqa: F811
    await sign_in(gateway, "inspector", "i1")
    home = await gateway.get("/portal")
    assert home.status_code == 303
    assert home.headers["location"] == "/portal/inspections"


async def test_reviewers_and_the_public_open_the_dossier_from_the_pages(
    gateway: httpx.AsyncClient,  # noqa: F811
    service_channel: ServiceChannel,
    issuer: TokenIssuer,
) -> None:
    project = stand_in_pdf("Проект: рабочая документация")
    form = await registered_with_an_application_form(gateway)
    files = {
        "document_DOCUMENT_KIND_PROJECT_DOCUMENTATION": (
            "Проект.pdf",
            project,
            "application/pdf",
        )
    }
    submitted = await signed_with_the_local_key(
        gateway, await gateway.post("/portal/applications", data=form, files=files)
    )
    application_page = submitted.headers["location"]
    name = application_page.removeprefix("/portal/")

    await sign_in(gateway, "reviewer", "rustam")
    page = await gateway.get(application_page)
    assert "Проект.pdf" in page.text
    links = re.findall(
        r'href="(/portal/applications/[^"]+/documents/[0-9a-f]{64}[^"]*)"', page.text
    )
    opened = await gateway.get(next(link for link in links if "inline" in link))
    assert opened.status_code == 200
    assert opened.content == project
    assert opened.headers["content-type"] == "application/pdf"
    assert opened.headers["content-disposition"].startswith("inline;")
    download = next(link for link in links if "inline" not in link)
    part = await gateway.get(download, headers={"range": "bytes=0-7"})
    assert (part.status_code, part.content) == (206, project[:8])

    # The public, without signing in, sees the hearing's documents once the hearing is
    # published, not before.
    hearing = f"/portal/hearings/{name.removeprefix('applications/')}"
    gateway.cookies.clear()
    assert "Проект.pdf" not in (await gateway.get(hearing)).text
    assert (await gateway.get(download)).status_code == 404
    workflow = applicant_workflow_service_pb2_grpc.ApplicantWorkflowServiceStub(
        await service_channel(ServiceName.APPLICANTS)
    )
    await workflow.RecordStageTransition(
        workflow_api.RecordStageTransitionRequest(
            name=name, sequence=1, stage=pb.STAGE_STATE_EXPERTISE, reason="accepted"
        ),
        metadata=bearer(issuer, Role.WORKER, "permit-worker"),
    )
    published = await gateway.get(hearing)
    assert "Проект.pdf" in published.text
    assert (await gateway.get(download)).content == project


async def test_anyone_who_scans_the_qr_code_learns_whether_the_certificate_is_genuine(
    gateway: httpx.AsyncClient,  # noqa: F811
    service_channel: ServiceChannel,
    issuer: TokenIssuer,
) -> None:
    form = await registered_with_an_application_form(gateway)
    files = {
        "document_DOCUMENT_KIND_PROJECT_DOCUMENTATION": (
            "Проект.pdf",
            stand_in_pdf("Проект"),
            "application/pdf",
        )
    }
    submitted = await signed_with_the_local_key(
        gateway, await gateway.post("/portal/applications", data=form, files=files)
    )
    name = submitted.headers["location"].removeprefix("/portal/")
    workflow = applicant_workflow_service_pb2_grpc.ApplicantWorkflowServiceStub(
        await service_channel(ServiceName.APPLICANTS)
    )
    worker = bearer(issuer, Role.WORKER, "permit-worker")
    await workflow.RecordStageTransition(
        workflow_api.RecordStageTransitionRequest(name=name, sequence=1, stage=pb.STAGE_DECISION),
        metadata=worker,
    )
    permit = (
        await workflow.IssuePermit(
            workflow_api.IssuePermitRequest(application=name, signed_by="dm1"), metadata=worker
        )
    ).permit

    # A citizen with a phone: no sign-in, no cookie.
    gateway.cookies.clear()
    verify = f"/portal/{permit.name}/verify"
    page = await gateway.get(verify)
    assert page.status_code == 200, page.text
    assert permit.permit_number in page.text
    assert 'class="valid"' in page.text
    assert "Подлинное" in page.text
    certificate = await gateway.get(f"/portal/{permit.name}/certificate")
    assert certificate.status_code == 200
    assert certificate.headers["content-type"] == "application/pdf"
    assert f"{permit.permit_number}.pdf" in certificate.headers["content-disposition"]
    pdf = certificate.content
    part = await gateway.get(f"/portal/{permit.name}/certificate", headers={"range": "bytes=0-4"})
    assert (part.status_code, part.content) == (206, b"%PDF-")

    # The file someone was handed, with a line added after the Committee signed it.
    csrf = _CSRF_FIELD.search(page.text)
    assert csrf
    changed = await gateway.post(
        verify,
        data={"csrf_token": csrf.group(1)},
        files={"certificate": ("permit.pdf", pdf + b"\n% edited\n", "application/pdf")},
    )
    assert changed.status_code == 200, changed.text
    assert 'class="invalid"' in changed.text
    assert "changed after it was signed" in changed.text
    # The permit the file names is offered for comparison, never vouched for.
    assert 'id="named-permit"' in changed.text
    assert 'id="other-permit"' not in changed.text
    genuine = await gateway.post(
        verify,
        data={"csrf_token": csrf.group(1)},
        files={"certificate": ("permit.pdf", pdf, "application/pdf")},
    )
    assert 'class="valid"' in genuine.text
    nothing = await gateway.post(verify, data={"csrf_token": csrf.group(1)})
    assert nothing.status_code == 400
    assert (await gateway.get("/portal/permits/KZ-KEP-2026-999999/verify")).status_code == 404


async def test_ops_see_the_latest_traces_and_each_as_a_waterfall_as_spans_arrive(
    service_channel: ServiceChannel, settings: Settings
) -> None:
    spans = RotatingLines(settings.traces_path(), 64 * 1024, backups=1)
    write_traced_requests(spans, 0, 5)
    async with gateway_serving(service_channel, settings) as portal:
        await sign_in(portal, "ops", "olga")
        page = (await portal.get("/portal/ops")).text
        assert "request 4" in page
        assert "application-4"[:8] in page
        write_traced_requests(spans, 5, 400)  # rotates: the first file goes to .1
        page = (await portal.get("/portal/ops")).text
        assert "request 404" in page
        newest = re.search(r"/portal/ops/traces/([0-9a-f]{32})", page)
        assert newest is not None
        waterfall = (await portal.get(f"/portal/ops/traces/{newest.group(1)}")).text
        assert "SELECT applications" in waterfall
        missing = await portal.get(f"/portal/ops/traces/{'0' * 32}")
        assert missing.status_code == 404
    spans.close()


async def test_ops_links_lead_to_the_temporal_ui_and_trace_backend_ops_can_reach(
    service_channel: ServiceChannel, settings: Settings
) -> None:
    async with gateway_serving(service_channel, settings) as embedded:
        await sign_in(embedded, "ops", "olga")
        page = (await embedded.get("/portal/ops")).text
        assert f'href="http://127.0.0.1:{settings.temporal_ui_port}"' in page
        assert 'id="trace-backend"' not in page  # the local span file is the backend here
    # In a cluster the pods listen on 0.0.0.0: the links come from settings instead.
    deployed = settings.model_copy(
        update={
            "host": "0.0.0.0",  # noqa: S104 - what a pod's settings say
            "temporal_ui_url": "https://temporal.ecopermit.example",
            "traces_ui_url": "https://jaeger.ecopermit.example/",
        }
    )
    async with gateway_serving(service_channel, deployed) as cluster:
        await sign_in(cluster, "ops", "olga")
        page = (await cluster.get("/portal/ops")).text
        assert 'href="https://temporal.ecopermit.example"' in page
        assert "https://jaeger.ecopermit.example/search?service=ecopermit-gateway" in page
        assert "0.0.0.0" not in page  # noqa: S104 - looked for, not bound
