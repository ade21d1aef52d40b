"""gRPC edge of the applicants service: requests in, records out, nothing else."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from ecopermit.applicants.v1 import (
    applicant_service_pb2 as api,
)
from ecopermit.applicants.v1 import (
    applicant_service_pb2_grpc,
    applicant_workflow_service_pb2_grpc,
)
from ecopermit.applicants.v1 import (
    applicant_workflow_service_pb2 as workflow_api,
)
from ecopermit.applicants.v1 import resources_pb2 as pb
from ecopermit.domain.errors import (
    FieldViolation,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
)
from ecopermit.runtime import pagination, tracing
from ecopermit.runtime.esign.checks import SignatureCheck
from ecopermit.runtime.esign.evidence import signature_message
from ecopermit.runtime.esign.statements import Purpose
from ecopermit.runtime.grpc.auth import current_principal
from ecopermit.runtime.identity import Role
from ecopermit.runtime.object_store import ObjectNotFoundError, ObjectStore
from ecopermit.services.applicants import uploads
from ecopermit.services.applicants.models import (
    EnterpriseRecord,
    StoredDocumentRecord,
)
from ecopermit.services.applicants.permit_certificates import PermitCertificates, as_published
from ecopermit.services.applicants.store import (
    Answer,
    ApplicantStore,
    ApplicationFilters,
    ApplicationView,
    DossierView,
    application_id_for,
    document_message,
    permit_message,
)
from ecopermit.type.v1 import kazakhstan_pb2 as kz

# The dashboard's defaults (internal targets, not statutory terms): an application is stuck
# after this many days without a change of stage; a deadline is near within this many days.
_STUCK_AFTER_DAYS = 10
_NEAR_DEADLINE_DAYS = 3
# What the public may list: applications whose public hearing may be open (the expertise under
# kep-2026.2, the consultation under kep-2026.1), and the register of permits.
_PUBLIC_STAGES = frozenset(
    {pb.STAGE_STATE_EXPERTISE, pb.STAGE_PUBLIC_CONSULTATION, pb.STAGE_APPROVED}
)


def enterprise_message(record: EnterpriseRecord) -> pb.Enterprise:
    message = pb.Enterprise(
        name=f"enterprises/{record.bin}",
        bin=record.bin,
        display_name=record.display_name,
        region=record.region,  # type: ignore[arg-type]
        sector=record.sector,  # type: ignore[arg-type]
    )
    message.create_time.FromDatetime(record.create_time)
    return message


def application_message(view: ApplicationView) -> pb.Application:
    record = view.record
    message = json_format.Parse(record.content, pb.Application())
    progress = json_format.Parse(record.progress, pb.Application())
    message.name = f"applications/{record.id}"
    message.stage = record.stage  # type: ignore[assignment]
    message.open_tasks.extend(progress.open_tasks)
    message.deadlines.extend(progress.deadlines)
    if progress.HasField("predicted_decision_time"):
        message.predicted_decision_time.CopyFrom(progress.predicted_decision_time)
    message.rules_version = record.rules_version
    message.permit = f"permits/{record.permit_id}" if record.permit_id else ""
    message.create_time.FromDatetime(record.create_time)
    message.update_time.FromDatetime(record.update_time)
    for transition in view.history:
        entry = message.stage_history.add(
            reason=transition.reason, reason_key=transition.reason_key
        )
        entry.reason_values.update(json.loads(transition.reason_values or "{}"))
        entry.stage = transition.stage  # type: ignore[assignment]
        entry.enter_time.FromDatetime(transition.enter_time)
    message.documents.extend(document_message(d) for d in view.documents)
    message.signatures.extend(signature_message(s) for s in view.signatures)
    return message


def stored_document_message(record: StoredDocumentRecord) -> pb.StoredDocument:
    message = pb.StoredDocument(
        name=f"enterprises/{record.enterprise_bin}/documents/{record.sha256}",
        sha256=record.sha256,
        size_bytes=record.size_bytes,
        media_type=record.media_type,
        file_name=record.file_name,
    )
    message.create_time.FromDatetime(record.create_time)
    return message


def dossier_message(application_id: str, view: DossierView) -> pb.Dossier:
    message = pb.Dossier(
        name=f"applications/{application_id}/dossier",
        documents=[document_message(e) for e in view.current],
        replaced=[document_message(e) for e in view.replaced],
    )
    message.read_time.FromDatetime(view.read_time)
    return message


def _as_published(application: pb.Application) -> pb.Application:
    """What the public reads of an application: its stages without their reasons, which carry
    the authority's remarks and the applicant's answers, no open tasks, and no signers (their
    names and IINs are personal data)."""
    for entry in application.stage_history:
        entry.reason = ""
        entry.reason_key = ""
        entry.reason_values.clear()
    del application.open_tasks[:]
    del application.signatures[:]
    return application


def _id(name: str) -> str:
    return name.rpartition("/")[2]


@dataclass(frozen=True)
class DocumentStorage:
    """Where uploads are spooled and kept, and how large one may be."""

    objects: ObjectStore
    spool_dir: Path
    max_bytes: int


def _declaration_out_of_place(description: str) -> InvalidArgumentError:
    return InvalidArgumentError(
        [FieldViolation("declaration", description, "upload.declaration_first")]
    )


async def _upload_chunks(
    requests: AsyncIterator[api.UploadDocumentRequest],
) -> AsyncIterator[bytes]:
    async for request in requests:
        if request.WhichOneof("content") != "chunk":
            raise _declaration_out_of_place("only the first message declares the file")
        yield request.chunk


class ApplicantServicer(applicant_service_pb2_grpc.ApplicantServiceServicer):
    def __init__(
        self,
        store: ApplicantStore,
        documents: DocumentStorage,
        signatures: SignatureCheck,
        certificates: PermitCertificates,
    ) -> None:
        self._store = store
        self._documents = documents
        self._signatures = signatures
        self._certificates = certificates

    async def RegisterEnterprise(  # noqa: N802 - gRPC method name
        self, request: api.RegisterEnterpriseRequest, context: Any
    ) -> api.RegisterEnterpriseResponse:
        record = await self._store.register_enterprise(request.enterprise, current_principal())
        return api.RegisterEnterpriseResponse(enterprise=enterprise_message(record))

    async def GetEnterprise(  # noqa: N802
        self, request: api.GetEnterpriseRequest, context: Any
    ) -> api.GetEnterpriseResponse:
        record = await self._store.get_enterprise(_id(request.name), current_principal())
        return api.GetEnterpriseResponse(enterprise=enterprise_message(record))

    async def SubmitApplication(  # noqa: N802
        self, request: api.SubmitApplicationRequest, context: Any
    ) -> api.SubmitApplicationResponse:
        enterprise_bin = _id(request.application.enterprise)
        application_id = application_id_for(enterprise_bin, request.request_id)
        principal = current_principal()
        if not principal.sees_enterprise(enterprise_bin):
            raise PermissionDeniedError("an applicant submits for its own enterprise only")
        with tracing.application_scope(application_id, stage="submitted"):
            # The signing employee's certificate names the enterprise; nothing is written
            # unless it verifies.
            signed = await self._signatures.verified(
                request, Purpose.SUBMISSION, principal, organisation_bin=enterprise_bin
            )
            view = await self._store.submit(
                request.request_id, request.application, signed, principal
            )
        return api.SubmitApplicationResponse(application=application_message(view))

    async def GetApplication(  # noqa: N802
        self, request: api.GetApplicationRequest, context: Any
    ) -> api.GetApplicationResponse:
        principal = current_principal()
        if principal.role is Role.PUBLIC:
            published = await self._store.published_application(_id(request.name))
            return api.GetApplicationResponse(
                application=_as_published(application_message(published))
            )
        view = await self._store.get_application(_id(request.name), principal)
        return api.GetApplicationResponse(application=application_message(view))

    async def ListApplications(  # noqa: N802
        self, request: api.ListApplicationsRequest, context: Any
    ) -> api.ListApplicationsResponse:
        principal = current_principal()
        enterprise_bin = _id(request.enterprise) if request.enterprise else ""
        if principal.role is Role.APPLICANT:
            if enterprise_bin and not principal.sees_enterprise(enterprise_bin):
                raise PermissionDeniedError("an applicant lists its own enterprise's only")
            enterprise_bin = principal.enterprise_bin or ""
        if principal.role is Role.PUBLIC and request.stage not in _PUBLIC_STAGES:
            # The public register: what is open for comment, and what was decided.
            raise PermissionDeniedError(
                "the public lists applications in a public hearing (state expertise, public "
                "consultation) or approved ones only"
            )
        filters = ApplicationFilters(request.stage, enterprise_bin, request.sector, request.region)
        views, next_token = await self._store.list_applications(
            filters, pagination.page_size(request.page_size), request.page_token
        )
        applications = [application_message(v) for v in views]
        if principal.role is Role.PUBLIC:
            applications = [_as_published(a) for a in applications]
        return api.ListApplicationsResponse(applications=applications, next_page_token=next_token)

    async def GetApplicationStatistics(  # noqa: N802
        self, request: api.GetApplicationStatisticsRequest, context: Any
    ) -> api.GetApplicationStatisticsResponse:
        # A territorial head of department counts its own region.
        own = current_principal().region
        figures = await self._store.statistics(
            timedelta(days=request.stuck_after_days or _STUCK_AFTER_DAYS),
            timedelta(days=request.near_deadline_days or _NEAR_DEADLINE_DAYS),
            kz.Region.Value(own) if own else 0,
        )
        response = api.GetApplicationStatisticsResponse(
            applications=sum(count for _, _, count in figures.counts)
        )
        for stage, region, count in figures.counts:
            response.by_stage_region.add(stage=stage, region=region, count=count)
        for turnaround in figures.turnarounds:
            response.turnaround.add(
                stage=turnaround.stage,
                left=turnaround.left,
                p50_hours=turnaround.p50_hours,
                p90_hours=turnaround.p90_hours,
            )
        for alerts, into in (
            (figures.lapsed, response.lapsed),
            (figures.near_deadline, response.near_deadline),
            (figures.stuck, response.stuck),
        ):
            for alert in alerts:
                facility, region = figures.facilities.get(alert.application_id, ("", 0))
                added = into.add(
                    application=f"applications/{alert.application_id}",
                    facility_display_name=facility,
                    region=region,
                    stage=alert.stage,
                )
                added.time.FromDatetime(alert.time)
        return response

    async def AmendApplication(  # noqa: N802
        self, request: api.AmendApplicationRequest, context: Any
    ) -> api.AmendApplicationResponse:
        amendment = pb.Application(
            emission_sources=request.emission_sources,
            documents=request.documents,
            efficiency_programme=request.efficiency_programme,
        )
        principal = current_principal()
        application = await self._store.get_application(_id(request.name), principal)
        signed = await self._signatures.verified(
            request,
            Purpose.ANSWER,
            principal,
            organisation_bin=application.record.enterprise_bin,
        )
        view = await self._store.amend(
            _id(request.name),
            request.request_id,
            amendment,
            Answer(request.response, disagrees=request.disagree),
            signed,
            principal,
        )
        return api.AmendApplicationResponse(application=application_message(view))

    async def WithdrawApplication(  # noqa: N802
        self, request: api.WithdrawApplicationRequest, context: Any
    ) -> api.WithdrawApplicationResponse:
        view = await self._store.withdraw(_id(request.name), request.reason, current_principal())
        return api.WithdrawApplicationResponse(application=application_message(view))

    async def UploadDocument(  # noqa: N802
        self, requests: AsyncIterator[api.UploadDocumentRequest], context: Any
    ) -> api.UploadDocumentResponse:
        first = await anext(aiter(requests), None)
        if first is None or first.WhichOneof("content") != "declaration":
            raise _declaration_out_of_place("the first message must declare the file")
        declaration = first.declaration
        enterprise_bin = _id(declaration.parent)
        principal = current_principal()
        await self._store.check_uploader(enterprise_bin, principal)
        storage = self._documents
        received = await uploads.receive(
            declaration, _upload_chunks(requests), storage.spool_dir, storage.max_bytes
        )
        try:
            # Idempotent by hash: bytes already kept (this or another enterprise's upload)
            # are not written again.
            if not await storage.objects.contains(received.sha256):
                await storage.objects.put(received.sha256, received.path)
        finally:
            received.path.unlink(missing_ok=True)
        record = await self._store.record_upload(
            enterprise_bin, declaration.file_name, received, principal
        )
        return api.UploadDocumentResponse(document=stored_document_message(record))

    async def DownloadDocument(  # noqa: N802
        self, request: api.DownloadDocumentRequest, context: Any
    ) -> AsyncIterator[api.DownloadDocumentResponse]:
        application_id = request.name.split("/")[1]
        sha256 = _id(request.name)
        entry = await self._store.document_to_read(application_id, sha256, current_principal())
        if request.read_offset >= entry.size_bytes:
            # Nothing to read there; the description still says how large the document is.
            yield api.DownloadDocumentResponse(document=document_message(entry))
            return
        chunks = self._documents.objects.read(sha256, request.read_offset, request.read_limit)
        try:
            first = await anext(chunks, None)
        except ObjectNotFoundError:
            raise NotFoundError(
                f"{request.name}: its bytes are not stored (submitted before documents were kept)"
            ) from None
        yield api.DownloadDocumentResponse(document=document_message(entry))
        if first is not None:
            yield api.DownloadDocumentResponse(chunk=first)
        async for chunk in chunks:
            yield api.DownloadDocumentResponse(chunk=chunk)

    async def GetDossier(  # noqa: N802
        self, request: api.GetDossierRequest, context: Any
    ) -> api.GetDossierResponse:
        application_id = request.name.split("/")[1]
        read_time = request.read_time.ToDatetime(UTC) if request.HasField("read_time") else None
        view = await self._store.dossier(application_id, read_time, current_principal())
        return api.GetDossierResponse(dossier=dossier_message(application_id, view))

    async def GetPermit(  # noqa: N802
        self, request: api.GetPermitRequest, context: Any
    ) -> api.GetPermitResponse:
        principal = current_principal()
        permit = permit_message(await self._store.get_permit(_id(request.name), principal))
        if principal.role in (Role.PUBLIC, Role.APPLICANT):
            # The decision maker's IIN is for the Committee's staff, not the holder or the public.
            permit = as_published(permit)
        return api.GetPermitResponse(permit=permit)

    async def VerifyPermitCertificate(  # noqa: N802
        self, request: api.VerifyPermitCertificateRequest, context: Any
    ) -> api.VerifyPermitCertificateResponse:
        return await self._certificates.verify(request)


class ApplicantWorkflowServicer(
    applicant_workflow_service_pb2_grpc.ApplicantWorkflowServiceServicer
):
    """The permit workflow's calls; the contract admits the worker role alone."""

    def __init__(self, store: ApplicantStore, certificates: PermitCertificates) -> None:
        self._store = store
        self._certificates = certificates

    async def RecordStageTransition(  # noqa: N802
        self, request: workflow_api.RecordStageTransitionRequest, context: Any
    ) -> workflow_api.RecordStageTransitionResponse:
        progress = pb.Application(open_tasks=request.open_tasks, deadlines=request.deadlines)
        if request.HasField("predicted_decision_time"):
            progress.predicted_decision_time.CopyFrom(request.predicted_decision_time)
        view = await self._store.record_stage_transition(
            _id(request.name),
            request.sequence,
            request.stage,
            request.reason,
            progress,
            request.rules_version,
            request.reason_key,
            dict(request.reason_values),
        )
        return workflow_api.RecordStageTransitionResponse(application=application_message(view))

    async def IssuePermit(  # noqa: N802
        self, request: workflow_api.IssuePermitRequest, context: Any
    ) -> workflow_api.IssuePermitResponse:
        permit = pb.Permit(
            conditions=request.conditions,
            emission_limits=request.emission_limits,
            signed_by=request.signed_by,
        )
        if request.HasField("decision_signature"):
            # The permit names its signer as the signing certificate does, not by sign-in.
            permit.decision_signature.CopyFrom(request.decision_signature)
            permit.signed_by = request.decision_signature.signer_name
        record = await self._store.issue_permit(
            permit, _id(request.application), self._certificates.certify
        )
        return workflow_api.IssuePermitResponse(permit=permit_message(record))
