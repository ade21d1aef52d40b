"""The reviews database: tasks, BAT assessments, public comments and the completion outbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, MetaData, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from ecopermit.runtime.database import UtcDateTime
from ecopermit.runtime.esign.evidence import SignatureEvidence

metadata = MetaData()


class ReviewsTable(SQLModel):
    metadata = metadata


class TaskRecord(ReviewsTable, table=True):
    __tablename__ = "tasks"

    id: str = Field(primary_key=True, max_length=64)
    application_id: str = Field(index=True, max_length=64)
    kind: int
    required_role: str = Field(index=True, max_length=32)
    state: int = Field(index=True)
    assignee: str = Field(default="", index=True, max_length=200)
    instructions: str = Field(default="", sa_column=Column(Text, nullable=False))
    outcome: int = 0
    comments: str = Field(default="", sa_column=Column(Text, nullable=False))
    # Findings as the Task message's JSON list.
    findings: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    due_time: datetime = Field(sa_type=UtcDateTime, index=True)
    create_time: datetime = Field(sa_type=UtcDateTime, index=True)
    claim_time: datetime | None = Field(default=None, sa_type=UtcDateTime)
    complete_time: datetime | None = Field(default=None, sa_type=UtcDateTime)
    # The trace context the workflow created the task in (W3C headers as JSON): a completion
    # weeks later starts a trace of its own, linked to the application's.
    trace_context: str = Field(default="{}", sa_column=Column(Text, nullable=False))
    # A refusal's grounds (RefusalGround values) and the outcomes the workflow allowed
    # (TaskOutcome values; empty: every outcome of the kind), as JSON lists.
    refusal_grounds: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    allowed_outcomes: str = Field(default="[]", sa_column=Column(Text, nullable=False))
    # What the task is about (TaskSubject), for inboxes to show, filter and scope by region.
    enterprise_bin: str = Field(default="", max_length=12)
    enterprise_display_name: str = Field(default="", max_length=300)
    facility_display_name: str = Field(default="", max_length=300)
    region: int = Field(default=0, index=True)
    sector: int = 0
    application_stage: int = 0


class DecisionSignatureRecord(ReviewsTable, SignatureEvidence, table=True):
    """The decision maker's verified ЭЦП on a decision task's completion, kept as evidence."""

    __tablename__ = "decision_signatures"

    task_id: str = Field(primary_key=True, max_length=64)


class BatAssessmentRecord(ReviewsTable, table=True):
    __tablename__ = "bat_assessments"

    application_id: str = Field(primary_key=True, max_length=64)
    # The BatAssessment message (JSON), expert verdicts included once reviewed.
    content: str = Field(sa_column=Column(Text, nullable=False))
    update_time: datetime = Field(sa_type=UtcDateTime)


class PublicCommentRecord(ReviewsTable, table=True):
    __tablename__ = "public_comments"
    __table_args__ = (UniqueConstraint("application_id", "request_id"),)

    id: str = Field(primary_key=True, max_length=64)
    application_id: str = Field(index=True, max_length=64)
    request_id: str = Field(max_length=36)
    # Who wrote it, for rate limits; never shown. The display name is what others see.
    author_subject: str = Field(index=True, max_length=200)
    author_display_name: str = Field(max_length=200)
    # How the organiser reaches the author; personal data, shown to the Committee's staff only.
    author_contact: str = Field(default="", max_length=200, sa_column_kwargs={"server_default": ""})
    text: str = Field(sa_column=Column(Text, nullable=False))
    disposition: int = 0
    disposition_reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    create_time: datetime = Field(sa_type=UtcDateTime, index=True)


class ConsultationRecord(ReviewsTable, table=True):
    """Public consultation on an application: comments are accepted until close_time."""

    __tablename__ = "consultations"

    application_id: str = Field(primary_key=True, max_length=64)
    open_time: datetime = Field(sa_type=UtcDateTime)
    close_time: datetime = Field(sa_type=UtcDateTime)


class CompletionOutboxRecord(ReviewsTable, table=True):
    """A task completion the permit workflow has yet to receive.

    Written in the transaction that completes the task; the relay delivers it as a Temporal
    update whose id is the task id, then marks it delivered. If the process dies between the
    update and the mark, the next delivery carries the same update id: Temporal returns the
    first result instead of applying it again, and the workflow's validator refuses a second
    completion of one task. Nothing is lost (the row stays until delivered) and nothing is
    applied twice.
    """

    __tablename__ = "completion_outbox"

    task_id: str = Field(primary_key=True, max_length=64)
    application_id: str = Field(index=True, max_length=64)
    # The TaskCompletion payload (JSON).
    payload: str = Field(sa_column=Column(Text, nullable=False))
    create_time: datetime = Field(sa_type=UtcDateTime)
    deliver_time: datetime | None = Field(default=None, sa_type=UtcDateTime, index=True)
    attempts: int = 0
