"""A real grpc.aio server on loopback: health, reflection, auth, validation and error mapping."""

from __future__ import annotations

import importlib
from typing import Any

import grpc
import pytest
from google.protobuf import timestamp_pb2
from google.rpc import error_details_pb2
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc
from grpc_status import rpc_status
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from ecopermit._vendor.buf.validate import validate_pb2
from ecopermit.applicants.v1 import (
    applicant_service_pb2 as applicants,
)
from ecopermit.applicants.v1 import (
    applicant_service_pb2_grpc,
    applicant_workflow_service_pb2,
    applicant_workflow_service_pb2_grpc,
    resources_pb2,
)
from ecopermit.domain.errors import FailedPreconditionError
from ecopermit.inspections.v1 import inspection_service_pb2_grpc
from ecopermit.reviews.v1 import (
    review_service_pb2_grpc,
    review_workflow_service_pb2,
    review_workflow_service_pb2_grpc,
)
from ecopermit.runtime.grpc.auth import PUBLIC_SERVICES, allowed_roles
from ecopermit.runtime.grpc.page_tokens import PageTokenSeal
from ecopermit.runtime.grpc.server import ServiceRegistration, start_server
from ecopermit.runtime.identity import Role
from ecopermit.runtime.settings import ServiceName, Settings
from ecopermit.runtime.tokens import TokenIssuer, TokenVerifier
from ecopermit.type.v1 import kazakhstan_pb2
from tests.conftest import ENTERPRISE_BIN, ServiceChannel, bearer


def valid_enterprise() -> resources_pb2.Enterprise:
    return resources_pb2.Enterprise(
        bin=ENTERPRISE_BIN,
        display_name="Pavlodar Alumina JSC",
        region=kazakhstan_pb2.REGION_PAVLODAR,
        sector=kazakhstan_pb2.SECTOR_ALUMINA_ALUMINIUM,
    )


def status_details(error: grpc.aio.AioRpcError) -> list[Any]:
    status = rpc_status.from_call(error)
    assert status is not None, "the error carries no google.rpc.Status"
    return list(status.details)


async def test_health_reports_every_service_serving(applicants_channel: grpc.aio.Channel) -> None:
    health = health_pb2_grpc.HealthStub(applicants_channel)
    for service in ("", "ecopermit.applicants.v1.ApplicantService"):
        response = await health.Check(health_pb2.HealthCheckRequest(service=service))
        assert response.status == health_pb2.HealthCheckResponse.SERVING
    with pytest.raises(grpc.aio.AioRpcError) as unknown:
        await health.Check(health_pb2.HealthCheckRequest(service="no.such.Service"))
    assert unknown.value.code() is grpc.StatusCode.NOT_FOUND


async def test_reflection_lists_the_services_without_a_token(
    applicants_channel: grpc.aio.Channel,
) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(applicants_channel)
    responses = stub.ServerReflectionInfo(
        iter([reflection_pb2.ServerReflectionRequest(list_services="")])
    )
    listed = [
        service.name
        async for response in responses
        for service in response.list_services_response.service
    ]
    assert "ecopermit.applicants.v1.ApplicantService" in listed
    assert "ecopermit.applicants.v1.ApplicantWorkflowService" in listed
    assert "grpc.health.v1.Health" in listed


async def test_a_call_without_a_token_is_unauthenticated(
    applicants_channel: grpc.aio.Channel,
) -> None:
    stub = applicant_service_pb2_grpc.ApplicantServiceStub(applicants_channel)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.GetEnterprise(applicants.GetEnterpriseRequest(name="enterprises/990340000123"))
    assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED


async def test_a_garbage_token_is_unauthenticated_and_not_echoed(
    applicants_channel: grpc.aio.Channel,
) -> None:
    stub = applicant_service_pb2_grpc.ApplicantServiceStub(applicants_channel)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.GetEnterprise(
            applicants.GetEnterpriseRequest(name="enterprises/990340000123"),
            metadata=(("authorization", "Bearer not.a-real.token-secret-xyz"),),
        )
    assert refused.value.code() is grpc.StatusCode.UNAUTHENTICATED
    assert "token-secret-xyz" not in (refused.value.details() or "")


async def test_only_an_admitted_role_reaches_the_handler(
    applicants_channel: grpc.aio.Channel, issuer: TokenIssuer
) -> None:
    stub = applicant_service_pb2_grpc.ApplicantServiceStub(applicants_channel)
    request = applicants.RegisterEnterpriseRequest(enterprise=valid_enterprise())
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.RegisterEnterprise(request, metadata=bearer(issuer, Role.REVIEWER))
    assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED
    registered = await stub.RegisterEnterprise(request, metadata=bearer(issuer, Role.APPLICANT))
    assert registered.enterprise.name == f"enterprises/{ENTERPRISE_BIN}"


