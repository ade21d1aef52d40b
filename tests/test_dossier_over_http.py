"""The dossier through the gateway, as a browser or an enterprise's own system meets it: a
multipart upload streamed to the service, the document read back with its type, a safe file
name and byte ranges (a PDF viewer's requests)."""

from __future__ import annotations

import hashlib
import io
import uuid
from typing import Any

import httpx

from ecopermit.applicants.v1 import applicant_service_pb2 as applicants_api
from ecopermit.runtime.esign.statements import Purpose
from ecopermit.runtime.identity import Role
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.services.gateway.documents import content_disposition
from tests import samples
from tests.conftest import ENTERPRISE_BIN, OTHER_ENTERPRISE_BIN
from tests.test_dossier import pdf_of_size
from tests.test_gateway import application_json, bearer, enterprise_json, gateway

__all__ = ["gateway"]  # the fixture, served here too

UPLOAD = f"/v1/enterprises/{ENTERPRISE_BIN}/documents:upload"


def form(content: bytes) -> dict[str, str]:
    return {"sha256": hashlib.sha256(content).hexdigest(), "size_bytes": str(len(content))}


async def submitted_with(
    gateway: httpx.AsyncClient, owner: dict[str, str], stored: dict[str, Any]
) -> dict[str, Any]:
    application = application_json(ENTERPRISE_BIN)
    application["documents"] = [
        {
            "kind": "DOCUMENT_KIND_PROJECT_DOCUMENTATION",
            "fileName": stored["fileName"],
            "sha256": stored["sha256"],
            "sizeBytes": stored["sizeBytes"],
        }
    ]
    submission = samples.signed_json(
        {"requestId": str(uuid.uuid4()), "application": application},
        applicants_api.SubmitApplicationRequest,
        Purpose.SUBMISSION,
        "aliya",
    )
    response = await gateway.post("/v1/applications:submit", json=submission, headers=owner)
    assert response.status_code == 200, response.text
    submitted: dict[str, Any] = response.json()["application"]
    return submitted


async def test_twenty_mebibytes_uploaded_through_the_gateway_come_back_byte_for_byte(
    gateway: httpx.AsyncClient, issuer: TokenIssuer
) -> None:
    owner = bearer(issuer, Role.APPLICANT, "aliya")
    reviewer = bearer(issuer, Role.REVIEWER, "rustam")
    await gateway.post("/v1/enterprises", json=enterprise_json(ENTERPRISE_BIN), headers=owner)
    content = pdf_of_size("project documentation", 20 * 1024 * 1024)
    file_name = 'Проект "ТЭЦ-2"; том 1.pdf'
    uploaded = await gateway.post(
        UPLOAD,
        data=form(content),
        files={"file": (file_name, io.BytesIO(content), "application/pdf")},
        headers=owner,
        timeout=120,
    )
    assert uploaded.status_code == 200, uploaded.text
    stored = uploaded.json()["document"]
    assert stored["sha256"] == hashlib.sha256(content).hexdigest()
    assert (stored["sizeBytes"], stored["mediaType"]) == (str(len(content)), "application/pdf")
    application = await submitted_with(gateway, owner, stored)
    url = f"/v1/{application['name']}/documents/{stored['sha256']}:download"

    whole = await gateway.get(url, headers=reviewer, timeout=120)
    assert whole.status_code == 200, whole.text
    assert whole.content == content
    assert whole.headers["content-type"] == "application/pdf"
    assert whole.headers["content-length"] == str(len(content))
    assert whole.headers["accept-ranges"] == "bytes"
    assert whole.headers["content-disposition"] == content_disposition(file_name, inline=False)
    assert whole.headers["x-content-type-options"] == "nosniff"

    viewed = await gateway.get(
        url, params={"disposition": "inline"}, headers={**reviewer, "range": "bytes=100-199"}
    )
    assert viewed.status_code == 206
    assert viewed.content == content[100:200]
    assert viewed.headers["content-range"] == f"bytes 100-199/{len(content)}"
    assert viewed.headers["content-disposition"].startswith("inline;")
    tail = await gateway.get(url, headers={**owner, "range": "bytes=-10"})
    assert (tail.status_code, tail.content) == (206, content[-10:])
    start = await gateway.get(url, headers={**owner, "range": "bytes=0-3"})
    assert (start.status_code, start.content) == (206, b"%PDF")
    past = await gateway.get(url, headers={**owner, "range": f"bytes={len(content)}-"})
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{len(content)}"


async def test_an_upload_that_is_not_its_declared_self_is_refused_with_the_field(
    gateway: httpx.AsyncClient, issuer: TokenIssuer
) -> None:
    owner = bearer(issuer, Role.APPLICANT, "aliya")
    await gateway.post("/v1/enterprises", json=enterprise_json(ENTERPRISE_BIN), headers=owner)
    content = pdf_of_size("standards", 300_000)
    wrong = {**form(content), "sha256": hashlib.sha256(b"something else").hexdigest()}
    mismatch = await gateway.post(
        UPLOAD, data=wrong, files={"file": ("standards.pdf", content)}, headers=owner
    )
    assert mismatch.status_code == 400
    [violation] = mismatch.json()["details"][0]["fieldViolations"]
    assert violation["field"] == "declaration.sha256"

    as_json = await gateway.post(UPLOAD, json={"sha256": "0" * 64}, headers=owner)
    assert as_json.status_code == 415
    assert as_json.json()["code"] == 3
    no_declaration = await gateway.post(UPLOAD, files={"file": ("a.pdf", content)}, headers=owner)
    assert no_declaration.status_code == 400
    assert "sha256" in no_declaration.json()["message"]


