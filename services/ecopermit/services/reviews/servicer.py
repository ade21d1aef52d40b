"""gRPC edge of the reviews service: the inbox, BAT assessments, public comments."""

from __future__ import annotations

import json
from datetime import UTC, timedelta
from typing import Any

from google.protobuf import json_format

from ecopermit.domain import tasks
from ecopermit.domain.errors import PermissionDeniedError
from ecopermit.reviews.v1 import resources_pb2 as pb
from ecopermit.reviews.v1 import review_service_pb2 as api
from ecopermit.reviews.v1 import review_service_pb2_grpc, review_workflow_service_pb2_grpc
from ecopermit.reviews.v1 import review_workflow_service_pb2 as workflow_api
from ecopermit.runtime import pagination, tracing
from ecopermit.runtime.esign.checks import SignatureCheck
from ecopermit.runtime.esign.evidence import signature_message
from ecopermit.runtime.esign.statements import Purpose
from ecopermit.runtime.grpc.auth import current_principal
from ecopermit.runtime.identity import Principal, Role
from ecopermit.services.reviews.models import (
    DecisionSignatureRecord,
    PublicCommentRecord,
    TaskRecord,
)
from ecopermit.services.reviews.store import Completion, ReviewStore, TaskFilters
from ecopermit.type.v1 import kazakhstan_pb2 as kz

# Roles that see every inbox; the others see their own role's.
_OVERSEERS = frozenset({Role.OPS, Role.WORKER})
# A task claimed this many days ago and not completed is idle (an internal target).
_IDLE_AFTER_DAYS = 3
# The roles whose tasks a head of department sees and assigns.
_ASSIGNED_ROLES = frozenset({Role.REVIEWER, Role.BAT_EXPERT, Role.DECISION_MAKER})
# Who reads a public comment's contact: the staff who hold the hearing and answer it.
_SEE_CONTACTS = frozenset({Role.REVIEWER, Role.BAT_EXPERT, Role.DECISION_MAKER})


def task_message(record: TaskRecord, signature: DecisionSignatureRecord | None = None) -> pb.Task:
    message = pb.Task(
        name=f"tasks/{record.id}",
        application=f"applications/{record.application_id}",
        required_role=Role(record.required_role).to_proto(),  # type: ignore[arg-type]
        assignee=record.assignee,
        comments=record.comments,
        instructions=record.instructions,
    )
    message.kind = record.kind  # type: ignore[assignment]
    message.state = record.state  # type: ignore[assignment]
    message.outcome = record.outcome  # type: ignore[assignment]
    for finding in json.loads(record.findings):
        json_format.ParseDict(finding, message.findings.add())
    message.refusal_grounds.extend(json.loads(record.refusal_grounds))
    message.allowed_outcomes.extend(json.loads(record.allowed_outcomes))
    message.due_time.FromDatetime(record.due_time)
    message.create_time.FromDatetime(record.create_time)
    if record.claim_time is not None:
        message.claim_time.FromDatetime(record.claim_time)
    if record.facility_display_name or record.region:
        subject = message.subject
        subject.enterprise = f"enterprises/{record.enterprise_bin}" if record.enterprise_bin else ""
        subject.enterprise_display_name = record.enterprise_display_name
        subject.facility_display_name = record.facility_display_name
        subject.region = record.region  # type: ignore[assignment]
        subject.sector = record.sector  # type: ignore[assignment]
        subject.application_stage = record.application_stage  # type: ignore[assignment]
    if record.complete_time is not None:
        message.complete_time.FromDatetime(record.complete_time)
    if signature is not None:
        message.signature.CopyFrom(signature_message(signature))
    return message


def comment_message(record: PublicCommentRecord, reader: Principal) -> pb.PublicComment:
    """A comment as this reader may see it: the author's contact to the Committee's staff
    only (the hearing's organiser answers by it); the protocol is public without it."""
    message = pb.PublicComment(
        name=f"applications/{record.application_id}/publicComments/{record.id}",
        author_display_name=record.author_display_name,
        text=record.text,
        disposition_reason=record.disposition_reason,
        author_contact=record.author_contact if reader.role in _SEE_CONTACTS else "",
    )
    message.disposition = record.disposition  # type: ignore[assignment]
    message.create_time.FromDatetime(record.create_time)
    return message