async def test_only_the_worker_reaches_the_workflow_service(
    applicants_channel: grpc.aio.Channel, issuer: TokenIssuer
) -> None:
    stub = applicant_workflow_service_pb2_grpc.ApplicantWorkflowServiceStub(applicants_channel)
    request = applicant_workflow_service_pb2.RecordStageTransitionRequest(
        name="applications/a-1", sequence=1, stage=resources_pb2.STAGE_COMPLETENESS
    )
    for role in set(Role) - {Role.WORKER}:
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub.RecordStageTransition(request, metadata=bearer(issuer, role))
        assert refused.value.code() is grpc.StatusCode.PERMISSION_DENIED, role
    with pytest.raises(grpc.aio.AioRpcError) as passed:
        await stub.RecordStageTransition(request, metadata=bearer(issuer, Role.WORKER))
    # Past auth and validation, the handler looked for the application.
    assert passed.value.code() is grpc.StatusCode.NOT_FOUND


async def test_an_invalid_bin_is_invalid_argument_with_the_field_path(
    applicants_channel: grpc.aio.Channel, issuer: TokenIssuer
) -> None:
    stub = applicant_service_pb2_grpc.ApplicantServiceStub(applicants_channel)
    enterprise = valid_enterprise()
    enterprise.bin = "990340000124"  # check digit should be 3
    enterprise.display_name = ""
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.RegisterEnterprise(
            applicants.RegisterEnterpriseRequest(enterprise=enterprise),
            metadata=bearer(issuer, Role.APPLICANT),
        )
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    details = status_details(refused.value)
    bad_request = error_details_pb2.BadRequest()
    assert details[0].Unpack(bad_request)
    violations = {(v.field, v.reason) for v in bad_request.field_violations}
    assert violations == {
        ("enterprise.bin", "bin.check_digit"),
        ("enterprise.display_name", "string.min_len"),
    }
    rules = validate_pb2.Violations()
    assert details[1].Unpack(rules)
    assert {v.rule_id for v in rules.violations} == {"bin.check_digit", "string.min_len"}


async def test_a_timestamp_no_clock_can_show_is_invalid_argument_not_internal(
    service_channel: ServiceChannel, issuer: TokenIssuer
) -> None:
    """Found by tests/test_fuzzing.py: nanos=-1 passed validation and broke the handler."""
    channel = await service_channel(ServiceName.REVIEWS)
    stub = review_workflow_service_pb2_grpc.ReviewWorkflowServiceStub(channel)
    request = review_workflow_service_pb2.OpenPublicConsultationRequest(
        application="applications/a-1", close_time=timestamp_pb2.Timestamp(seconds=10, nanos=-1)
    )
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.OpenPublicConsultation(request, metadata=bearer(issuer, Role.WORKER))
    assert refused.value.code() is grpc.StatusCode.INVALID_ARGUMENT
    bad_request = error_details_pb2.BadRequest()
    assert status_details(refused.value)[0].Unpack(bad_request)
    assert [(v.field, v.reason) for v in bad_request.field_violations] == [
        ("close_time", "timestamp.well_formed")
    ]


async def test_nested_repeated_fields_are_reported_with_their_index(
    applicants_channel: grpc.aio.Channel, issuer: TokenIssuer
) -> None:
    stub = applicant_service_pb2_grpc.ApplicantServiceStub(applicants_channel)
    source = resources_pb2.EmissionSource(
        source_id="stack-1",
        source_type="pc_boiler",
        emissions=[
            resources_pb2.DeclaredEmission(
                pollutant=kazakhstan_pb2.POLLUTANT_NOX,
                concentration_mg_nm3=-5,
                oxygen_percent=6,
                annual_tonnes=10,
            )
        ],
    )
    document = resources_pb2.Document(
        kind=resources_pb2.DOCUMENT_KIND_PROJECT_DOCUMENTATION,
        file_name="project.pdf",
        sha256="ABC",
        size_bytes=10,
    )
    application = resources_pb2.Application(
        enterprise=f"enterprises/{ENTERPRISE_BIN}",
        facility=resources_pb2.Facility(
            display_name="CHP-1", address="Pavlodar", region=kazakhstan_pb2.REGION_PAVLODAR
        ),
        sector=kazakhstan_pb2.SECTOR_COAL_POWER_AND_HEAT,
        emission_sources=[source],
        documents=[document],
    )
    request = applicants.SubmitApplicationRequest(request_id="not-a-uuid", application=application)
    with pytest.raises(grpc.aio.AioRpcError) as refused:
        await stub.SubmitApplication(request, metadata=bearer(issuer, Role.APPLICANT))
    bad_request = error_details_pb2.BadRequest()
    status_details(refused.value)[0].Unpack(bad_request)
    assert {v.field for v in bad_request.field_violations} == {
        "request_id",
        "application.emission_sources[0].emissions[0].concentration_mg_nm3",
        "application.documents[0].sha256",
    }


