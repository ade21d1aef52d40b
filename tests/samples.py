"""Valid sample requests, as an enterprise would fill them in, for the service tests."""

from __future__ import annotations

import base64
import functools
import hashlib
import tempfile
import uuid
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message

from ecopermit.applicants.v1 import applicant_service_pb2 as api
from ecopermit.applicants.v1 import applicant_service_pb2_grpc
from ecopermit.applicants.v1 import resources_pb2 as pb
from ecopermit.demo.stand_in_documents import stand_in_pdf
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.reviews.v1 import review_workflow_service_pb2 as reviews_workflow_api
from ecopermit.runtime import document_upload
from ecopermit.runtime.esign.checks import SignatureCheck, SignedStatement, WatchedTrustStore
from ecopermit.runtime.esign.local_authority import LocalAuthority, local_principal
from ecopermit.runtime.esign.requests import SignedRequest
from ecopermit.runtime.esign.statements import Purpose
from ecopermit.runtime.esign.verification import RevocationMode
from ecopermit.runtime.identity import Principal, Role
from ecopermit.type.v1 import kazakhstan_pb2 as kz


@functools.cache
def test_authority() -> LocalAuthority:
    """The test run's certification authority, which the `settings` fixture makes the trust
    store; its people's keys are issued once per run."""
    return LocalAuthority.in_directory(Path(tempfile.mkdtemp(prefix="ecopermit-esign-")))


def signed(
    request: SignedRequest,
    purpose: Purpose,
    subject: str = "tester",
    enterprise_bin: str | None = None,
    role: Role = Role.APPLICANT,
    authority: LocalAuthority | None = None,
) -> SignedRequest:
    """`request` signed by the person whose token `conftest.bearer(issuer, role, subject,
    enterprise_bin)` makes (an applicant for the enterprise the request names by default),
    with a key from `authority` (default: the test run's)."""
    if enterprise_bin is None and role is Role.APPLICANT:
        application = getattr(request, "application", None)
        enterprise_bin = application.enterprise.removeprefix("enterprises/") if application else ""
    return (authority or test_authority()).sign(
        request, purpose, local_principal(subject, role, enterprise_bin)
    )


async def verified(
    request: SignedRequest, purpose: Purpose, signer: Principal, organisation_bin: str
) -> SignedStatement:
    """`request` signed by `signer` and verified as the service verifies it, for a test that
    calls a store directly."""
    signed = test_authority().sign(request, purpose, signer)
    trust = WatchedTrustStore(test_authority().trust_dir, test_authority().crl_dir)
    check = SignatureCheck(trust, RevocationMode.REQUIRE, fetch_revocation=False)
    return await check.verified(signed, purpose, signer, organisation_bin=organisation_bin)


def signed_json(
    body: dict[str, Any],
    message: type[Message],
    purpose: Purpose,
    subject: str = "tester",
    **who: Any,
) -> dict[str, Any]:
    """A JSON request body with its "signature" (base64) set, as a client of the gateway signs
    it: the statement is of the message the JSON maps to, as the service reads it."""
    request = json_format.ParseDict(body, message())
    signature = signed(request, purpose, subject, **who).signature  # type: ignore[attr-defined]
    return {**body, "signature": base64.b64encode(signature).decode()}


def enterprise(bin_: str, name: str = "Pavlodar Power JSC") -> pb.Enterprise:
    return pb.Enterprise(
        bin=bin_,
        display_name=name,
        region=kz.REGION_PAVLODAR,
        sector=kz.SECTOR_COAL_POWER_AND_HEAT,
    )


def document_bytes(file_name: str) -> bytes:
    """The bytes of a sample document: a one-page PDF titled with its file name."""
    return stand_in_pdf(file_name)


def document(kind: int, file_name: str) -> pb.Document:
    content = document_bytes(file_name)
    return pb.Document(
        kind=kind,  # type: ignore[arg-type]
        file_name=file_name,
        sha256=hashlib.sha256(content).hexdigest(),
        size_bytes=len(content),
    )


async def upload_documents(
    stub: applicant_service_pb2_grpc.ApplicantServiceStub,
    bin_: str,
    documents: Iterable[pb.Document],
    metadata: Sequence[tuple[str, str]],
) -> None:
    """Uploads the bytes of sample documents, as an enterprise does before it submits."""
    for sample in documents:
        await document_upload.upload(
            stub, bin_, sample.file_name, document_bytes(sample.file_name), metadata
        )


async def submit(
    stub: applicant_service_pb2_grpc.ApplicantServiceStub,
    request: api.SubmitApplicationRequest,
    metadata: Sequence[tuple[str, str]],
    subject: str = "tester",
    authority: LocalAuthority | None = None,
) -> pb.Application:
    """Uploads the application's documents, then submits it signed by `subject` (the name the
    metadata's token was minted for)."""
    bin_ = request.application.enterprise.removeprefix("enterprises/")
    await upload_documents(stub, bin_, request.application.documents, metadata)
    response = await stub.SubmitApplication(
        signed(request, Purpose.SUBMISSION, subject, authority=authority), metadata=metadata
    )
    submitted: pb.Application = response.application
    return submitted


def application(bin_: str, *, nox_mg_nm3: float = 180.0) -> pb.Application:
    return pb.Application(
        enterprise=f"enterprises/{bin_}",
        facility=pb.Facility(
            display_name="CHP-2",
            address="Pavlodar, Industrial zone 1",
            region=kz.REGION_PAVLODAR,
            rated_thermal_input_mw=420,
        ),
        sector=kz.SECTOR_COAL_POWER_AND_HEAT,
        emission_sources=[
            pb.EmissionSource(
                source_id="stack-1",
                source_type="pc_boiler",
                emissions=[
                    pb.DeclaredEmission(
                        pollutant=kz.POLLUTANT_NOX,
                        concentration_mg_nm3=nox_mg_nm3,
                        oxygen_percent=6,
                        annual_tonnes=2400,
                    ),
                    pb.DeclaredEmission(
                        pollutant=kz.POLLUTANT_DUST,
                        concentration_mg_nm3=12,
                        oxygen_percent=6,
                        annual_tonnes=150,
                    ),
                ],
            )
        ],
        documents=[
            document(pb.DOCUMENT_KIND_PROJECT_DOCUMENTATION, "project.pdf"),
            document(pb.DOCUMENT_KIND_DRAFT_EMISSION_STANDARDS, "standards.pdf"),
        ],
    )


def submit_request(bin_: str, request_id: str | None = None) -> api.SubmitApplicationRequest:
    return api.SubmitApplicationRequest(
        request_id=request_id or str(uuid.uuid4()), application=application(bin_)
    )


def task_creation(
    application: str,
    kind: reviews_pb.TaskKind,
    region: kz.Region,
    due_in: timedelta = timedelta(days=5),
) -> reviews_workflow_api.CreateTaskRequest:
    """A task as the worker creates it, saying what it is about: CHP-2 of Pavlodar Power JSC,
    in the region given."""
    request = reviews_workflow_api.CreateTaskRequest(
        task_id=f"t-{uuid.uuid4().hex[:12]}",
        application=application,
        kind=kind,
        subject=reviews_pb.TaskSubject(
            enterprise="enterprises/990340000123",
            enterprise_display_name="Pavlodar Power JSC",
            facility_display_name="CHP-2",
            region=region,
            sector=kz.SECTOR_COAL_POWER_AND_HEAT,
        ),
    )
    request.due_time.FromDatetime(datetime.now(UTC) + due_in)
    return request
