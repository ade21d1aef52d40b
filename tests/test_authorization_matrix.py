"""Every role against every RPC of the three real services: who may call what, written out here
as the policy a ministry signs off, and checked against the running servers."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
import pytest
from google.protobuf import message_factory
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from google.protobuf.message import Message
from google.type import date_pb2

from ecopermit.applicants.v1 import (
    applicant_service_pb2,
    applicant_service_pb2_grpc,
    applicant_workflow_service_pb2,
)
from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.inspections.v1 import inspection_service_pb2, inspection_service_pb2_grpc
from ecopermit.inspections.v1 import resources_pb2 as inspections_pb
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.reviews.v1 import (
    review_service_pb2,
    review_workflow_service_pb2,
    review_workflow_service_pb2_grpc,
)
from ecopermit.runtime.identity import Role
from ecopermit.runtime.settings import ServiceName
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.type.v1 import kazakhstan_pb2 as kz
from tests import samples
from tests.conftest import ENTERPRISE_BIN, OTHER_ENTERPRISE_BIN, ServiceChannel, bearer

pytestmark = pytest.mark.faults

APPLICANT, REVIEWER, BAT_EXPERT = Role.APPLICANT, Role.REVIEWER, Role.BAT_EXPERT
INSPECTOR, DECISION_MAKER, OPS = Role.INSPECTOR, Role.DECISION_MAKER, Role.OPS
PUBLIC, WORKER, HEAD = Role.PUBLIC, Role.WORKER, Role.HEAD_OF_DEPARTMENT
OFFICIALS = {REVIEWER, BAT_EXPERT, INSPECTOR, DECISION_MAKER, OPS, HEAD}
EVERYONE = set(Role)

# Who may call each RPC. Anyone else is refused with PERMISSION_DENIED before the handler runs.
POLICY: dict[str, set[Role]] = {
    # An enterprise registers itself, submits, amends and withdraws; officials read.
    "ApplicantService/RegisterEnterprise": {APPLICANT},
    "ApplicantService/GetEnterprise": {APPLICANT, *OFFICIALS, WORKER},
    "ApplicantService/SubmitApplication": {APPLICANT},
    # The public reads an application published for a hearing, or approved, without signing in.
    "ApplicantService/GetApplication": EVERYONE,
    # The public sees the register: applications in consultation or approved.
    "ApplicantService/ListApplications": {APPLICANT, *OFFICIALS, PUBLIC},
    # What the Committee reports: ops, and a head of department for its department.
    "ApplicantService/GetApplicationStatistics": {OPS, HEAD},
    "ApplicantService/AmendApplication": {APPLICANT},
    "ApplicantService/WithdrawApplication": {APPLICANT},
    "ApplicantService/GetPermit": EVERYONE,
    # Anyone holding a certificate may check it.
    "ApplicantService/VerifyPermitCertificate": {APPLICANT, *OFFICIALS, PUBLIC},
    # An enterprise uploads its documents; who reads them the service decides per document
    # (the applicant its own, officials all, the public what a hearing published).
    "ApplicantService/UploadDocument": {APPLICANT},
    "ApplicantService/DownloadDocument": EVERYONE,
    "ApplicantService/GetDossier": EVERYONE,
    # Only the permit workflow moves an application or issues its permit.
    "ApplicantWorkflowService/RecordStageTransition": {WORKER},
    "ApplicantWorkflowService/IssuePermit": {WORKER},
    # The inbox belongs to the reviewing roles; ops watch it; inspectors work inspections.
    "ReviewService/ListTasks": {REVIEWER, BAT_EXPERT, DECISION_MAKER, OPS, HEAD, WORKER},
    "ReviewService/GetTask": {REVIEWER, BAT_EXPERT, DECISION_MAKER, OPS, HEAD, WORKER},
    "ReviewService/ClaimTask": {REVIEWER, BAT_EXPERT, DECISION_MAKER},
    "ReviewService/GetTaskStatistics": {OPS, HEAD},
    # A head of department gives tasks to its officials; an assignee or a head lets one go.
    "ReviewService/AssignTask": {HEAD},
    "ReviewService/ReleaseTask": {REVIEWER, BAT_EXPERT, DECISION_MAKER, HEAD},
    "ReviewService/CompleteTask": {REVIEWER, BAT_EXPERT, DECISION_MAKER},
    "ReviewService/GetBatAssessment": {APPLICANT, *OFFICIALS, WORKER},
    "ReviewService/SubmitPublicComment": {PUBLIC},
    "ReviewService/ListPublicComments": EVERYONE,
    "ReviewWorkflowService/CreateTask": {WORKER},
    "ReviewWorkflowService/CancelTask": {WORKER},
    "ReviewWorkflowService/OpenPublicConsultation": {WORKER},
    "ReviewWorkflowService/RecordBatAssessment": {WORKER},
    # Inspections: scheduled by the risk rule (worker) or an inspector, recorded by inspectors.
    "InspectionService/ScheduleInspection": {INSPECTOR, WORKER},
    "InspectionService/GetInspection": {
        APPLICANT,
        REVIEWER,
        INSPECTOR,
        DECISION_MAKER,
        OPS,
        WORKER,
    },
    "InspectionService/ListInspections": {
        APPLICANT,
        REVIEWER,
        INSPECTOR,
        DECISION_MAKER,
        OPS,
        WORKER,
    },
    "InspectionService/RecordFindings": {INSPECTOR},
    "InspectionService/ResolvePrescription": {INSPECTOR},
    "InspectionService/GetStatistics": {INSPECTOR, DECISION_MAKER, OPS, PUBLIC},
}

SERVICES: dict[ServiceName, list[ServiceDescriptor]] = {
    ServiceName.APPLICANTS: [
        applicant_service_pb2.DESCRIPTOR.services_by_name["ApplicantService"],
        applicant_workflow_service_pb2.DESCRIPTOR.services_by_name["ApplicantWorkflowService"],
    ],
    ServiceName.REVIEWS: [
        review_service_pb2.DESCRIPTOR.services_by_name["ReviewService"],
        review_workflow_service_pb2.DESCRIPTOR.services_by_name["ReviewWorkflowService"],
    ],
    ServiceName.INSPECTIONS: [
        inspection_service_pb2.DESCRIPTOR.services_by_name["InspectionService"],
    ],
}
REFUSED = {grpc.StatusCode.PERMISSION_DENIED, grpc.StatusCode.UNAUTHENTICATED}
# What the law makes public to anyone: called without a token, as the public. Every other RPC
# without a token is UNAUTHENTICATED.
OPEN_TO_ANYONE = {
    "ApplicantService/GetApplication",
    "ApplicantService/ListApplications",
    "ApplicantService/GetDossier",
    "ReviewService/SubmitPublicComment",
    "ReviewService/ListPublicComments",
    "ApplicantService/GetPermit",
    "ApplicantService/DownloadDocument",
    "ApplicantService/VerifyPermitCertificate",
}


def test_the_policy_names_every_rpc_of_the_contract() -> None:
    contract = {
        f"{service.name}/{method.name}"
        for services in SERVICES.values()
        for service in services
        for method in service.methods
    }
    assert set(POLICY) == contract


async def _error(
    channel: grpc.aio.Channel,
    path: str,
    request: Message,
    metadata: tuple[tuple[str, str], ...],
    method: MethodDescriptor | None = None,
) -> grpc.aio.AioRpcError | None:
    """The error a call ends in, or None when it succeeds; an upload sends the request as its
    one message, a download is read to its end."""
    codec: dict[str, Any] = {
        "request_serializer": lambda m: m.SerializeToString(),
        "response_deserializer": bytes,
    }
    try:
        if method is not None and method.client_streaming:

            async def one() -> AsyncIterator[Message]:
                yield request

            await channel.stream_unary(path, **codec)(one(), metadata=metadata, timeout=10)
        elif method is not None and method.server_streaming:
            async for _ in channel.unary_stream(path, **codec)(
                request, metadata=metadata, timeout=10
            ):
                pass
        else:
            await channel.unary_unary(path, **codec)(request, metadata=metadata, timeout=10)
    except grpc.aio.AioRpcError as error:
        return error
    return None


async def _code(
    channel: grpc.aio.Channel,
    path: str,
    request: Message,
    metadata: tuple[tuple[str, str], ...],
    method: MethodDescriptor,
) -> grpc.StatusCode:
    error = await _error(channel, path, request, metadata, method)
    return grpc.StatusCode.OK if error is None else error.code()


@pytest.mark.parametrize("service", list(SERVICES), ids=lambda s: s.value)
async def test_every_role_reaches_exactly_the_rpcs_the_policy_gives_it(
    service: ServiceName, service_channel: ServiceChannel, issuer: TokenIssuer
) -> None:
    channel = await service_channel(service)
    wrong: list[str] = []
    for descriptor in SERVICES[service]:
        for method in descriptor.methods:
            rpc = f"{descriptor.name}/{method.name}"
            path = f"/{descriptor.full_name}/{method.name}"
            # An empty request: the handler may refuse it as invalid or not found, but only
            # after the role check, which is what this test looks at. The public's listing
            # names the register's stage, or the handler refuses it for that reason.
            request = message_factory.GetMessageClass(method.input_type)()
            if rpc == "ApplicantService/ListApplications":
                request.stage = applicants_pb.STAGE_PUBLIC_CONSULTATION  # type: ignore[attr-defined]
            anonymous = await _code(channel, path, request, (), method)
            if (anonymous is grpc.StatusCode.UNAUTHENTICATED) == (rpc in OPEN_TO_ANYONE):
                wrong.append(f"{rpc} without a token: {anonymous.name}")
            for role in Role:
                token = bearer(issuer, role, f"matrix-{role.value}", ENTERPRISE_BIN)
                code = await _code(channel, path, request, token, method)
                admitted = code not in REFUSED
                if admitted != (role in POLICY[rpc]):
                    wrong.append(f"{rpc} as {role.value}: {code.name}")
    assert wrong == []


async def test_an_applicant_cannot_tell_that_another_enterprises_records_exist(
    service_channel: ServiceChannel, issuer: TokenIssuer
) -> None:
    """Enterprise B's enterprise, application, BAT assessment and inspection, read or acted on
    by enterprise A's applicant: each refused exactly as a record that does not exist is.
    (Permits are left out: the public register shows them to everyone.)"""
    applicants = await service_channel(ServiceName.APPLICANTS)
    reviews = await service_channel(ServiceName.REVIEWS)
    inspections = await service_channel(ServiceName.INSPECTIONS)
    owner_b = bearer(issuer, APPLICANT, "boris", OTHER_ENTERPRISE_BIN)
    worker = bearer(issuer, WORKER, "permit-worker")
    applicant_a = bearer(issuer, APPLICANT, "aliya", ENTERPRISE_BIN)

    applicant_stub = applicant_service_pb2_grpc.ApplicantServiceStub(applicants)
    await applicant_stub.RegisterEnterprise(
        applicant_service_pb2.RegisterEnterpriseRequest(
            enterprise=samples.enterprise(OTHER_ENTERPRISE_BIN)
        ),
        metadata=owner_b,
    )
    submitted = await samples.submit(
        applicant_stub, samples.submit_request(OTHER_ENTERPRISE_BIN), owner_b, subject="boris"
    )
    application = submitted.name
    their_document = submitted.documents[0].sha256
    assessment = reviews_pb.BatAssessment(
        name=f"{application}/batAssessment",
        application=application,
        enterprise=f"enterprises/{OTHER_ENTERPRISE_BIN}",
    )
    await review_workflow_service_pb2_grpc.ReviewWorkflowServiceStub(reviews).RecordBatAssessment(
        review_workflow_service_pb2.RecordBatAssessmentRequest(bat_assessment=assessment),
        metadata=worker,
    )
    inspection_stub = inspection_service_pb2_grpc.InspectionServiceStub(inspections)
    scheduled = await inspection_stub.ScheduleInspection(
        inspection_service_pb2.ScheduleInspectionRequest(
            request_id=str(uuid.uuid4()),
            enterprise=f"enterprises/{OTHER_ENTERPRISE_BIN}",
            application=application,
            type=inspections_pb.INSPECTION_TYPE_UNSCHEDULED,
            scheduled_date=date_pb2.Date(year=2026, month=12, day=1),
            region=kz.REGION_PAVLODAR,
            appointment_act_number="PAV-2026-115",
        ),
        metadata=worker,
    )
    inspection = scheduled.inspection.name

    missing_application = "applications/00000000-0000-4000-8000-000000000000"
    missing_bin = "990340000987"  # a valid BIN nobody registered
    assert missing_bin not in (ENTERPRISE_BIN, OTHER_ENTERPRISE_BIN)
    # (channel, method, the request naming a record, B's record, one that does not exist)
    probes: list[tuple[grpc.aio.Channel, str, Callable[[str], Message], str, str]] = [
        (
            applicants,
            "/ecopermit.applicants.v1.ApplicantService/GetEnterprise",
            lambda name: applicant_service_pb2.GetEnterpriseRequest(name=name),
            f"enterprises/{OTHER_ENTERPRISE_BIN}",
            f"enterprises/{missing_bin}",
        ),
        (
            applicants,
            "/ecopermit.applicants.v1.ApplicantService/GetApplication",
            lambda name: applicant_service_pb2.GetApplicationRequest(name=name),
            application,
            missing_application,
        ),
        (
            applicants,
            "/ecopermit.applicants.v1.ApplicantService/WithdrawApplication",
            lambda name: applicant_service_pb2.WithdrawApplicationRequest(
                name=name, reason="Sold."
            ),
            application,
            missing_application,
        ),
        (
            applicants,
            "/ecopermit.applicants.v1.ApplicantService/AmendApplication",
            lambda name: applicant_service_pb2.AmendApplicationRequest(
                name=name, request_id=str(uuid.uuid4()), response="Added."
            ),
            application,
            missing_application,
        ),
        (
            reviews,
            "/ecopermit.reviews.v1.ReviewService/GetBatAssessment",
            lambda name: review_service_pb2.GetBatAssessmentRequest(name=f"{name}/batAssessment"),
            application,
            missing_application,
        ),
        (
            inspections,
            "/ecopermit.inspections.v1.InspectionService/GetInspection",
            lambda name: inspection_service_pb2.GetInspectionRequest(name=name),
            inspection,
            "inspections/no-such-inspection",
        ),
    ]
    probes += [
        (
            applicants,
            "/ecopermit.applicants.v1.ApplicantService/GetDossier",
            lambda name: applicant_service_pb2.GetDossierRequest(name=f"{name}/dossier"),
            application,
            missing_application,
        ),
        (
            applicants,
            "/ecopermit.applicants.v1.ApplicantService/DownloadDocument",
            lambda name: applicant_service_pb2.DownloadDocumentRequest(
                name=f"{name}/documents/{their_document}"
            ),
            application,
            missing_application,
        ),
    ]
    applicant_service = applicant_service_pb2.DESCRIPTOR.services_by_name["ApplicantService"]
    for channel, path, naming, theirs, nobodys in probes:
        method = applicant_service.methods_by_name.get(path.rpartition("/")[2])
        refused = await _error(channel, path, naming(theirs), applicant_a, method)
        absent = await _error(channel, path, naming(nobodys), applicant_a, method)
        assert refused is not None, f"{path}: enterprise A reached B's record"
        assert absent is not None
        assert refused.code() is absent.code(), path
        assert refused.code() in (grpc.StatusCode.NOT_FOUND, grpc.StatusCode.PERMISSION_DENIED)
        their_words = (refused.details() or "").replace(theirs.split("/")[-1], "ID")
        nobodys_words = (absent.details() or "").replace(nobodys.split("/")[-1], "ID")
        assert their_words == nobodys_words, path
    # Lists: B's inspections and applications do not show up in A's lists.
    listed = await inspection_stub.ListInspections(
        inspection_service_pb2.ListInspectionsRequest(application=application),
        metadata=applicant_a,
    )
    assert list(listed.inspections) == []
    own = await applicant_stub.ListApplications(
        applicant_service_pb2.ListApplicationsRequest(), metadata=applicant_a
    )
    assert list(own.applications) == []