class _FailingApplicants(applicant_service_pb2_grpc.ApplicantServiceServicer):
    async def GetEnterprise(self, request: Any, context: Any) -> Any:  # noqa: N802 - gRPC name
        if request.name.endswith("3"):
            raise FailedPreconditionError("enterprise is being re-registered")
        raise RuntimeError("database password=hunter2 rejected")


async def test_domain_errors_map_to_their_status_and_bugs_to_a_bare_internal(
    settings: Settings, issuer: TokenIssuer
) -> None:
    spans = InMemorySpanExporter()
    tracer_provider = TracerProvider()
    tracer_provider.add_span_processor(SimpleSpanProcessor(spans))
    running = await start_server(
        [
            ServiceRegistration(
                "ecopermit.applicants.v1.ApplicantService",
                _FailingApplicants(),
                applicant_service_pb2_grpc.add_ApplicantServiceServicer_to_server,
            )
        ],
        host="127.0.0.1",
        port=0,
        verifier=TokenVerifier(settings),
        page_tokens=PageTokenSeal.from_settings(settings),
        tracer_provider=tracer_provider,
    )
    # The caller's trace continues on the server: W3C traceparent in the metadata.
    caller_trace = "4bf92f3577b34da6a3ce929d0e0e4736"
    traceparent = ("traceparent", f"00-{caller_trace}-00f067aa0ba902b7-01")
    try:
        async with grpc.aio.insecure_channel(f"127.0.0.1:{running.port}") as channel:
            stub = applicant_service_pb2_grpc.ApplicantServiceStub(channel)
            metadata = (*bearer(issuer, Role.OPS), traceparent)
            with pytest.raises(grpc.aio.AioRpcError) as precondition:
                await stub.GetEnterprise(
                    applicants.GetEnterpriseRequest(name="enterprises/990340000123"),
                    metadata=metadata,
                )
            assert precondition.value.code() is grpc.StatusCode.FAILED_PRECONDITION
            assert precondition.value.details() == "enterprise is being re-registered"
            with pytest.raises(grpc.aio.AioRpcError) as internal:
                await stub.GetEnterprise(
                    applicants.GetEnterpriseRequest(name="enterprises/070840001237"),
                    metadata=metadata,
                )
            assert internal.value.code() is grpc.StatusCode.INTERNAL
            message = internal.value.details() or ""
            assert "hunter2" not in message
            assert "Traceback" not in message
            # Ops find the logged error by the trace id the caller is shown.
            assert message == f"internal error (trace {caller_trace})"
    finally:
        await running.stop(0)
    server_spans = [s for s in spans.get_finished_spans() if s.name.endswith("GetEnterprise")]
    assert len(server_spans) == 2
    assert {format(s.context.trace_id, "032x") for s in server_spans} == {caller_trace}
    assert all(s.attributes and s.attributes["enduser.role"] == "ops" for s in server_spans)
    assert not any("authorization" in str(s.attributes) for s in spans.get_finished_spans())


def _contract_methods() -> list[str]:
    methods = []
    for module in (
        applicant_service_pb2_grpc,
        applicant_workflow_service_pb2_grpc,
        review_service_pb2_grpc,
        review_workflow_service_pb2_grpc,
        inspection_service_pb2_grpc,
    ):
        messages = importlib.import_module(module.__name__.removesuffix("_grpc"))
        for service in messages.DESCRIPTOR.services_by_name.values():
            methods += [f"/{service.full_name}/{m.name}" for m in service.methods]
    assert len(methods) >= 26  # the RPCs of docs/design.md and the workflow services
    return methods


@pytest.mark.parametrize("method", _contract_methods())
def test_every_rpc_declares_who_may_call_it(method: str) -> None:
    assert allowed_roles(method), f"{method} has no (ecopermit.auth.v1.access) option"
    if "WorkflowService/" in method:
        assert allowed_roles(method) == {Role.WORKER}


def test_a_method_unknown_to_the_contract_admits_nobody() -> None:
    assert allowed_roles("/no.such.Service/Method") == frozenset()
    assert "grpc.health.v1.Health" in PUBLIC_SERVICES
