"""The applicants database: enterprises, applications, their stage history, permits, outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, Integer, MetaData, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ecopermit.runtime.database import UtcDateTime
from ecopermit.runtime.esign.evidence import SignatureEvidence

# Each service has its own metadata so that its migrations see only its own tables.
metadata = MetaData()


class ApplicantsTable(SQLModel):
    metadata = metadata


class EnterpriseRecord(ApplicantsTable, table=True):
    __tablename__ = "enterprises"

    bin: str = Field(primary_key=True, max_length=12)
    display_name: str = Field(max_length=300)
    region: int
    sector: int
    registered_by: str = Field(max_length=200)
    create_time: datetime = Field(sa_type=UtcDateTime)


class ApplicationRecord(ApplicantsTable, table=True):
    """One application. Inputs are kept as the submitted message (JSON), status as columns."""

    __tablename__ = "applications"
    __table_args__ = (UniqueConstraint("enterprise_bin", "request_id"),)

    id: str = Field(primary_key=True, max_length=64)
    enterprise_bin: str = Field(foreign_key="enterprises.bin", index=True, max_length=12)
    request_id: str = Field(max_length=36)
    sector: int = Field(index=True)
    # The facility's region, kept beside the content for filters and counts.
    region: int = Field(default=0, index=True)
    stage: int = Field(index=True)
    # The Application message's input fields: facility, sources, programme. The documents are
    # in dossier_entries, by version.
    content: str = Field(sa_column=Column(Text, nullable=False))
    # The workflow's view of the current stage: open tasks and deadlines (Application JSON).
    progress: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    rules_version: str = Field(default="", max_length=64)
    # The last stage transition recorded, so a replayed activity is acknowledged, not redone.
    last_sequence: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    permit_id: str = Field(default="", max_length=64)
    submitted_by: str = Field(max_length=200)
    create_time: datetime = Field(sa_type=UtcDateTime, index=True)
    update_time: datetime = Field(sa_type=UtcDateTime)


class StageTransitionRecord(ApplicantsTable, table=True):
    __tablename__ = "stage_transitions"
    __table_args__ = (UniqueConstraint("application_id", "sequence"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: str = Field(foreign_key="applications.id", index=True, max_length=64)
    # The workflow's transition counter; None for what the service itself records (submission,
    # withdrawal), which the unique key then leaves alone.
    sequence: int | None = None
    stage: int
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    # The reason as a message key and its values (JSON object), for people's languages.
    reason_key: str = Field(default="", max_length=64, sa_column_kwargs={"server_default": ""})
    reason_values: str = Field(
        default="{}", sa_column=Column(Text, nullable=False, server_default="{}")
    )
    enter_time: datetime = Field(sa_type=UtcDateTime)


class PermitRecord(ApplicantsTable, table=True):
    __tablename__ = "permits"

    id: str = Field(primary_key=True, max_length=64)
    application_id: str = Field(foreign_key="applications.id", unique=True, max_length=64)
    enterprise_bin: str = Field(index=True, max_length=12)
    year: int
    serial: int
    # The Permit message as issued (JSON).
    content: str = Field(sa_column=Column(Text, nullable=False))
    issue_time: datetime = Field(sa_type=UtcDateTime)

    __table_args__ = (UniqueConstraint("year", "serial"),)


class StoredDocumentRecord(ApplicantsTable, table=True):
    """An enterprise's upload: its bytes are in the object store under sha256. The record is
    what lets the enterprise cite the hash in an application."""

    __tablename__ = "stored_documents"

    enterprise_bin: str = Field(foreign_key="enterprises.bin", primary_key=True, max_length=12)
    sha256: str = Field(primary_key=True, max_length=64)
    size_bytes: int
    media_type: str = Field(max_length=100)
    file_name: str = Field(max_length=255)
    uploaded_by: str = Field(max_length=200)
    create_time: datetime = Field(sa_type=UtcDateTime)


class DossierEntryRecord(ApplicantsTable, table=True):
    """One version of one document in an application's dossier. Rows are only added, and
    replace_time set once when a later version of the same kind and file name arrives, so the
    dossier as it stood at any moment (a decision's, say) is the rows current at that moment."""

    __tablename__ = "dossier_entries"
    __table_args__ = (UniqueConstraint("application_id", "kind", "file_name", "version"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: str = Field(foreign_key="applications.id", index=True, max_length=64)
    kind: int
    file_name: str = Field(max_length=255)
    version: int
    sha256: str = Field(max_length=64)
    size_bytes: int
    media_type: str = Field(max_length=100)
    add_time: datetime = Field(sa_type=UtcDateTime)
    replace_time: datetime | None = Field(default=None, sa_type=UtcDateTime)


class SignatureRecord(ApplicantsTable, SignatureEvidence, table=True):
    """A verified ЭЦП on a submission or an answer, kept as evidence."""

    __tablename__ = "signatures"
    __table_args__ = (UniqueConstraint("application_id", "purpose", "request_id"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: str = Field(foreign_key="applications.id", index=True, max_length=64)
    request_id: str = Field(max_length=36)


class WorkflowOutboxRecord(ApplicantsTable, table=True):
    """What the permit workflow must hear about, written in the same transaction as the change.

    A relay delivers rows in order and marks them delivered; a crash between the two leaves the
    row to be delivered again, which the workflow recognises by its id (workflow ids reject
    duplicates, updates carry this row's id).
    """

    __tablename__ = "workflow_outbox"
    # An amendment retried with the same request_id is recorded once.
    __table_args__ = (UniqueConstraint("application_id", "kind", "request_id"),)

    id: int | None = Field(default=None, primary_key=True)
    application_id: str = Field(foreign_key="applications.id", index=True, max_length=64)
    kind: str = Field(max_length=32)
    request_id: str = Field(default="", max_length=36)
    payload: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    create_time: datetime = Field(sa_type=UtcDateTime)
    deliver_time: datetime | None = Field(default=None, sa_type=UtcDateTime, index=True)
    attempts: int = 0
