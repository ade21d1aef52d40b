"""The dossier as the people around an application meet it: an enterprise uploads its
documents and cites them, officials and (once a hearing publishes them) the public read them
back, amendments add versions, and what a decision was taken on stays as it was.

Real grpc.aio servers on loopback, the embedded file store under the test's data directory;
the S3 path against moto's S3-compatible server over real HTTP.
"""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import boto3
import grpc
import pytest
from moto.server import ThreadedMotoServer
from pydantic import SecretStr
from types_boto3_s3 import S3Client

from ecopermit.applicants.v1 import applicant_service_pb2 as api
from ecopermit.applicants.v1 import applicant_service_pb2_grpc, applicant_workflow_service_pb2_grpc
from ecopermit.applicants.v1 import applicant_workflow_service_pb2 as workflow_api
from ecopermit.applicants.v1 import resources_pb2 as pb
from ecopermit.demo.stand_in_documents import scanned_pdf_pieces, stand_in_pdf
from ecopermit.domain.errors import InvalidArgumentError
from ecopermit.runtime import document_upload, migrations
from ecopermit.runtime.database import create_engine, session_factory
from ecopermit.runtime.esign.statements import Purpose
from ecopermit.runtime.identity import Role
from ecopermit.runtime.settings import DocumentStoreKind, ServiceName, Settings
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.services.applicants import uploads
from ecopermit.services.registry import registrations
from tests import samples
from tests.conftest import ENTERPRISE_BIN, OTHER_ENTERPRISE_BIN, Metadata, bearer, serve_on_loopback

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def pdf_of_size(title: str, size: int) -> bytes:
    """A PDF of about the size a scanned dossier has: the stand-in, padded with noise."""
    return b"".join(scanned_pdf_pieces(title, size))


def declared(content: bytes, file_name: str = "project.pdf") -> api.DocumentUpload:
    return api.DocumentUpload(
        parent=f"enterprises/{ENTERPRISE_BIN}",
        file_name=file_name,
        sha256=hashlib.sha256(content).hexdigest(),
        size_bytes=len(content),
    )


async def in_chunks(content: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(content), size):
        yield content[start : start + size]


@dataclass
class Parties:
    stub: applicant_service_pb2_grpc.ApplicantServiceStub
    workflow: applicant_workflow_service_pb2_grpc.ApplicantWorkflowServiceStub
    owner: Metadata
    competitor: Metadata
    reviewer: Metadata
    public: Metadata
    worker: Metadata

    async def upload(self, content: bytes, file_name: str) -> pb.StoredDocument:
        return await document_upload.upload(
            self.stub, ENTERPRISE_BIN, file_name, content, self.owner
        )

    async def read(self, name: str, who: Metadata, offset: int = 0, limit: int = 0) -> bytes:
        request = api.DownloadDocumentRequest(name=name, read_offset=offset, read_limit=limit)
        messages = [m async for m in self.stub.DownloadDocument(request, metadata=who)]
        assert messages[0].WhichOneof("content") == "document"
        return b"".join(m.chunk for m in messages[1:])

    async def move(self, application: pb.Application, sequence: int, stage: int) -> None:
        await self.workflow.RecordStageTransition(
            workflow_api.RecordStageTransitionRequest(
                name=application.name,
                sequence=sequence,
                stage=stage,  # type: ignore[arg-type]
            ),
            metadata=self.worker,
        )


async def parties_on(channel: grpc.aio.Channel, issuer: TokenIssuer) -> Parties:
    parties = Parties(
        stub=applicant_service_pb2_grpc.ApplicantServiceStub(channel),
        workflow=applicant_workflow_service_pb2_grpc.ApplicantWorkflowServiceStub(channel),
        owner=bearer(issuer, Role.APPLICANT, "aliya", ENTERPRISE_BIN),
        competitor=bearer(issuer, Role.APPLICANT, "boris", OTHER_ENTERPRISE_BIN),
        reviewer=bearer(issuer, Role.REVIEWER, "rustam"),
        public=bearer(issuer, Role.PUBLIC, "citizen"),
        worker=bearer(issuer, Role.WORKER, "permit-worker"),
    )
    for who, bin_ in ((parties.owner, ENTERPRISE_BIN), (parties.competitor, OTHER_ENTERPRISE_BIN)):
        await parties.stub.RegisterEnterprise(
            api.RegisterEnterpriseRequest(enterprise=samples.enterprise(bin_)), metadata=who
        )
    return parties