def _id(name: str) -> str:
    return name.rpartition("/")[2]


def _annotate_task(record: TaskRecord) -> None:
    tracing.annotate(
        application_id=record.application_id,
        task_kind=pb.TaskKind.Name(record.kind).removeprefix("TASK_KIND_").lower(),
        outcome=(
            pb.TaskOutcome.Name(record.outcome).removeprefix("TASK_OUTCOME_").lower()
            if record.outcome
            else ""
        ),
    )


class ReviewServicer(review_service_pb2_grpc.ReviewServiceServicer):
    def __init__(self, store: ReviewStore, signatures: SignatureCheck, authority_bin: str) -> None:
        self._store = store
        self._signatures = signatures
        # The organisation a decision maker's certificate must be issued for.
        self._authority_bin = authority_bin

    async def _messages(self, records: list[TaskRecord]) -> list[pb.Task]:
        signatures = await self._store.decision_signatures([r.id for r in records])
        return [task_message(r, signatures.get(r.id)) for r in records]

    async def _message(self, record: TaskRecord) -> pb.Task:
        (message,) = await self._messages([record])
        return message

    async def ListTasks(  # noqa: N802 - gRPC method name
        self, request: api.ListTasksRequest, context: Any
    ) -> api.ListTasksResponse:
        principal = current_principal()
        role = Role.from_proto(request.role) if request.role else None
        if principal.role is Role.HEAD_OF_DEPARTMENT:
            # A head sees the queues of the roles it assigns to: one, or all of them.
            if role is not None and role not in _ASSIGNED_ROLES:
                raise PermissionDeniedError("a head of department sees its officials' tasks")
        elif principal.role not in _OVERSEERS:
            if role not in (None, principal.role):
                raise PermissionDeniedError("you see the inbox of your own role only")
            role = principal.role
        # A territorial department's official sees its region's tasks only: asking for another
        # region finds nothing.
        region: int = request.region
        if principal.region:
            own = kz.Region.Value(principal.region)
            if region not in (0, own):
                return api.ListTasksResponse()
            region = own
        filters = TaskFilters(
            role=role.value if role else "",
            assignee=request.assignee,
            state=request.state,
            application_id=_id(request.application) if request.application else "",
            region=region,
            kind=request.kind,
            overdue_only=request.overdue_only,
            order_by=request.order_by or "create_time",
        )
        records, token = await self._store.list_tasks(
            filters, pagination.page_size(request.page_size), request.page_token
        )
        return api.ListTasksResponse(tasks=await self._messages(records), next_page_token=token)

    async def GetTask(  # noqa: N802
        self, request: api.GetTaskRequest, context: Any
    ) -> api.GetTaskResponse:
        record = await self._store.task_in_scope(_id(request.name), current_principal())
        return api.GetTaskResponse(task=await self._message(record))

    async def GetTaskStatistics(  # noqa: N802
        self, request: api.GetTaskStatisticsRequest, context: Any
    ) -> api.GetTaskStatisticsResponse:
        by_kind, idle = await self._store.task_statistics(
            timedelta(days=request.idle_after_days or _IDLE_AFTER_DAYS), current_principal()
        )
        response = api.GetTaskStatisticsResponse(idle=await self._messages(idle))
        for kind, open_, claimed, overdue in by_kind:
            response.by_kind.add(kind=kind, open=open_, claimed=claimed, overdue=overdue)
        return response

    async def AssignTask(  # noqa: N802
        self, request: api.AssignTaskRequest, context: Any
    ) -> api.AssignTaskResponse:
        record = await self._store.assign_task(
            _id(request.name), request.assignee, current_principal()
        )
        _annotate_task(record)
        return api.AssignTaskResponse(task=await self._message(record))

    async def ReleaseTask(  # noqa: N802
        self, request: api.ReleaseTaskRequest, context: Any
    ) -> api.ReleaseTaskResponse:
        record = await self._store.release_task(_id(request.name), current_principal())
        _annotate_task(record)
        return api.ReleaseTaskResponse(task=await self._message(record))

    async def ClaimTask(  # noqa: N802
        self, request: api.ClaimTaskRequest, context: Any
    ) -> api.ClaimTaskResponse:
        record = await self._store.claim_task(_id(request.name), current_principal())
        _annotate_task(record)
        return api.ClaimTaskResponse(task=task_message(record))

    async def CompleteTask(  # noqa: N802
        self, request: api.CompleteTaskRequest, context: Any
    ) -> api.CompleteTaskResponse:
        principal = current_principal()
        task_id = _id(request.name)
        signed = None
        if tasks.spec((await self._store.get_task(task_id)).kind).signed_decision:
            signed = await self._signatures.verified(
                request, Purpose.DECISION, principal, organisation_bin=self._authority_bin
            )
        completion = Completion(
            outcome=request.outcome,
            comments=request.comments,
            findings=request.findings,
            bat_reviews=request.bat_reviews,
            comment_dispositions=request.comment_dispositions,
            refusal_grounds=list(request.refusal_grounds),
            signed=signed,
        )
        record = await self._store.complete_task(task_id, principal, completion)
        _annotate_task(record)
        return api.CompleteTaskResponse(task=await self._message(record))

    async def GetBatAssessment(  # noqa: N802
        self, request: api.GetBatAssessmentRequest, context: Any
    ) -> api.GetBatAssessmentResponse:
        application_id = request.name.split("/")[1]
        assessment = await self._store.get_bat_assessment(application_id, current_principal())
        return api.GetBatAssessmentResponse(bat_assessment=assessment)

    async def SubmitPublicComment(  # noqa: N802
        self, request: api.SubmitPublicCommentRequest, context: Any
    ) -> api.SubmitPublicCommentResponse:
        author = current_principal()
        record = await self._store.submit_public_comment(
            _id(request.parent), request.request_id, request.public_comment, author
        )
        return api.SubmitPublicCommentResponse(public_comment=comment_message(record, author))

    async def ListPublicComments(  # noqa: N802
        self, request: api.ListPublicCommentsRequest, context: Any
    ) -> api.ListPublicCommentsResponse:
        reader = current_principal()
        records, token = await self._store.list_public_comments(
            _id(request.parent), pagination.page_size(request.page_size), request.page_token
        )
        return api.ListPublicCommentsResponse(
            public_comments=[comment_message(r, reader) for r in records], next_page_token=token
        )


