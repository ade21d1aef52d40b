"""What each service process runs: its servicers over its own database, and its outbox relay."""

from __future__ import annotations

from types import ModuleType

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession
from temporalio.client import Client

from ecopermit.applicants.v1 import (
    applicant_service_pb2,
    applicant_service_pb2_grpc,
    applicant_workflow_service_pb2,
    applicant_workflow_service_pb2_grpc,
)
from ecopermit.inspections.v1 import inspection_service_pb2, inspection_service_pb2_grpc
from ecopermit.reviews.v1 import (
    review_service_pb2,
    review_service_pb2_grpc,
    review_workflow_service_pb2,
    review_workflow_service_pb2_grpc,
)
from ecopermit.runtime.esign.checks import SignatureCheck, authority_bin
from ecopermit.runtime.esign.committee_seal import CommitteeSeal
from ecopermit.runtime.gauges import DatabaseGauge
from ecopermit.runtime.grpc.server import ServiceRegistration
from ecopermit.runtime.object_store import object_store
from ecopermit.runtime.settings import ServiceName, Settings
from ecopermit.runtime.temporal import connect_temporal
from ecopermit.services.applicants.models import WorkflowOutboxRecord
from ecopermit.services.applicants.permit_certificates import PermitCertificates
from ecopermit.services.applicants.servicer import (
    ApplicantServicer,
    ApplicantWorkflowServicer,
    DocumentStorage,
)
from ecopermit.services.applicants.store import ApplicantStore
from ecopermit.services.inspections.models import FindingsOutboxRecord
from ecopermit.services.inspections.servicer import InspectionServicer
from ecopermit.services.inspections.store import InspectionStore
from ecopermit.services.reviews.models import CompletionOutboxRecord
from ecopermit.services.reviews.servicer import ReviewServicer, ReviewWorkflowServicer
from ecopermit.services.reviews.store import ReviewStore
from ecopermit.services.workflow_relay import OutboxDoorbell, RelayTurn, WorkflowRelay


def _full_name(messages: ModuleType, service: str) -> str:
    name: str = messages.DESCRIPTOR.services_by_name[service].full_name
    return name


def registrations(
    service: ServiceName, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> list[ServiceRegistration]:
    if service is ServiceName.APPLICANTS:
        store = ApplicantStore(sessions)
        documents = DocumentStorage(
            object_store(settings), settings.uploads_path(), settings.max_document_bytes
        )
        signatures = SignatureCheck.from_settings(settings)
        committee_bin = authority_bin(settings)
        certificates = PermitCertificates(
            store,
            documents.objects,
            documents.spool_dir,
            CommitteeSeal.from_settings(settings, committee_bin),
            signatures.trust,
            signatures.revocation_mode,
            signatures.fetch_revocation,
            committee_bin,
            settings.public_base_url(),
        )
        return [
            ServiceRegistration(
                _full_name(applicant_service_pb2, "ApplicantService"),
                ApplicantServicer(store, documents, signatures, certificates),
                applicant_service_pb2_grpc.add_ApplicantServiceServicer_to_server,
            ),
            ServiceRegistration(
                _full_name(applicant_workflow_service_pb2, "ApplicantWorkflowService"),
                ApplicantWorkflowServicer(store, certificates),
                applicant_workflow_service_pb2_grpc.add_ApplicantWorkflowServiceServicer_to_server,
            ),
        ]
    if service is ServiceName.REVIEWS:
        reviews = ReviewStore(sessions, settings.public_comments_per_hour)
        return [
            ServiceRegistration(
                _full_name(review_service_pb2, "ReviewService"),
                ReviewServicer(
                    reviews, SignatureCheck.from_settings(settings), authority_bin(settings)
                ),
                review_service_pb2_grpc.add_ReviewServiceServicer_to_server,
            ),
            ServiceRegistration(
                _full_name(review_workflow_service_pb2, "ReviewWorkflowService"),
                ReviewWorkflowServicer(reviews),
                review_workflow_service_pb2_grpc.add_ReviewWorkflowServiceServicer_to_server,
            ),
        ]
    return [
        ServiceRegistration(
            _full_name(inspection_service_pb2, "InspectionService"),
            InspectionServicer(InspectionStore(sessions)),
            inspection_service_pb2_grpc.add_InspectionServiceServicer_to_server,
        )
    ]


def workflow_relay(
    service: ServiceName, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> WorkflowRelay:
    """The relay that delivers this service's outbox to the permit workflows, woken by each
    commit of a message on these sessions."""
    outbox: ApplicantStore | ReviewStore | InspectionStore
    message: type[object]
    if service is ServiceName.APPLICANTS:
        outbox, message = ApplicantStore(sessions), WorkflowOutboxRecord
    elif service is ServiceName.REVIEWS:
        outbox = ReviewStore(sessions, settings.public_comments_per_hour)
        message = CompletionOutboxRecord
    else:
        outbox, message = InspectionStore(sessions), FindingsOutboxRecord

    async def connect() -> Client:
        return await connect_temporal(settings)

    return WorkflowRelay(
        outbox,
        connect,
        settings.temporal_task_queue,
        settings.workflow_relay_interval_seconds,
        OutboxDoorbell(sessions, message),
        RelayTurn(sessions, service.value),
    )


def service_gauges(
    service: ServiceName, sessions: async_sessionmaker[AsyncSession], settings: Settings
) -> list[DatabaseGauge]:
    """The gauges of what this service's database holds, for ops."""
    interval = settings.metrics_export_interval_seconds
    if service is ServiceName.APPLICANTS:
        applicants = ApplicantStore(sessions)
        return [
            DatabaseGauge(
                "ecopermit.applications",
                "Applications in each stage",
                "ecopermit.stage",
                applicants.applications_by_stage,
                interval,
            )
        ]
    if service is ServiceName.REVIEWS:
        reviews = ReviewStore(sessions, settings.public_comments_per_hour)
        return [
            DatabaseGauge(
                "ecopermit.tasks.open",
                "Open and claimed tasks per required role: each inbox's depth",
                "enduser.role",
                reviews.open_tasks_by_role,
                interval,
            )
        ]
    return []