@pytest.fixture
async def parties(applicants_channel: grpc.aio.Channel, issuer: TokenIssuer) -> Parties:
    return await parties_on(applicants_channel, issuer)


def stored_objects(settings: Settings) -> list[Path]:
    return [p for p in settings.documents_path().rglob("*") if p.is_file()]


def document_name(application: pb.Application, sha256: str) -> str:
    return f"{application.name}/documents/{sha256}"


async def refusal(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as raised:
        await call  # type: ignore[misc]
    return raised.value


async def test_an_uploaded_dossier_is_read_back_byte_for_byte_by_a_reviewer(
    parties: Parties, settings: Settings
) -> None:
    content = pdf_of_size("project documentation, CHP-2", 3 * 1024 * 1024 + 17)
    stored = await parties.upload(content, "Проектная документация.pdf")
    assert stored.name == f"enterprises/{ENTERPRISE_BIN}/documents/{stored.sha256}"
    assert (stored.size_bytes, stored.media_type) == (len(content), "application/pdf")
    request = samples.submit_request(ENTERPRISE_BIN)
    del request.application.documents[:]
    request.application.documents.add(
        kind=pb.DOCUMENT_KIND_PROJECT_DOCUMENTATION,
        file_name="Проектная документация.pdf",
        sha256=stored.sha256,
        size_bytes=stored.size_bytes,
    )
    application = (
        await parties.stub.SubmitApplication(
            samples.signed(request, Purpose.SUBMISSION, "aliya"), metadata=parties.owner
        )
    ).application
    [listed] = application.documents
    assert (listed.version, listed.media_type) == (1, "application/pdf")

    name = document_name(application, stored.sha256)
    assert await parties.read(name, parties.reviewer) == content
    assert await parties.read(name, parties.owner, offset=1000, limit=5000) == content[1000:6000]
    assert await parties.read(name, parties.reviewer, offset=len(content)) == b""
    # Kept once, read-only, under its hash; nothing left in the upload spool.
    [kept] = stored_objects(settings)
    assert kept.name == stored.sha256
    assert kept.read_bytes() == content
    assert kept.stat().st_mode & 0o222 == 0  # nobody writes over a kept document
    assert list(settings.uploads_path().iterdir()) == []


async def test_the_same_bytes_uploaded_twice_are_one_document_kept_once(
    parties: Parties, settings: Settings
) -> None:
    content = stand_in_pdf("draft emission standards")
    first = await parties.upload(content, "standards.pdf")
    again = await parties.upload(content, "standards-copy.pdf")
    assert again == first  # the first upload's record, name and all
    assert len(stored_objects(settings)) == 1


def _bad_uploads() -> Iterator[tuple[str, list[api.UploadDocumentRequest], str]]:
    good = stand_in_pdf("waste programme")
    header = declared(good)

    def chunks(content: bytes) -> list[api.UploadDocumentRequest]:
        return [api.UploadDocumentRequest(chunk=content)]

    wrong_hash = api.DocumentUpload()
    wrong_hash.CopyFrom(header)
    wrong_hash.sha256 = hashlib.sha256(b"other").hexdigest()
    yield (
        "sha256 mismatch",
        [api.UploadDocumentRequest(declaration=wrong_hash), *chunks(good)],
        ("declaration.sha256"),
    )
    yield (
        "fewer bytes",
        [api.UploadDocumentRequest(declaration=header), *chunks(good[:-1])],
        ("declaration.size_bytes"),
    )
    yield (
        "more bytes",
        [api.UploadDocumentRequest(declaration=header), *chunks(good + b"x")],
        ("declaration.size_bytes"),
    )
    yield "empty", [api.UploadDocumentRequest(declaration=header)], "chunk"
    exe = declared(b"MZ" + b"\x00" * 100, "setup.exe")
    yield "type not allowed", [api.UploadDocumentRequest(declaration=exe)], "declaration.file_name"
    png = declared(PNG_SIGNATURE, "scan.pdf")
    yield (
        "bytes not of the named type",
        [
            api.UploadDocumentRequest(declaration=png),
            *chunks(PNG_SIGNATURE),
        ],
        "declaration.file_name",
    )
    huge = api.DocumentUpload()
    huge.CopyFrom(header)
    huge.size_bytes = 100 * 1024 * 1024 + 1
    yield "over the limit", [api.UploadDocumentRequest(declaration=huge)], "declaration.size_bytes"
    control = declared(good, "project\r\n.pdf")
    yield (
        "control characters in the name",
        [
            api.UploadDocumentRequest(declaration=control),
            *chunks(good),
        ],
        "declaration.file_name",
    )
    yield (
        "bytes before the declaration",
        [
            *chunks(good),
            api.UploadDocumentRequest(declaration=header),
        ],
        "declaration",
    )
    yield (
        "a second declaration",
        [
            api.UploadDocumentRequest(declaration=header),
            api.UploadDocumentRequest(declaration=header),
        ],
        "declaration",
    )


@pytest.mark.parametrize(("case", "requests", "field"), list(_bad_uploads()), ids=lambda x: x)
async def test_an_upload_unlike_its_declaration_is_refused_with_its_field_and_nothing_is_kept(
    parties: Parties,
    settings: Settings,
    case: str,
    requests: list[api.UploadDocumentRequest],
    field: str,
) -> None:
    async def send() -> AsyncIterator[api.UploadDocumentRequest]:
        for request in requests:
            yield request

    refused = await refusal(parties.stub.UploadDocument(send(), metadata=parties.owner))
    assert refused.code() is grpc.StatusCode.INVALID_ARGUMENT, case
    assert field in (refused.details() or ""), (case, refused.details())
    assert stored_objects(settings) == []
    assert not settings.uploads_path().exists() or list(settings.uploads_path().iterdir()) == []
    # Nor can an application cite what was refused.
    cited = samples.submit_request(ENTERPRISE_BIN)
    del cited.application.documents[:]
    declaration = next(r.declaration for r in requests if r.HasField("declaration"))
    cited.application.documents.add(
        kind=pb.DOCUMENT_KIND_PROJECT_DOCUMENTATION,
        file_name="project.pdf",
        sha256=declaration.sha256,
        size_bytes=min(declaration.size_bytes, 100 * 1024 * 1024),
    )
    not_uploaded = await refusal(
        parties.stub.SubmitApplication(
            samples.signed(cited, Purpose.SUBMISSION, "aliya"), metadata=parties.owner
        )
    )
    assert not_uploaded.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert "application.documents[0].sha256" in (not_uploaded.details() or "")


async def test_a_file_over_the_configured_limit_is_refused_before_it_is_read(
    tmp_path: Path,
) -> None:
    content = stand_in_pdf("a large scan")

    async def never() -> AsyncIterator[bytes]:
        raise AssertionError("no byte is read of a file declared over the limit")
        yield b""  # pragma: no cover - makes this a generator

    with pytest.raises(InvalidArgumentError) as refused:
        await uploads.receive(declared(content), never(), tmp_path, max_bytes=len(content) - 1)
    assert refused.value.violations[0].field == "declaration.size_bytes"
    assert not any(tmp_path.iterdir())  # noqa: ASYNC240 - a test's own folder


async def test_an_application_cites_only_its_own_enterprises_uploads(parties: Parties) -> None:
    theirs = await document_upload.upload(
        parties.stub,
        OTHER_ENTERPRISE_BIN,
        "project.pdf",
        samples.document_bytes("project.pdf"),
        parties.competitor,
    )
    request = samples.submit_request(ENTERPRISE_BIN)
    refused = await refusal(
        parties.stub.SubmitApplication(
            samples.signed(request, Purpose.SUBMISSION, "aliya"), metadata=parties.owner
        )
    )
    assert refused.code() is grpc.StatusCode.INVALID_ARGUMENT
    assert theirs.sha256 == request.application.documents[0].sha256
    assert "application.documents[0].sha256" in (refused.details() or "")
    listed = await parties.stub.ListApplications(
        api.ListApplicationsRequest(), metadata=parties.reviewer
    )
    assert list(listed.applications) == []


async def test_another_enterprise_can_neither_upload_for_nor_read_an_enterprises_documents(
    parties: Parties,
) -> None:
    application = await samples.submit(
        parties.stub, samples.submit_request(ENTERPRISE_BIN), parties.owner, subject="aliya"
    )
    content = stand_in_pdf("forged")
    forged = document_upload.upload(
        parties.stub, ENTERPRISE_BIN, "project.pdf", content, parties.competitor
    )
    assert (await refusal(forged)).code() is grpc.StatusCode.PERMISSION_DENIED
    name = document_name(application, application.documents[0].sha256)
    hidden = await refusal(parties.read(name, parties.competitor))
    assert hidden.code() is grpc.StatusCode.NOT_FOUND
    dossier = parties.stub.GetDossier(
        api.GetDossierRequest(name=f"{application.name}/dossier"), metadata=parties.competitor
    )
    assert (await refusal(dossier)).code() is grpc.StatusCode.NOT_FOUND


async def test_the_public_reads_the_documents_a_hearing_published_from_its_publication_on(
    parties: Parties,
) -> None:
    application = await samples.submit(
        parties.stub, samples.submit_request(ENTERPRISE_BIN), parties.owner, subject="aliya"
    )
    project = document_name(application, application.documents[0].sha256)
    dossier_request = api.GetDossierRequest(name=f"{application.name}/dossier")
    before = await refusal(parties.read(project, parties.public))
    assert before.code() is grpc.StatusCode.NOT_FOUND
    unpublished = parties.stub.GetDossier(dossier_request, metadata=parties.public)
    assert (await refusal(unpublished)).code() is grpc.StatusCode.NOT_FOUND

    await parties.move(application, 1, pb.STAGE_STATE_EXPERTISE)  # the hearing opens
    assert await parties.read(project, parties.public) == samples.document_bytes("project.pdf")
    published = (await parties.stub.GetDossier(dossier_request, metadata=parties.public)).dossier
    assert [d.file_name for d in published.documents] == ["project.pdf", "standards.pdf"]

    # A document the enterprise adds later, answering remarks, was not posted for the hearing.
    await parties.move(application, 2, pb.STAGE_APPLICANT_ANSWER)
    later = samples.document(pb.DOCUMENT_KIND_WASTE_PROGRAMME, "waste.pdf")
    await samples.upload_documents(parties.stub, ENTERPRISE_BIN, [later], parties.owner)
    answer = api.AmendApplicationRequest(
        name=application.name,
        request_id=str(uuid.uuid4()),
        response="The waste programme, as the remarks ask.",
        documents=[later],
    )
    await parties.stub.AmendApplication(
        samples.signed(answer, Purpose.ANSWER, "aliya", ENTERPRISE_BIN), metadata=parties.owner
    )
    added = document_name(application, later.sha256)
    assert await parties.read(added, parties.reviewer) == samples.document_bytes("waste.pdf")
    unposted = await refusal(parties.read(added, parties.public))
    assert unposted.code() is grpc.StatusCode.NOT_FOUND
    still = (await parties.stub.GetDossier(dossier_request, metadata=parties.public)).dossier
    assert [d.file_name for d in still.documents] == ["project.pdf", "standards.pdf"]


async def test_an_amendment_adds_a_version_and_the_permit_keeps_the_dossier_it_was_decided_on(
    parties: Parties,
) -> None:
    application = await samples.submit(
        parties.stub, samples.submit_request(ENTERPRISE_BIN), parties.owner, subject="aliya"
    )
    submitted_at = application.create_time.ToDatetime() + timedelta(microseconds=1)
    first = application.documents[0]
    await parties.move(application, 1, pb.STAGE_RETURNED_FOR_REVISION)
    revised_bytes = stand_in_pdf("project documentation, revised after the remarks")
    revised = await parties.upload(revised_bytes, "project.pdf")
    answer = api.AmendApplicationRequest(
        name=application.name,
        request_id=str(uuid.uuid4()),
        response="The project documentation, revised.",
        documents=[
            pb.Document(
                kind=first.kind,
                file_name=first.file_name,
                sha256=revised.sha256,
                size_bytes=revised.size_bytes,
            )
        ],
    )
    amended = (
        await parties.stub.AmendApplication(
            samples.signed(answer, Purpose.ANSWER, "aliya", ENTERPRISE_BIN),
            metadata=parties.owner,
        )
    ).application
    assert [(d.file_name, d.version) for d in amended.documents] == [
        ("standards.pdf", 1),
        ("project.pdf", 2),
    ]
    dossier_name = f"{application.name}/dossier"
    now = (
        await parties.stub.GetDossier(
            api.GetDossierRequest(name=dossier_name), metadata=parties.reviewer
        )
    ).dossier
    assert [(d.sha256, d.version) for d in now.replaced] == [(first.sha256, 1)]
    assert now.replaced[0].HasField("replace_time")
    as_submitted = api.GetDossierRequest(name=dossier_name)
    as_submitted.read_time.FromDatetime(submitted_at)
    then = (await parties.stub.GetDossier(as_submitted, metadata=parties.reviewer)).dossier
    assert [(d.file_name, d.version) for d in then.documents] == [
        ("project.pdf", 1),
        ("standards.pdf", 1),
    ]
    # Both versions stay readable.
    assert await parties.read(document_name(application, first.sha256), parties.reviewer) == (
        samples.document_bytes("project.pdf")
    )
    assert await parties.read(document_name(application, revised.sha256), parties.reviewer) == (
        revised_bytes
    )

    await parties.move(application, 2, pb.STAGE_DECISION)
    permit = (
        await parties.workflow.IssuePermit(
            workflow_api.IssuePermitRequest(application=application.name, signed_by="dm1"),
            metadata=parties.worker,
        )
    ).permit
    assert [(d.file_name, d.version, d.sha256) for d in permit.dossier] == [
        ("standards.pdf", 1, amended.documents[0].sha256),
        ("project.pdf", 2, revised.sha256),
    ]


def moto_client(endpoint: str) -> S3Client:
    # moto accepts any key pair.
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="ecopermit",
        aws_secret_access_key="test-only",
    )


