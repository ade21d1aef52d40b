"""The inspection records: scheduling, the act's findings, prescriptions and yearly figures."""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from google.protobuf import json_format
from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ecopermit.domain import inspection_acts
from ecopermit.domain.errors import (
    FailedPreconditionError,
    FieldViolation,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    request_id_reused,
)
from ecopermit.inspections.v1 import resources_pb2 as pb
from ecopermit.runtime import outbox, pagination, tracing
from ecopermit.runtime.database import is_unique_violation, rows_by_owner, utc_now
from ecopermit.runtime.identity import Principal, Role
from ecopermit.services.inspections.models import (
    FindingsOutboxRecord,
    InspectionRecord,
    PrescriptionRecord,
    ViolationRecord,
)
from ecopermit.services.workflow_relay import Delivery
from ecopermit.workflows.contract import UPDATE_RECORD_INSPECTION, InspectionRecorded

_INSPECTION_NAMESPACE = uuid.UUID("5d8f0c7a-2e61-4b3a-8c94-71f2a6e0d3b5")


@dataclass(frozen=True)
class Schedule:
    request_id: str
    enterprise_bin: str
    application_id: str
    type: int
    scheduled_date: date
    inspector: str
    region: int
    appointment_act_number: str


@dataclass(frozen=True)
class InspectionFilters:
    enterprise_bin: str = ""
    application_id: str = ""
    state: int = 0
    type: int = 0
    inspector: str = ""


@dataclass(frozen=True)
class InspectionView:
    record: InspectionRecord
    violations: Sequence[ViolationRecord]
    prescriptions: Sequence[PrescriptionRecord]


@dataclass(frozen=True)
class Statistics:
    inspections: int
    violations: int
    grave_violations: int
    prescriptions: int
    prescriptions_resolved: int
    prescriptions_overdue: int


def is_overdue(prescription: PrescriptionRecord, today: date) -> bool:
    return inspection_acts.is_overdue(prescription.due_date, prescription.resolved_date, today)


def _scheduled(record: InspectionRecord) -> tuple[object, ...]:
    """What a ScheduleInspection request decides; a retry must ask for the same."""
    return (
        record.enterprise_bin,
        record.application_id,
        record.type,
        record.scheduled_date,
        record.inspector,
        record.region,
        record.appointment_act_number,
    )


def _not_found(inspection_id: str) -> NotFoundError:
    return NotFoundError(f"inspections/{inspection_id} not found")