class ReviewWorkflowServicer(review_workflow_service_pb2_grpc.ReviewWorkflowServiceServicer):
    """The permit workflow's calls; the contract admits the worker role alone."""

    def __init__(self, store: ReviewStore) -> None:
        self._store = store

    async def CreateTask(  # noqa: N802
        self, request: workflow_api.CreateTaskRequest, context: Any
    ) -> workflow_api.CreateTaskResponse:
        record = await self._store.create_task(
            request.task_id,
            _id(request.application),
            request.kind,
            request.due_time.ToDatetime(tzinfo=UTC),
            request.instructions,
            list(request.allowed_outcomes),
            request.subject,
        )
        _annotate_task(record)
        return workflow_api.CreateTaskResponse(task=task_message(record))

    async def CancelTask(  # noqa: N802
        self, request: workflow_api.CancelTaskRequest, context: Any
    ) -> workflow_api.CancelTaskResponse:
        record = await self._store.cancel_task(_id(request.name))
        return workflow_api.CancelTaskResponse(task=task_message(record))

    async def OpenPublicConsultation(  # noqa: N802
        self, request: workflow_api.OpenPublicConsultationRequest, context: Any
    ) -> workflow_api.OpenPublicConsultationResponse:
        await self._store.open_consultation(
            _id(request.application), request.close_time.ToDatetime(tzinfo=UTC)
        )
        return workflow_api.OpenPublicConsultationResponse(
            application=request.application, close_time=request.close_time
        )

    async def RecordBatAssessment(  # noqa: N802
        self, request: workflow_api.RecordBatAssessmentRequest, context: Any
    ) -> workflow_api.RecordBatAssessmentResponse:
        assessment = await self._store.record_bat_assessment(request.bat_assessment)
        return workflow_api.RecordBatAssessmentResponse(bat_assessment=assessment)
