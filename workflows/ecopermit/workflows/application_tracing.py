"""Worker interceptors that mark every activity's spans with its application and stage.

The workflow puts the stage it is in on each activity it schedules (a header); the activity side
reads it, takes the application id from the workflow id, and opens an application scope, so the
activity span, its gRPC calls and the services' spans and queries all carry both.
"""

from __future__ import annotations

from typing import Any

from temporalio import activity, workflow
from temporalio.converter import PayloadConverter
from temporalio.worker import (
    ActivityInboundInterceptor,
    ExecuteActivityInput,
    Interceptor,
    StartActivityInput,
    StartLocalActivityInput,
    WorkflowInboundInterceptor,
    WorkflowInterceptorClassInput,
    WorkflowOutboundInterceptor,
)

from ecopermit.runtime import tracing
from ecopermit.workflows.contract import permit_workflow_id

STAGE_HEADER = "ecopermit-stage"
_WORKFLOW_ID_PREFIX = permit_workflow_id("")


class ApplicationTracingInterceptor(Interceptor):
    def intercept_activity(self, next: ActivityInboundInterceptor) -> ActivityInboundInterceptor:
        return _ActivityInbound(next)

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[WorkflowInboundInterceptor]:
        return _WorkflowInbound


class _ActivityInbound(ActivityInboundInterceptor):
    async def execute_activity(self, input: ExecuteActivityInput) -> Any:
        workflow_id = activity.info().workflow_id or ""
        if not workflow_id.startswith(_WORKFLOW_ID_PREFIX):
            return await super().execute_activity(input)
        header = input.headers.get(STAGE_HEADER)
        stage = PayloadConverter.default.from_payloads([header])[0] if header else ""
        application_id = workflow_id.removeprefix(_WORKFLOW_ID_PREFIX)
        with tracing.application_scope(application_id, stage=str(stage)):
            return await super().execute_activity(input)


class _WorkflowInbound(WorkflowInboundInterceptor):
    def init(self, outbound: WorkflowOutboundInterceptor) -> None:
        super().init(_WorkflowOutbound(outbound))


class _WorkflowOutbound(WorkflowOutboundInterceptor):
    def start_activity(self, input: StartActivityInput) -> workflow.ActivityHandle[Any]:
        input.headers = {**input.headers, STAGE_HEADER: _stage_payload()}
        return super().start_activity(input)

    def start_local_activity(self, input: StartLocalActivityInput) -> workflow.ActivityHandle[Any]:
        input.headers = {**input.headers, STAGE_HEADER: _stage_payload()}
        return super().start_local_activity(input)


def _stage_payload() -> Any:
    stage = getattr(workflow.instance(), "stage_name", "")
    return PayloadConverter.default.to_payloads([stage])[0]