async def test_a_form_that_sends_the_file_before_its_fields_is_stored_all_the_same(
    gateway: httpx.AsyncClient, issuer: TokenIssuer
) -> None:
    """Multipart part order is the client's (a generated OpenAPI client sends the file first);
    the gateway waits for the fields with the file in a bounded spool."""
    owner = bearer(issuer, Role.APPLICANT, "aliya")
    await gateway.post("/v1/enterprises", json=enterprise_json(ENTERPRISE_BIN), headers=owner)
    content = pdf_of_size("standards", 3 * 1024 * 1024)  # past the in-memory part of the spool
    boundary = "file-first"
    fields = "".join(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'
        for name, value in form(content).items()
    )
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
        f'filename="standards.pdf"\r\nContent-Type: application/pdf\r\n\r\n'
    ).encode()
    body += content + f"\r\n{fields}--{boundary}--\r\n".encode()
    uploaded = await gateway.post(
        UPLOAD,
        content=body,
        headers={**owner, "content-type": f"multipart/form-data; boundary={boundary}"},
        timeout=120,
    )
    assert uploaded.status_code == 200, uploaded.text
    stored = uploaded.json()["document"]
    assert (stored["sha256"], stored["sizeBytes"]) == (
        hashlib.sha256(content).hexdigest(),
        str(len(content)),
    )


def test_a_download_names_its_file_safely_for_every_client() -> None:
    header = content_disposition('Проект "ТЭЦ-2"; том\\1.pdf', inline=False)
    plain, encoded = header.split("; filename*=")
    # Old clients get ASCII with nothing that could end the quoted name or the header.
    assert plain == 'attachment; filename="______ ____-2__ ____1.pdf"'
    assert encoded == (
        "UTF-8''%D0%9F%D1%80%D0%BE%D0%B5%D0%BA%D1%82%20%22%D0%A2%D0%AD%D0%A6-2%22%3B%20"
        "%D1%82%D0%BE%D0%BC%5C1.pdf"
    )


async def test_an_upload_refused_at_its_declaration_hears_the_refusal_not_a_fault(
    gateway: httpx.AsyncClient, issuer: TokenIssuer
) -> None:
    """The service refuses after the declaration while the gateway is still sending the file:
    the refusal must reach the client, not gRPC's "Internal error from Core" (schemathesis
    found it as a 500 in about one upload of thirty)."""
    owner = bearer(issuer, Role.APPLICANT, "aliya")
    await gateway.post("/v1/enterprises", json=enterprise_json(ENTERPRISE_BIN), headers=owner)
    boundary = "refused"
    part = f'--{boundary}\r\nContent-Disposition: form-data; name="{{}}"{{}}\r\n\r\n{{}}\r\n'
    body = (
        part.format(
            "sha256", "", "6c23add3f20d4819ef669e81253804f582bfd41b9b58c522efb4017c99c2fe30"
        )
        + part.format("file", '; filename="a.pdf"', "h")  # before size_bytes: spooled
        + part.format("size_bytes", "", "2209748")
        + f"--{boundary}--\r\n"
    ).encode()
    foreign = f"/v1/enterprises/{OTHER_ENTERPRISE_BIN}/documents:upload"
    headers = {**owner, "content-type": f"multipart/form-data; boundary={boundary}"}
    answers = [(await gateway.post(foreign, content=body, headers=headers)) for _ in range(60)]
    assert {(a.status_code, a.json()["code"]) for a in answers} == {(403, 7)}  # PERMISSION_DENIED


async def test_an_upload_without_a_token_is_refused_before_anything_is_read(
    gateway: httpx.AsyncClient,
) -> None:
    content = pdf_of_size("standards", 300_000)
    refused = await gateway.post(UPLOAD, files={"file": ("a.pdf", content)}, data=form(content))
    assert refused.status_code == 401
    assert refused.json()["code"] == 16  # UNAUTHENTICATED


async def test_a_body_that_is_not_a_multipart_form_is_the_clients_mistake_not_a_fault(
    gateway: httpx.AsyncClient, issuer: TokenIssuer
) -> None:
    owner = bearer(issuer, Role.APPLICANT, "aliya")
    await gateway.post("/v1/enterprises", json=enterprise_json(ENTERPRISE_BIN), headers=owner)
    boundary = "d592b611d586824961806c70d6626a92"
    # What schemathesis sent: a boundary, then a part whose header is not a header.
    broken = f"--{boundary}\r\n[{{'a': None}}]\r\n--{boundary}--\r\n".encode()
    refused = await gateway.post(
        UPLOAD,
        content=broken,
        headers={**owner, "content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert refused.status_code == 400, refused.text
    assert "multipart" in refused.json()["message"]
    # The form breaks off after its declaration, inside the file: a short file, refused.
    content = b"%PDF-1.4 " + b"x" * 4096
    digest = hashlib.sha256(content).hexdigest()
    declared = (
        (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="sha256"\r\n\r\n{digest}\r\n'
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="size_bytes"\r\n\r\n{len(content)}\r\n'
            f"--{boundary}\r\n"
            'Content-Disposition: form-data; name="file"; filename="a.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + content[:100]
        + f"\r\n--{boundary}\r\n[not a header]\r\n".encode()
    )
    short = await gateway.post(
        UPLOAD,
        content=declared,
        headers={**owner, "content-type": f"multipart/form-data; boundary={boundary}"},
    )
    assert short.status_code == 400, short.text
