"""The inspections database: inspections with their acts, violations and prescriptions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Date, MetaData, Text
from sqlmodel import Field, SQLModel

from ecopermit.runtime.database import UtcDateTime

metadata = MetaData()


class InspectionsTable(SQLModel):
    metadata = metadata


class InspectionRecord(InspectionsTable, table=True):
    __tablename__ = "inspections"

    id: str = Field(primary_key=True, max_length=64)
    enterprise_bin: str = Field(index=True, max_length=12)
    application_id: str = Field(default="", index=True, max_length=64)
    type: int
    state: int = Field(index=True)
    scheduled_date: date = Field(sa_type=Date, index=True)
    inspector: str = Field(default="", index=True, max_length=200)
    region: int = Field(index=True)
    appointment_act_number: str = Field(default="", max_length=64)
    # The checklist of the act (ChecklistItem messages as a JSON list).
    checklist: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    scheduled_by: str = Field(max_length=200)
    create_time: datetime = Field(sa_type=UtcDateTime, index=True)
    record_time: datetime | None = Field(default=None, sa_type=UtcDateTime)


class ViolationRecord(InspectionsTable, table=True):
    __tablename__ = "violations"

    inspection_id: str = Field(foreign_key="inspections.id", primary_key=True, max_length=64)
    id: str = Field(primary_key=True, max_length=64)
    position: int
    category: int
    breached_norm: str = Field(max_length=300)
    severity: int = Field(index=True)
    description: str = Field(sa_column=Column(Text, nullable=False))


class PrescriptionRecord(InspectionsTable, table=True):
    __tablename__ = "prescriptions"

    id: str = Field(primary_key=True, max_length=64)
    inspection_id: str = Field(foreign_key="inspections.id", index=True, max_length=64)
    violation_id: str = Field(max_length=64)
    position: int
    action: str = Field(sa_column=Column(Text, nullable=False))
    due_date: date = Field(sa_type=Date, index=True)
    state: int = Field(index=True)
    resolved_date: date | None = Field(default=None, sa_type=Date)
    evidence: str = Field(default="", sa_column=Column(Text, nullable=False))


class FindingsOutboxRecord(InspectionsTable, table=True):
    """A pre-permit inspection's act that the application's permit workflow has yet to receive.

    Written in the transaction that records the act; the relay delivers it as a Temporal update
    whose id derives from the inspection id, so a delivery repeated after a crash is applied once.
    """

    __tablename__ = "findings_outbox"

    inspection_id: str = Field(primary_key=True, max_length=64)
    application_id: str = Field(index=True, max_length=64)
    # The InspectionRecorded payload (JSON).
    payload: str = Field(sa_column=Column(Text, nullable=False))
    create_time: datetime = Field(sa_type=UtcDateTime)
    deliver_time: datetime | None = Field(default=None, sa_type=UtcDateTime, index=True)
    attempts: int = 0