class InspectionStore:
    """The only code that touches the inspections database."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def schedule(self, schedule: Schedule, principal: Principal) -> InspectionView:
        if schedule.type == pb.INSPECTION_TYPE_PRE_PERMIT and not schedule.application_id:
            raise InvalidArgumentError(
                [FieldViolation("application", "a pre-permit inspection names its application")]
            )
        inspection_id = str(
            uuid.uuid5(_INSPECTION_NAMESPACE, f"{principal.subject}/{schedule.request_id}")
        )
        inspector = schedule.inspector
        if not inspector and principal.role is Role.INSPECTOR:
            inspector = principal.subject
        record = InspectionRecord(
            id=inspection_id,
            enterprise_bin=schedule.enterprise_bin,
            application_id=schedule.application_id,
            type=schedule.type,
            state=pb.INSPECTION_STATE_SCHEDULED,
            scheduled_date=schedule.scheduled_date,
            inspector=inspector,
            region=schedule.region,
            appointment_act_number=schedule.appointment_act_number,
            scheduled_by=principal.subject,
            create_time=utc_now(),
        )
        try:
            async with self._sessions() as session, session.begin():
                session.add(record)
        except IntegrityError as error:
            if not is_unique_violation(error):
                raise
            # A retry with the same request_id: the first one stands, if it is the same.
            async with self._sessions() as session:
                first = await session.get(InspectionRecord, inspection_id)
            if first is not None and _scheduled(first) != _scheduled(record):
                raise request_id_reused(schedule.request_id, "inspection") from None
        return await self.get(inspection_id, principal)

    async def get(self, inspection_id: str, principal: Principal) -> InspectionView:
        async with self._sessions() as session:
            view = await self._view(session, inspection_id)
        if not principal.sees_enterprise(view.record.enterprise_bin):
            raise _not_found(inspection_id)
        return view

    async def list_inspections(
        self, filters: InspectionFilters, page_size: int, page_token: str
    ) -> tuple[list[InspectionView], str]:
        query = select(InspectionRecord)
        for column, value in (
            (InspectionRecord.enterprise_bin, filters.enterprise_bin),
            (InspectionRecord.application_id, filters.application_id),
            (InspectionRecord.state, filters.state),
            (InspectionRecord.type, filters.type),
            (InspectionRecord.inspector, filters.inspector),
        ):
            if value:
                query = query.where(column == value)
        async with self._sessions() as session:
            records, token = await pagination.keyset_page(
                session, query, InspectionRecord, page_size, page_token, filters
            )
            return await _views(session, records), token

    async def record_findings(
        self,
        inspection_id: str,
        checklist: Sequence[pb.ChecklistItem],
        violations: Sequence[pb.Violation],
        prescriptions: Sequence[pb.Prescription],
        principal: Principal,
    ) -> InspectionView:
        """Writes the act once: checklist, violations with norms, prescriptions with deadlines."""
        async with self._sessions() as session, session.begin():
            record = await session.get(InspectionRecord, inspection_id)
            if record is None:
                raise _not_found(inspection_id)
            if record.inspector and record.inspector != principal.subject:
                raise PermissionDeniedError(f"inspections/{inspection_id} is {record.inspector}'s")
            if record.state != pb.INSPECTION_STATE_SCHEDULED:
                raise FailedPreconditionError(f"inspections/{inspection_id} is already recorded")
            violation_ids = inspection_acts.violation_ids([v.violation_id for v in violations])
            _check_prescriptions(prescriptions, set(violation_ids), record.scheduled_date)
            for position, (violation, violation_id) in enumerate(
                zip(violations, violation_ids, strict=True)
            ):
                session.add(
                    ViolationRecord(
                        inspection_id=inspection_id,
                        id=violation_id,
                        position=position,
                        category=violation.category,
                        breached_norm=violation.breached_norm,
                        severity=violation.severity,
                        description=violation.description,
                    )
                )
            for position, prescription in enumerate(prescriptions):
                session.add(
                    PrescriptionRecord(
                        id=f"{inspection_id[:24]}-p{position + 1}",
                        inspection_id=inspection_id,
                        violation_id=prescription.violation_id,
                        position=position,
                        action=prescription.action,
                        due_date=_date(prescription.due_date),
                        state=pb.PRESCRIPTION_STATE_OPEN,
                    )
                )
            record.checklist = json.dumps(
                [json_format.MessageToDict(item) for item in checklist], ensure_ascii=False
            )
            record.inspector = record.inspector or principal.subject
            record.state = pb.INSPECTION_STATE_COMPLETED
            record.record_time = utc_now()
            session.add(record)
            if record.application_id:
                # The application's permit workflow waits for this act (the outbox, see README).
                act = InspectionRecorded(
                    inspection_id=inspection_id,
                    inspection_type=record.type,
                    violations=len(violations),
                    grave_violations=sum(v.severity == pb.SEVERITY_GRAVE for v in violations),
                    prescriptions=len(prescriptions),
                )
                session.add(
                    FindingsOutboxRecord(
                        inspection_id=inspection_id,
                        application_id=record.application_id,
                        payload=json.dumps(
                            {
                                **dataclasses.asdict(act),
                                tracing.TRACE_KEY: tracing.current_carrier(),
                            }
                        ),
                        create_time=record.record_time,
                    )
                )
        return await self.get(inspection_id, principal)

    async def resolve_prescription(
        self, inspection_id: str, prescription_id: str, evidence: str, resolved: date
    ) -> PrescriptionRecord:
        async with self._sessions() as session, session.begin():
            record = await session.get(PrescriptionRecord, prescription_id)
            if record is None or record.inspection_id != inspection_id:
                raise NotFoundError(
                    f"inspections/{inspection_id}/prescriptions/{prescription_id} not found"
                )
            if record.state == pb.PRESCRIPTION_STATE_RESOLVED:
                raise FailedPreconditionError("the prescription is already resolved")
            record.state = pb.PRESCRIPTION_STATE_RESOLVED
            record.evidence = evidence
            record.resolved_date = resolved
            session.add(record)
        return record

    async def statistics(self, start: date, end: date, region: int) -> Statistics:
        """The Committee's yearly figures: inspections carried out in the period, and theirs."""
        done = select(InspectionRecord.id).where(
            InspectionRecord.state == pb.INSPECTION_STATE_COMPLETED,
            col(InspectionRecord.scheduled_date) >= start,
            col(InspectionRecord.scheduled_date) <= end,
        )
        if region:
            done = done.where(InspectionRecord.region == region)
        in_period = col(ViolationRecord.inspection_id).in_(done)
        async with self._sessions() as session:
            inspections = (
                await session.exec(select(func.count()).select_from(done.subquery()))
            ).one()
            violations = (await session.exec(select(func.count()).where(in_period))).one()
            grave = (
                await session.exec(
                    select(func.count()).where(
                        in_period, ViolationRecord.severity == pb.SEVERITY_GRAVE
                    )
                )
            ).one()
            prescribed = list(
                (
                    await session.exec(
                        select(PrescriptionRecord).where(
                            col(PrescriptionRecord.inspection_id).in_(done)
                        )
                    )
                ).all()
            )
        today = utc_now().date()
        return Statistics(
            inspections=inspections,
            violations=violations,
            grave_violations=grave,
            prescriptions=len(prescribed),
            prescriptions_resolved=sum(
                p.state == pb.PRESCRIPTION_STATE_RESOLVED for p in prescribed
            ),
            prescriptions_overdue=sum(is_overdue(p, today) for p in prescribed),
        )

    async def pending_deliveries(self, limit: int) -> list[Delivery]:
        """Inspection acts not yet delivered to their permit workflows, oldest first."""
        records = await outbox.undelivered(
            self._sessions, FindingsOutboxRecord, col(FindingsOutboxRecord.create_time), limit
        )
        return [
            Delivery(
                r.inspection_id, r.application_id, UPDATE_RECORD_INSPECTION, json.loads(r.payload)
            )
            for r in records
        ]

    async def mark_delivered(self, inspection_id: str) -> None:
        await outbox.mark_delivered(self._sessions, FindingsOutboxRecord, inspection_id)

    async def _view(self, session: AsyncSession, inspection_id: str) -> InspectionView:
        record = await session.get(InspectionRecord, inspection_id)
        if record is None:
            raise _not_found(inspection_id)
        violations = await session.exec(
            select(ViolationRecord)
            .where(ViolationRecord.inspection_id == inspection_id)
            .order_by(col(ViolationRecord.position))
        )
        prescriptions = await session.exec(
            select(PrescriptionRecord)
            .where(PrescriptionRecord.inspection_id == inspection_id)
            .order_by(col(PrescriptionRecord.position))
        )
        return InspectionView(record, list(violations.all()), list(prescriptions.all()))


