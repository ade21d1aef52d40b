"""Which servicers each service process serves.

Until the services land (issue #3) the generated base servicers are registered: every RPC then
answers UNIMPLEMENTED, after authentication and validation have run for real.
"""

from __future__ import annotations

from ecopermit.applicants.v1 import applicant_service_pb2_grpc, applicant_workflow_service_pb2_grpc
from ecopermit.inspections.v1 import inspection_service_pb2_grpc
from ecopermit.reviews.v1 import review_service_pb2_grpc, review_workflow_service_pb2_grpc
from ecopermit.runtime.grpc.server import ServiceRegistration
from ecopermit.runtime.settings import ServiceName


def registrations(service: ServiceName) -> list[ServiceRegistration]:
    if service is ServiceName.APPLICANTS:
        return [
            ServiceRegistration(
                "ecopermit.applicants.v1.ApplicantService",
                applicant_service_pb2_grpc.ApplicantServiceServicer(),
                applicant_service_pb2_grpc.add_ApplicantServiceServicer_to_server,
            ),
            ServiceRegistration(
                "ecopermit.applicants.v1.ApplicantWorkflowService",
                applicant_workflow_service_pb2_grpc.ApplicantWorkflowServiceServicer(),
                applicant_workflow_service_pb2_grpc.add_ApplicantWorkflowServiceServicer_to_server,
            ),
        ]
    if service is ServiceName.REVIEWS:
        return [
            ServiceRegistration(
                "ecopermit.reviews.v1.ReviewService",
                review_service_pb2_grpc.ReviewServiceServicer(),
                review_service_pb2_grpc.add_ReviewServiceServicer_to_server,
            ),
            ServiceRegistration(
                "ecopermit.reviews.v1.ReviewWorkflowService",
                review_workflow_service_pb2_grpc.ReviewWorkflowServiceServicer(),
                review_workflow_service_pb2_grpc.add_ReviewWorkflowServiceServicer_to_server,
            ),
        ]
    return [
        ServiceRegistration(
            "ecopermit.inspections.v1.InspectionService",
            inspection_service_pb2_grpc.InspectionServiceServicer(),
            inspection_service_pb2_grpc.add_InspectionServiceServicer_to_server,
        )
    ]
