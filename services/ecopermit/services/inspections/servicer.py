"""gRPC edge of the inspections service."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from google.protobuf import json_format
from google.type import date_pb2

from ecopermit.domain.errors import PermissionDeniedError
from ecopermit.inspections.v1 import inspection_service_pb2 as api
from ecopermit.inspections.v1 import inspection_service_pb2_grpc
from ecopermit.inspections.v1 import resources_pb2 as pb
from ecopermit.runtime import pagination
from ecopermit.runtime.database import utc_now
from ecopermit.runtime.grpc.auth import current_principal
from ecopermit.runtime.identity import Role
from ecopermit.services.inspections.models import PrescriptionRecord
from ecopermit.services.inspections.store import (
    InspectionFilters,
    InspectionStore,
    InspectionView,
    Schedule,
    is_overdue,
)


def _to_date(value: date_pb2.Date) -> date:
    return date(value.year, value.month, value.day)


def _from_date(value: date) -> date_pb2.Date:
    return date_pb2.Date(year=value.year, month=value.month, day=value.day)


def _id(name: str) -> str:
    return name.rpartition("/")[2]


def prescription_message(record: PrescriptionRecord, today: date) -> pb.Prescription:
    message = pb.Prescription(
        name=f"inspections/{record.inspection_id}/prescriptions/{record.id}",
        violation_id=record.violation_id,
        action=record.action,
        due_date=_from_date(record.due_date),
        evidence=record.evidence,
        overdue=is_overdue(record, today),
    )
    message.state = record.state  # type: ignore[assignment]
    if record.resolved_date is not None:
        message.resolved_date.CopyFrom(_from_date(record.resolved_date))
    return message


def inspection_message(view: InspectionView) -> pb.Inspection:
    record = view.record
    today = utc_now().date()
    message = pb.Inspection(
        name=f"inspections/{record.id}",
        enterprise=f"enterprises/{record.enterprise_bin}",
        application=f"applications/{record.application_id}" if record.application_id else "",
        scheduled_date=_from_date(record.scheduled_date),
        inspector=record.inspector,
        appointment_act_number=record.appointment_act_number,
        prescriptions=[prescription_message(p, today) for p in view.prescriptions],
    )
    message.type = record.type  # type: ignore[assignment]
    message.state = record.state  # type: ignore[assignment]
    message.region = record.region  # type: ignore[assignment]
    for item in json.loads(record.checklist):
        json_format.ParseDict(item, message.checklist.add())
    for violation in view.violations:
        entry = message.violations.add(
            violation_id=violation.id,
            breached_norm=violation.breached_norm,
            description=violation.description,
        )
        entry.category = violation.category  # type: ignore[assignment]
        entry.severity = violation.severity  # type: ignore[assignment]
    message.create_time.FromDatetime(record.create_time)
    if record.record_time is not None:
        message.record_time.FromDatetime(record.record_time)
    return message


class InspectionServicer(inspection_service_pb2_grpc.InspectionServiceServicer):
    def __init__(self, store: InspectionStore) -> None:
        self._store = store

    async def ScheduleInspection(  # noqa: N802 - gRPC method name
        self, request: api.ScheduleInspectionRequest, context: Any
    ) -> api.ScheduleInspectionResponse:
        schedule = Schedule(
            request_id=request.request_id,
            enterprise_bin=_id(request.enterprise),
            application_id=_id(request.application) if request.application else "",
            type=request.type,
            scheduled_date=_to_date(request.scheduled_date),
            inspector=request.inspector,
            region=request.region,
            appointment_act_number=request.appointment_act_number,
        )
        view = await self._store.schedule(schedule, current_principal())
        return api.ScheduleInspectionResponse(inspection=inspection_message(view))

    async def GetInspection(  # noqa: N802
        self, request: api.GetInspectionRequest, context: Any
    ) -> api.GetInspectionResponse:
        view = await self._store.get(_id(request.name), current_principal())
        return api.GetInspectionResponse(inspection=inspection_message(view))

    async def ListInspections(  # noqa: N802
        self, request: api.ListInspectionsRequest, context: Any
    ) -> api.ListInspectionsResponse:
        principal = current_principal()
        enterprise_bin = _id(request.enterprise) if request.enterprise else ""
        if principal.role is Role.APPLICANT:
            if enterprise_bin and not principal.sees_enterprise(enterprise_bin):
                raise PermissionDeniedError("an applicant lists its own enterprise's only")
            enterprise_bin = principal.enterprise_bin or ""
        filters = InspectionFilters(
            enterprise_bin=enterprise_bin,
            application_id=_id(request.application) if request.application else "",
            state=request.state,
            type=request.type,
            inspector=request.inspector,
        )
        views, token = await self._store.list_inspections(
            filters, pagination.page_size(request.page_size), request.page_token
        )
        return api.ListInspectionsResponse(
            inspections=[inspection_message(v) for v in views], next_page_token=token
        )

    async def RecordFindings(  # noqa: N802
        self, request: api.RecordFindingsRequest, context: Any
    ) -> api.RecordFindingsResponse:
        view = await self._store.record_findings(
            _id(request.name),
            request.checklist,
            request.violations,
            request.prescriptions,
            current_principal(),
        )
        return api.RecordFindingsResponse(inspection=inspection_message(view))

    async def ResolvePrescription(  # noqa: N802
        self, request: api.ResolvePrescriptionRequest, context: Any
    ) -> api.ResolvePrescriptionResponse:
        parts = request.name.split("/")
        record = await self._store.resolve_prescription(
            parts[1], parts[3], request.evidence, _to_date(request.resolved_date)
        )
        return api.ResolvePrescriptionResponse(
            prescription=prescription_message(record, utc_now().date())
        )

    async def GetStatistics(  # noqa: N802
        self, request: api.GetStatisticsRequest, context: Any
    ) -> api.GetStatisticsResponse:
        figures = await self._store.statistics(
            _to_date(request.start_date), _to_date(request.end_date), request.region
        )
        return api.GetStatisticsResponse(
            statistics=pb.InspectionStatistics(
                inspections=figures.inspections,
                violations=figures.violations,
                grave_violations=figures.grave_violations,
                prescriptions=figures.prescriptions,
                prescriptions_resolved=figures.prescriptions_resolved,
                prescriptions_overdue=figures.prescriptions_overdue,
            )
        )