async def _views(
    session: AsyncSession, records: Sequence[InspectionRecord]
) -> list[InspectionView]:
    """The inspections with their violations and prescriptions: one query for each, whatever
    the number of inspections (a page of ListInspections)."""
    ids = [r.id for r in records]
    violations = await rows_by_owner(
        session,
        select(ViolationRecord)
        .where(col(ViolationRecord.inspection_id).in_(ids))
        .order_by(col(ViolationRecord.position)),
        "inspection_id",
        ids,
    )
    prescriptions = await rows_by_owner(
        session,
        select(PrescriptionRecord)
        .where(col(PrescriptionRecord.inspection_id).in_(ids))
        .order_by(col(PrescriptionRecord.position)),
        "inspection_id",
        ids,
    )
    return [InspectionView(r, violations[r.id], prescriptions[r.id]) for r in records]


def _date(value: object) -> date:
    year, month, day = (getattr(value, part) for part in ("year", "month", "day"))
    return date(year, month, day)


def _check_prescriptions(
    prescriptions: Sequence[pb.Prescription], violation_ids: set[str], inspected: date
) -> None:
    given = [(p.violation_id, _date(p.due_date)) for p in prescriptions]
    problems = inspection_acts.prescription_violations(given, violation_ids, inspected)
    if problems:
        raise InvalidArgumentError(problems)
