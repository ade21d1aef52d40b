"""gRPC edge of the applicants service: requests in, records out, nothing else."""

from __future__ import annotations

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
from ecopermit.domain.errors import PermissionDeniedError
from ecopermit.runtime import pagination, tracing
from ecopermit.runtime.grpc.auth import current_principal
from ecopermit.runtime.identity import Role
from ecopermit.services.applicants.models import EnterpriseRecord, PermitRecord
from ecopermit.services.applicants.store import (
    Answer,
    ApplicantStore,
    ApplicationFilters,
    ApplicationView,
    application_id_for,
)

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
        entry = message.stage_history.add(reason=transition.reason)
        entry.stage = transition.stage  # type: ignore[assignment]
        entry.enter_time.FromDatetime(transition.enter_time)
    return message


def _as_published(application: pb.Application) -> pb.Application:
    """What the public reads of an application: its stages without their reasons, which carry
    the authority's remarks and the applicant's answers, and no open tasks."""
    for entry in application.stage_history:
        entry.reason = ""
    del application.open_tasks[:]
    return application


def permit_message(record: PermitRecord) -> pb.Permit:
    return json_format.Parse(record.content, pb.Permit())


def _id(name: str) -> str:
    return name.rpartition("/")[2]


class ApplicantServicer(applicant_service_pb2_grpc.ApplicantServiceServicer):
    def __init__(self, store: ApplicantStore) -> None:
        self._store = store

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
        with tracing.application_scope(application_id, stage="submitted"):
            view = await self._store.submit(
                request.request_id, request.application, current_principal()
            )
        return api.SubmitApplicationResponse(application=application_message(view))

    async def GetApplication(  # noqa: N802
        self, request: api.GetApplicationRequest, context: Any
    ) -> api.GetApplicationResponse:
        view = await self._store.get_application(_id(request.name), current_principal())
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
        filters = ApplicationFilters(request.stage, enterprise_bin, request.sector)
        views, next_token = await self._store.list_applications(
            filters, pagination.page_size(request.page_size), request.page_token
        )
        applications = [application_message(v) for v in views]
        if principal.role is Role.PUBLIC:
            applications = [_as_published(a) for a in applications]
        return api.ListApplicationsResponse(applications=applications, next_page_token=next_token)

    async def AmendApplication(  # noqa: N802
        self, request: api.AmendApplicationRequest, context: Any
    ) -> api.AmendApplicationResponse:
        amendment = pb.Application(
            emission_sources=request.emission_sources,
            documents=request.documents,
            efficiency_programme=request.efficiency_programme,
        )
        view = await self._store.amend(
            _id(request.name),
            request.request_id,
            amendment,
            Answer(request.response, disagrees=request.disagree),
            current_principal(),
        )
        return api.AmendApplicationResponse(application=application_message(view))

    async def WithdrawApplication(  # noqa: N802
        self, request: api.WithdrawApplicationRequest, context: Any
    ) -> api.WithdrawApplicationResponse:
        view = await self._store.withdraw(_id(request.name), request.reason, current_principal())
        return api.WithdrawApplicationResponse(application=application_message(view))

    async def GetPermit(  # noqa: N802
        self, request: api.GetPermitRequest, context: Any
    ) -> api.GetPermitResponse:
        record = await self._store.get_permit(_id(request.name), current_principal())
        return api.GetPermitResponse(permit=permit_message(record))


class ApplicantWorkflowServicer(
    applicant_workflow_service_pb2_grpc.ApplicantWorkflowServiceServicer
):
    """The permit workflow's calls; the contract admits the worker role alone."""

    def __init__(self, store: ApplicantStore) -> None:
        self._store = store

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
        record = await self._store.issue_permit(permit, _id(request.application))
        return workflow_api.IssuePermitResponse(permit=permit_message(record))
