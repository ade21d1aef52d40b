"""Which servicers each service process serves.

Until the services land (issue #3) the generated base servicers are registered: every RPC then
answers UNIMPLEMENTED, after authentication and validation have run for real.
"""

from __future__ import annotations

from types import ModuleType

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
from ecopermit.runtime.grpc.server import ServiceRegistration
from ecopermit.runtime.settings import ServiceName


def _generated_base(messages: ModuleType, stubs: ModuleType, service: str) -> ServiceRegistration:
    return ServiceRegistration(
        messages.DESCRIPTOR.services_by_name[service].full_name,
        getattr(stubs, f"{service}Servicer")(),
        getattr(stubs, f"add_{service}Servicer_to_server"),
    )


def registrations(service: ServiceName) -> list[ServiceRegistration]:
    if service is ServiceName.APPLICANTS:
        return [
            _generated_base(applicant_service_pb2, applicant_service_pb2_grpc, "ApplicantService"),
            _generated_base(
                applicant_workflow_service_pb2,
                applicant_workflow_service_pb2_grpc,
                "ApplicantWorkflowService",
            ),
        ]
    if service is ServiceName.REVIEWS:
        return [
            _generated_base(review_service_pb2, review_service_pb2_grpc, "ReviewService"),
            _generated_base(
                review_workflow_service_pb2,
                review_workflow_service_pb2_grpc,
                "ReviewWorkflowService",
            ),
        ]
    return [
        _generated_base(inspection_service_pb2, inspection_service_pb2_grpc, "InspectionService")
    ]
