"""InspectionService through a real channel: scheduling, the act, prescriptions, statistics."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

import grpc
import pytest
from google.type import date_pb2

from ecopermit.domain import errors
from ecopermit.inspections.v1 import inspection_service_pb2 as api
from ecopermit.inspections.v1 import inspection_service_pb2_grpc
from ecopermit.inspections.v1 import resources_pb2 as pb
from ecopermit.runtime.grpc.status import reason_of
from ecopermit.runtime.identity import Role
from ecopermit.runtime.settings import ServiceName
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.type.v1 import kazakhstan_pb2 as kz
from tests.conftest import ENTERPRISE_BIN, OTHER_ENTERPRISE_BIN, Metadata, ServiceChannel, bearer


def day(value: date) -> date_pb2.Date:
    return date_pb2.Date(year=value.year, month=value.month, day=value.day)


TODAY = date.today()


@dataclass
class Office:
    stub: inspection_service_pb2_grpc.InspectionServiceStub
    issuer: TokenIssuer

    def as_(self, role: Role, subject: str, bin_: str = ENTERPRISE_BIN) -> Metadata:
        return bearer(self.issuer, role, subject, bin_)

    async def schedule(
        self,
        who: Metadata,
        *,
        kind: pb.InspectionType = pb.INSPECTION_TYPE_SCHEDULED,
        when: date = TODAY,
        region: kz.Region = kz.REGION_PAVLODAR,
        bin_: str = ENTERPRISE_BIN,
        request_id: str | None = None,
        application: str = "",
    ) -> pb.Inspection:
        response = await self.stub.ScheduleInspection(
            api.ScheduleInspectionRequest(
                request_id=request_id or str(uuid.uuid4()),
                enterprise=f"enterprises/{bin_}",
                application=application,
                type=kind,
                scheduled_date=day(when),
                region=region,
                appointment_act_number="PAV-2026-114",
            ),
            metadata=who,
        )
        inspection: pb.Inspection = response.inspection
        return inspection

    async def record(
        self, inspection: pb.Inspection, who: Metadata, *, grave: bool = False
    ) -> pb.Inspection:
        scheduled = inspection.scheduled_date
        due = date(scheduled.year, scheduled.month, scheduled.day) + timedelta(days=30)
        response = await self.stub.RecordFindings(
            api.RecordFindingsRequest(
                name=inspection.name,
                checklist=[
                    pb.ChecklistItem(code="ASM-03", description="ASM transmits", compliant=False),
                    pb.ChecklistItem(code="WST-01", description="Waste log kept", compliant=True),
                ],
                violations=[
                    pb.Violation(
                        violation_id="v1",
                        category=pb.VIOLATION_CATEGORY_AUTOMATED_MONITORING,
                        breached_norm="EC Art. 186(2)",
                        severity=pb.SEVERITY_GRAVE if grave else pb.SEVERITY_SIGNIFICANT,
                        description="Stack 1 analyser offline since March",
                    )
                ],
                prescriptions=[
                    pb.Prescription(
                        violation_id="v1", action="Restore ASM transmission", due_date=day(due)
                    )
                ],
            ),
            metadata=who,
        )
        recorded: pb.Inspection = response.inspection
        return recorded


@pytest.fixture
async def office(service_channel: ServiceChannel, issuer: TokenIssuer) -> Office:
    channel = await service_channel(ServiceName.INSPECTIONS)
    return Office(inspection_service_pb2_grpc.InspectionServiceStub(channel), issuer)


async def rpc_error(call: object) -> grpc.aio.AioRpcError:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    return caught.value


async def test_scheduling_is_idempotent_and_assigns_the_inspector(office: Office) -> None:
    inspector = office.as_(Role.INSPECTOR, "insp-1")
    request_id = str(uuid.uuid4())
    first = await office.schedule(inspector, request_id=request_id)
    again = await office.schedule(inspector, request_id=request_id)
    assert again == first
    assert first.inspector == "insp-1"
    assert first.state == pb.INSPECTION_STATE_SCHEDULED
    listed = await office.stub.ListInspections(api.ListInspectionsRequest(), metadata=inspector)
    assert [i.name for i in listed.inspections] == [first.name]
    # The same request_id for another day is refused, not answered with the first.
    moved = await rpc_error(
        office.schedule(inspector, request_id=request_id, when=TODAY + timedelta(days=3))
    )
    assert moved.code() is grpc.StatusCode.ALREADY_EXISTS
    assert reason_of(moved) == errors.REASON_REQUEST_ID_REUSED


async def test_a_pre_permit_inspection_names_its_application(office: Office) -> None:
    worker = office.as_(Role.WORKER, "wf")
    missing = await rpc_error(office.schedule(worker, kind=pb.INSPECTION_TYPE_PRE_PERMIT))
    assert missing.code() is grpc.StatusCode.INVALID_ARGUMENT
    ordered = await office.schedule(
        worker, kind=pb.INSPECTION_TYPE_PRE_PERMIT, application="applications/a-1"
    )
    assert ordered.application == "applications/a-1"
    assert ordered.inspector == ""  # left to be assigned


async def test_the_act_records_violations_with_norms_and_prescriptions_with_deadlines(
    office: Office,
) -> None:
    inspector = office.as_(Role.INSPECTOR, "insp-1")
    inspection = await office.schedule(inspector)
    recorded = await office.record(inspection, inspector)
    assert recorded.state == pb.INSPECTION_STATE_COMPLETED
    assert [c.code for c in recorded.checklist] == ["ASM-03", "WST-01"]
    assert recorded.violations[0].breached_norm == "EC Art. 186(2)"
    prescription = recorded.prescriptions[0]
    assert prescription.state == pb.PRESCRIPTION_STATE_OPEN
    assert not prescription.overdue
    twice = await rpc_error(office.record(inspection, inspector))
    assert twice.code() is grpc.StatusCode.FAILED_PRECONDITION
    somebody_else = await office.schedule(inspector)
    not_theirs = await rpc_error(office.record(somebody_else, office.as_(Role.INSPECTOR, "i2")))
    assert not_theirs.code() is grpc.StatusCode.PERMISSION_DENIED


async def test_a_prescription_must_follow_a_violation_of_the_same_act(office: Office) -> None:
    inspector = office.as_(Role.INSPECTOR, "insp-1")
    inspection = await office.schedule(inspector)
    refused = await rpc_error(
        office.stub.RecordFindings(
            api.RecordFindingsRequest(
                name=inspection.name,
                checklist=[pb.ChecklistItem(code="A-1", description="x", compliant=True)],
                prescriptions=[
                    pb.Prescription(
                        violation_id="v9", action="Fix", due_date=day(TODAY - timedelta(days=1))
                    )
                ],
            ),
            metadata=inspector,
        )
    )
    assert refused.code() is grpc.StatusCode.INVALID_ARGUMENT
    details = refused.details() or ""
    assert "prescriptions[0].violation_id" in details
    assert "prescriptions[0].due_date" in details
    untouched = await office.stub.GetInspection(
        api.GetInspectionRequest(name=inspection.name), metadata=inspector
    )
    assert untouched.inspection.state == pb.INSPECTION_STATE_SCHEDULED


async def test_a_late_resolution_stays_flagged_overdue(office: Office) -> None:
    inspector = office.as_(Role.INSPECTOR, "insp-1")
    inspection = await office.schedule(inspector, when=TODAY - timedelta(days=90))
    recorded = await office.record(inspection, inspector)
    prescription = recorded.prescriptions[0]
    assert prescription.overdue  # due 60 days ago, still open
    resolved = await office.stub.ResolvePrescription(
        api.ResolvePrescriptionRequest(
            name=prescription.name, evidence="ASM protocol no. 12", resolved_date=day(TODAY)
        ),
        metadata=inspector,
    )
    assert resolved.prescription.state == pb.PRESCRIPTION_STATE_RESOLVED
    assert resolved.prescription.overdue
    again = await rpc_error(
        office.stub.ResolvePrescription(
            api.ResolvePrescriptionRequest(
                name=prescription.name, evidence="again", resolved_date=day(TODAY)
            ),
            metadata=inspector,
        )
    )
    assert again.code() is grpc.StatusCode.FAILED_PRECONDITION


async def test_an_enterprise_sees_only_its_own_inspections(office: Office) -> None:
    inspector = office.as_(Role.INSPECTOR, "insp-1")
    ours = await office.schedule(inspector)
    await office.schedule(inspector, bin_=OTHER_ENTERPRISE_BIN)
    owner = office.as_(Role.APPLICANT, "aliya", ENTERPRISE_BIN)
    competitor = office.as_(Role.APPLICANT, "bolat", OTHER_ENTERPRISE_BIN)
    listed = await office.stub.ListInspections(api.ListInspectionsRequest(), metadata=owner)
    assert [i.name for i in listed.inspections] == [ours.name]
    hidden = await rpc_error(
        office.stub.GetInspection(api.GetInspectionRequest(name=ours.name), metadata=competitor)
    )
    assert hidden.code() is grpc.StatusCode.NOT_FOUND


async def test_statistics_count_what_was_inspected_in_the_period_and_region(
    office: Office,
) -> None:
    inspector = office.as_(Role.INSPECTOR, "insp-1")
    year_start = date(TODAY.year, 1, 1)
    for grave in (False, True):
        await office.record(
            await office.schedule(inspector, when=year_start), inspector, grave=grave
        )
    await office.record(
        await office.schedule(inspector, when=year_start, region=kz.REGION_ATYRAU), inspector
    )
    await office.schedule(inspector, when=year_start)  # scheduled, not carried out
    await office.record(
        await office.schedule(inspector, when=year_start - timedelta(days=1)), inspector
    )
    request = api.GetStatisticsRequest(
        start_date=day(year_start),
        end_date=day(date(TODAY.year, 12, 31)),
        region=kz.REGION_PAVLODAR,
    )
    figures = (
        await office.stub.GetStatistics(request, metadata=office.as_(Role.PUBLIC, "c1"))
    ).statistics
    assert figures.inspections == 2
    assert figures.violations == 2
    assert figures.grave_violations == 1
    assert figures.prescriptions == 2
    assert figures.prescriptions_resolved == 0
    country = api.GetStatisticsRequest(
        start_date=day(year_start), end_date=day(date(TODAY.year, 12, 31))
    )
    nationwide = (
        await office.stub.GetStatistics(country, metadata=office.as_(Role.OPS, "o1"))
    ).statistics
    assert nationwide.inspections == 3