@pytest.fixture
def moto_s3() -> Iterator[str]:
    """moto's S3-compatible server on a free loopback port, with an empty bucket."""
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    moto_client(endpoint).create_bucket(Bucket="dossiers")
    yield endpoint
    server.stop()


async def test_documents_are_kept_in_an_s3_compatible_store_over_real_http(
    settings: Settings, issuer: TokenIssuer, moto_s3: str
) -> None:
    on_s3 = settings.model_copy(
        update={
            "document_store": DocumentStoreKind.S3,
            "s3_endpoint_url": moto_s3,
            "s3_bucket": "dossiers",
            "s3_prefix": "kep/",
            "s3_access_key_id": SecretStr("ecopermit"),
            "s3_secret_access_key": SecretStr("test-only"),
        }
    )
    await asyncio.to_thread(migrations.upgrade, ServiceName.APPLICANTS, on_s3)
    engine = create_engine(on_s3.database_url(ServiceName.APPLICANTS))
    running = await serve_on_loopback(
        on_s3, registrations(ServiceName.APPLICANTS, session_factory(engine), on_s3)
    )
    channel = grpc.aio.insecure_channel(f"127.0.0.1:{running.port}")
    try:
        parties = await parties_on(channel, issuer)
        content = pdf_of_size("project documentation on S3", 2 * 1024 * 1024 + 5)
        stored = await parties.upload(content, "project.pdf")
        again = await parties.upload(content, "project.pdf")  # a second PUT: 412, the same one
        assert again == stored
        request = samples.submit_request(ENTERPRISE_BIN)
        await samples.upload_documents(
            parties.stub, ENTERPRISE_BIN, request.application.documents[1:], parties.owner
        )
        request.application.documents[0].sha256 = stored.sha256
        request.application.documents[0].size_bytes = stored.size_bytes
        application = (
            await parties.stub.SubmitApplication(
                samples.signed(request, Purpose.SUBMISSION, "aliya"), metadata=parties.owner
            )
        ).application
        name = document_name(application, stored.sha256)
        assert await parties.read(name, parties.reviewer) == content
        assert await parties.read(name, parties.reviewer, 4096, 10) == content[4096:4106]
        listing = moto_client(moto_s3).list_objects_v2(Bucket="dossiers")
        keys = [o["Key"] for o in listing["Contents"]]
        assert f"kep/sha256/{stored.sha256}" in keys
        assert len(keys) == 2  # the project and the standards; the repeat wrote nothing
        assert stored_objects(on_s3) == []  # nothing on the local disk
    finally:
        await channel.close()
        await running.stop(0)
        await engine.dispose()
