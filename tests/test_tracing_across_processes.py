"""Traces across the real processes: `ecopermit up` on loopback (Temporal, three services, the
worker), each exporting to the span file. The test plays the gateway: it opens the root span and
sends its traceparent with the request, as the gateway will."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any

import grpc
import httpx
import pytest
from google.protobuf import json_format
from opentelemetry import propagate
from opentelemetry.sdk.trace import TracerProvider

from ecopermit.applicants.v1 import applicant_service_pb2 as applicants_api
from ecopermit.applicants.v1 import applicant_service_pb2_grpc
from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.reviews.v1 import review_service_pb2 as reviews_api
from ecopermit.reviews.v1 import review_service_pb2_grpc
from ecopermit.runtime.esign.statements import Purpose
from ecopermit.runtime.identity import Role
from ecopermit.trace_view import SpanLine
from tests import samples
from tests.conftest import ENTERPRISE_BIN
from tests.running_stack import Stack, running_stack

# The whole stack as processes, over its own SQLite files: once per `make test`.
pytestmark = pytest.mark.processes

APPLICANTS = "/ecopermit.applicants.v1.ApplicantService"
WORKFLOW_SERVICE = "/ecopermit.applicants.v1.ApplicantWorkflowService"
REVIEW_WORKFLOW_SERVICE = "/ecopermit.reviews.v1.ReviewWorkflowService"
REVIEW_COMPLETE = "/ecopermit.reviews.v1.ReviewService/CompleteTask"


@pytest.fixture
async def stack(stack_environment: dict[str, str]) -> AsyncIterator[Stack]:
    environment = {
        **stack_environment,
        "ECOPERMIT_TRACES_EXPORTER": "file",
        # Export within a tenth of a second, so the test sees spans as they happen.
        "OTEL_BSP_SCHEDULE_DELAY": "100",
        "ECOPERMIT_METRICS_EXPORT_INTERVAL_SECONDS": "0.5",
    }
    async with running_stack(environment) as running:
        yield running


def _ancestors(trace: list[SpanLine], span: SpanLine) -> set[str]:
    by_id = {s.span_id: s for s in trace}
    found = set()
    while span.parent_id in by_id:
        found.add(span.parent_id)
        span = by_id[span.parent_id]
    return found


def the(spans: list[SpanLine], name: str, service: str = "") -> SpanLine:
    """The span of that name (in that service: a gRPC call is named alike on both ends)."""
    found = [s for s in spans if s.name == name and (not service or s.service == service)]
    assert found, f"no span {name} among {sorted({(s.service, s.name) for s in spans})}"
    return found[0]


async def test_one_trace_runs_from_the_request_through_the_workflow_to_the_reviews_service(
    stack: Stack,
) -> None:
    # The test plays the client: a root span whose context travels as W3C traceparent.
    client = TracerProvider().get_tracer("client")
    owner = stack.token(Role.APPLICANT, "aliya")
    async with grpc.aio.insecure_channel(stack.address("APPLICANTS")) as channel:
        applicants = applicant_service_pb2_grpc.ApplicantServiceStub(channel)
        authorization = (("authorization", f"Bearer {owner}"),)
        await applicants.RegisterEnterprise(
            applicants_api.RegisterEnterpriseRequest(enterprise=samples.enterprise(ENTERPRISE_BIN)),
            metadata=authorization,
        )
        # The enterprise's browser or ERP submits over HTTP, through the gateway.
        submission_request = samples.submit_request(ENTERPRISE_BIN)
        await samples.upload_documents(
            applicants, ENTERPRISE_BIN, submission_request.application.documents, authorization
        )
        samples.signed(submission_request, Purpose.SUBMISSION, "aliya", authority=stack.authority)
        submission = json_format.MessageToDict(submission_request)
        gateway_url = f"http://{stack.address('GATEWAY')}/v1/applications:submit"
        with client.start_as_current_span("ERP submits") as root:
            carrier: dict[str, str] = {}
            propagate.inject(carrier)
            async with httpx.AsyncClient(timeout=10) as http:
                response = await http.post(
                    gateway_url,
                    json=submission,
                    headers={"authorization": f"Bearer {owner}", **carrier},
                )
        assert response.status_code == 200, response.text
        trace_id = format(root.get_span_context().trace_id, "032x")
        root_id = format(root.get_span_context().span_id, "016x")
        name = response.json()["application"]["name"]
        application_id = name.removeprefix("applications/")
        request = applicants_api.GetApplicationRequest(name=name)
        for _ in range(300):
            current = (await applicants.GetApplication(request, metadata=authorization)).application
            if current.stage == applicants_pb.STAGE_COMPLETENESS and current.open_tasks:
                break
            await asyncio.sleep(0.1)
        assert current.open_tasks, "the workflow never opened the completeness task"

    # The workflow now waits for a reviewer; its stage is already visible to ops.
    expected = {
        ("gateway", f"{APPLICANTS}/SubmitApplication"),
        ("worker", "stage completeness"),
        ("reviews", f"{REVIEW_WORKFLOW_SERVICE}/CreateTask"),
        ("applicants", f"{WORKFLOW_SERVICE}/RecordStageTransition"),
    }
    spans = await stack.spans_until(
        lambda spans: expected <= {(s.service, s.name) for s in spans if s.trace_id == trace_id},
        "the completeness stage and its task in the submission's trace",
    )
    trace = [span for span in spans if span.trace_id == trace_id]
    http_server = next(s for s in trace if s.service == "gateway" and s.parent_id == root_id)
    submit_call = the(trace, f"{APPLICANTS}/SubmitApplication", "gateway")
    submit = the(trace, f"{APPLICANTS}/SubmitApplication", "applicants")
    deliver = the(trace, "deliver start")
    start = the(trace, "StartWorkflow:KepProcedureWorkflow")
    create_task = the(trace, f"{REVIEW_WORKFLOW_SERVICE}/CreateTask", "reviews")
    create_call = the(trace, f"{REVIEW_WORKFLOW_SERVICE}/CreateTask", "worker")
    # The edges: client → gateway → applicants → outbox relay → StartWorkflow; then the
    # worker's activities call the services, within the same trace.
    assert "applications:submit" in http_server.name
    assert submit.parent_id == submit_call.span_id
    assert _ancestors(trace, submit_call) >= {http_server.span_id}
    assert submit.service == "applicants"
    assert deliver.parent_id == submit.span_id
    assert start.parent_id == deliver.span_id
    assert the(trace, "RunWorkflow:KepProcedureWorkflow").service == "worker"
    assert the(trace, "RunActivity:record_stage").service == "worker"
    assert create_task.parent_id == create_call.span_id
    assert the(trace, "RunActivity:create_task").span_id == create_call.parent_id
    recorded = the(trace, f"{WORKFLOW_SERVICE}/RecordStageTransition", "applicants")
    assert recorded.attributes["enduser.role"] == "worker"
    databases = [
        s for s in trace if "db.system" in s.attributes or "db.system.name" in s.attributes
    ]
    assert {s.service for s in databases} >= {"applicants", "reviews"}
    # Every span of the application says which one it is, and the stage where it is known.
    # (Only the gateway's call that creates the application cannot know its id yet.)
    others = [s for s in trace if s is not submit_call]
    unmarked = [
        (s.service, s.name)
        for s in others
        if s.attributes.get("ecopermit.application_id") != application_id
    ]
    assert unmarked == []
    assert the(trace, "stage completeness").attributes["ecopermit.stage"] == "completeness"
    assert submit.attributes["enduser.role"] == "applicant"
    assert create_task.attributes["enduser.role"] == "worker"
    assert create_task.attributes["ecopermit.task_kind"] == "completeness"
    # No token, no document in any span of any process.
    raw = stack.spans_file.read_text()
    assert owner not in raw
    assert "Bearer" not in raw
    assert "project.pdf" not in raw
    for document in samples.application(ENTERPRISE_BIN).documents:
        assert document.sha256 not in raw

    # Weeks later a reviewer completes the task: a trace of its own, linked to the submission's.
    reviewer = (("authorization", f"Bearer {stack.token(Role.REVIEWER, 'reviewer-1')}"),)
    task_name = current.open_tasks[0].task
    async with grpc.aio.insecure_channel(stack.address("REVIEWS")) as channel:
        reviews = review_service_pb2_grpc.ReviewServiceStub(channel)
        await reviews.ClaimTask(reviews_api.ClaimTaskRequest(name=task_name), metadata=reviewer)
        await reviews.CompleteTask(
            reviews_api.CompleteTaskRequest(
                name=task_name, outcome=reviews_pb.TASK_OUTCOME_COMPLETE
            ),
            metadata=reviewer,
        )
    spans = await stack.spans_until(
        lambda spans: (
            {("reviews", "deliver complete_task"), ("reviews", REVIEW_COMPLETE)}
            <= {(s.service, s.name) for s in spans}
        ),
        "the completion's delivery",
    )
    delivery = the(spans, "deliver complete_task")
    assert delivery.trace_id != trace_id
    assert trace_id in delivery.links
    completion = [s for s in spans if s.trace_id == delivery.trace_id]
    complete = the(completion, REVIEW_COMPLETE, "reviews")
    assert complete.attributes["ecopermit.outcome"] == "complete"
    assert complete.attributes["enduser.role"] == "reviewer"

    # Ops watch the queues and the clocks as metrics.
    def stage(name: str) -> Callable[[dict[str, Any]], bool]:
        return lambda point: point["attributes"].get("ecopermit.stage") == name

    await stack.metric_until(
        "ecopermit.applications",
        lambda p: stage("state_expertise")(p) and p["value"] == 1,
    )
    await stack.metric_until(
        "ecopermit.tasks.open",
        lambda p: p["attributes"].get("enduser.role") == "reviewer" and p["value"] == 3,
    )
    spent = await stack.metric_until("ecopermit.stage.duration", stage("completeness"))
    assert spent["count"] == 1
    assert spent["sum"] > 0
    await stack.metric_until("ecopermit.stage.entries", stage("state_expertise"))

    # And ops read it all in the terminal.
    shown = await asyncio.to_thread(
        subprocess.run,
        [
            sys.executable,
            "-m",
            "ecopermit",
            "traces",
            application_id,
            "--file",
            str(stack.spans_file),
        ],
        capture_output=True,
        text=True,
        env={**os.environ, "COLUMNS": "200"},
        check=False,
    )
    assert shown.returncode == 0, shown.stderr
    assert f"trace {trace_id}" in shown.stdout
    assert "stage completeness" in shown.stdout
    assert "deliver complete_task" in shown.stdout
    assert "↪ linked" in shown.stdout  # the completion, linked to the submission
