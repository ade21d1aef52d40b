"""The applicants' records: every read and write of the applicants database, in transactions."""

from __future__ import annotations

import json
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from google.protobuf import json_format
from opentelemetry import metrics
from sqlalchemy import func, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import defer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from ecopermit.applicants.v1 import resources_pb2 as pb
from ecopermit.domain.business_calendar import kazakhstan_calendar
from ecopermit.domain.emission_sources import repeated_source_violations
from ecopermit.domain.errors import (
    REASON_APPLICATION_WITHDRAWN,
    REASON_PERMIT_NUMBER_CONTENDED,
    AlreadyExistsError,
    FailedPreconditionError,
    FieldViolation,
    InvalidArgumentError,
    NotFoundError,
    PermissionDeniedError,
    request_id_reused,
)
from ecopermit.domain.procedure_statistics import Turnaround, stuck_since, turnarounds
from ecopermit.domain.stages import (
    AWAITING_APPLICANT_STAGES,
    DECIDED_STAGES,
    HEARING_STAGES,
    stage_name,
)
from ecopermit.runtime import outbox, pagination, tracing
from ecopermit.runtime.database import is_unique_violation, rows_by_owner, utc_now
from ecopermit.runtime.esign.checks import SignedStatement
from ecopermit.runtime.esign.evidence import evidence_of
from ecopermit.runtime.identity import Principal, Role
from ecopermit.services.applicants.models import (
    ApplicationRecord,
    DossierEntryRecord,
    EnterpriseRecord,
    PermitRecord,
    SignatureRecord,
    StageTransitionRecord,
    StoredDocumentRecord,
    WorkflowOutboxRecord,
)
from ecopermit.services.applicants.uploads import ReceivedFile
from ecopermit.services.workflow_relay import Delivery
from ecopermit.type.v1 import kazakhstan_pb2 as kz
from ecopermit.workflows import contract
from ecopermit.workflows.rules_of_procedure import register

# Application ids are derived from (enterprise, request_id), so a retried submission maps to the
# same id, and so does the permit workflow's id derived from it.
_APPLICATION_NAMESPACE = uuid.UUID("6f1c3e0a-5b2d-4c41-9a57-0e6b8f3d2a10")
# A permit is issued at decision, or after a hearing reverses a proposed refusal.
_PERMIT_STAGES = frozenset({pb.STAGE_DECISION, pb.STAGE_REFUSAL_HEARING, pb.STAGE_APPROVED})
_SERIAL_RETRIES = 5
# Real seconds an application spent in a stage, recorded as it leaves it.
_stage_durations = metrics.get_meter(__name__).create_histogram(
    "ecopermit.stage.duration", unit="s", description="Time an application spent in a stage"
)


@dataclass(frozen=True)
class Answer:
    """What the applicant says with an amendment, besides the changed content."""

    response: str
    disagrees: bool = False  # with the remarks (EC Art. 115(6))


@dataclass(frozen=True)
class ApplicationFilters:
    stage: int = 0
    enterprise_bin: str = ""
    sector: int = 0
    region: int = 0


@dataclass(frozen=True)
class Alert:
    """An application the dashboard points at: its deadline (lapsed, near) or its last change
    of stage (stuck)."""

    application_id: str
    stage: int
    region: int
    time: datetime


@dataclass(frozen=True)
class ApplicationStatistics:
    counts: list[tuple[int, int, int]]  # (stage, region, applications)
    turnarounds: list[Turnaround]
    lapsed: list[Alert]
    near_deadline: list[Alert]
    stuck: list[Alert]
    # What the alerted applications are: facility name and region, by application id.
    facilities: dict[str, tuple[str, int]]


@dataclass(frozen=True)
class ApplicationView:
    record: ApplicationRecord
    history: Sequence[StageTransitionRecord]
    # The current version of each document.
    documents: Sequence[DossierEntryRecord]
    # The verified signatures, oldest first (their statements and CMS not loaded).
    signatures: Sequence[SignatureRecord] = ()


@dataclass(frozen=True)
class DossierView:
    read_time: datetime
    current: Sequence[DossierEntryRecord]
    replaced: Sequence[DossierEntryRecord]


def document_message(entry: DossierEntryRecord) -> pb.Document:
    message = pb.Document(
        kind=entry.kind,  # type: ignore[arg-type]
        file_name=entry.file_name,
        sha256=entry.sha256,
        size_bytes=entry.size_bytes,
        media_type=entry.media_type,
        version=entry.version,
    )
    message.add_time.FromDatetime(entry.add_time)
    if entry.replace_time is not None:
        message.replace_time.FromDatetime(entry.replace_time)
    return message


def permit_message(record: PermitRecord) -> pb.Permit:
    return json_format.Parse(record.content, pb.Permit())


@dataclass(frozen=True)
class CertificateSubject:
    """Whom a permit certificate is issued to, by name: the holder and its facility."""

    enterprise_name: str
    enterprise_bin: str
    facility_name: str
    facility_address: str


@dataclass(frozen=True)
class SealedCertificate:
    """A permit's signed certificate, kept in the object store under its SHA-256."""

    sha256: str
    size_bytes: int


# Makes, seals and keeps the certificate of a permit about to be issued.
Certify = Callable[[pb.Permit, CertificateSubject], Awaitable[SealedCertificate]]


def application_id_for(enterprise_bin: str, request_id: str) -> str:
    return str(uuid.uuid5(_APPLICATION_NAMESPACE, f"{enterprise_bin}/{request_id}"))


def _inputs_of(application: pb.Application) -> pb.Application:
    """The fields the applicant supplies and the content column keeps; the documents are kept
    apart, by version, and stage, history and the rest are the system's."""
    return pb.Application(
        enterprise=application.enterprise,
        facility=application.facility,
        sector=application.sector,
        emission_sources=application.emission_sources,
        efficiency_programme=application.efficiency_programme,
        transboundary_impact=application.transboundary_impact,
    )


def _as_json(message: pb.Application | pb.Permit) -> str:
    return json_format.MessageToJson(message, indent=None, preserving_proto_field_name=True)


def _check_unique_sources(sources: Sequence[pb.EmissionSource]) -> None:
    violations = repeated_source_violations([source.source_id for source in sources])
    if violations:
        raise InvalidArgumentError(violations)


class ApplicantStore:
    """The only code that touches the applicants database."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def register_enterprise(
        self, enterprise: pb.Enterprise, principal: Principal
    ) -> EnterpriseRecord:
        if not principal.sees_enterprise(enterprise.bin):
            raise PermissionDeniedError("an applicant registers its own BIN only")
        record = EnterpriseRecord(
            bin=enterprise.bin,
            display_name=enterprise.display_name,
            region=enterprise.region,
            sector=enterprise.sector,
            registered_by=principal.subject,
            create_time=utc_now(),
        )
        try:
            async with self._sessions() as session, session.begin():
                session.add(record)
        except IntegrityError as error:
            if not is_unique_violation(error):
                raise
            raise AlreadyExistsError(f"enterprises/{enterprise.bin} is registered") from error
        return record

    async def get_enterprise(self, enterprise_bin: str, principal: Principal) -> EnterpriseRecord:
        async with self._sessions() as session:
            record = await session.get(EnterpriseRecord, enterprise_bin)
        if record is None or not principal.sees_enterprise(enterprise_bin):
            raise NotFoundError(f"enterprises/{enterprise_bin} not found")
        return record

    async def submit(
        self,
        request_id: str,
        application: pb.Application,
        signed: SignedStatement,
        principal: Principal,
    ) -> ApplicationView:
        """Stores the application and its workflow start in one transaction, once per request_id."""
        enterprise_bin = application.enterprise.removeprefix("enterprises/")
        if not principal.sees_enterprise(enterprise_bin):
            raise PermissionDeniedError("an applicant submits for its own enterprise only")
        _check_unique_sources(application.emission_sources)
        application_id = application_id_for(enterprise_bin, request_id)
        now = utc_now()
        try:
            async with self._sessions() as session, session.begin():
                if await session.get(ApplicationRecord, application_id) is not None:
                    await _refuse_another_body(session, application_id, request_id, signed)
                    return await self._view(session, application_id)
                if await session.get(EnterpriseRecord, enterprise_bin) is None:
                    raise FailedPreconditionError(
                        f"enterprises/{enterprise_bin} is not registered; register it first"
                    )
                session.add(
                    ApplicationRecord(
                        id=application_id,
                        enterprise_bin=enterprise_bin,
                        request_id=request_id,
                        sector=application.sector,
                        region=application.facility.region,
                        stage=pb.STAGE_SUBMITTED,
                        content=_as_json(_inputs_of(application)),
                        submitted_by=principal.subject,
                        create_time=now,
                        update_time=now,
                    )
                )
                await session.flush()
                session.add(_signature_record(application_id, request_id, signed))
                await _add_versions(
                    session,
                    application_id,
                    enterprise_bin,
                    application.documents,
                    "application.documents",
                    now,
                )
                registration = register(now, kazakhstan_calendar())
                registered = (
                    f"submitted; registered on {registration.day.isoformat()} under the rules "
                    f"of procedure {registration.version.version}"
                )
                session.add(_transition(application_id, None, pb.STAGE_SUBMITTED, registered, now))
                start = {
                    "enterprise_bin": enterprise_bin,
                    "workflow": registration.version.workflow,
                    "rules_version": registration.version.version,
                    "registered_on": registration.day.isoformat(),
                    # For the workflow's search attributes (contract.SEARCH_ATTRIBUTES).
                    "region": kz.Region.Name(application.facility.region),
                    "sector": kz.Sector.Name(application.sector),
                }
                session.add(_outbox(application_id, "start", request_id, now, start))
        except IntegrityError as error:
            # A concurrent retry of the same request won the insert: answer with its result.
            if not is_unique_violation(error):
                raise
        async with self._sessions() as session:
            await _refuse_another_body(session, application_id, request_id, signed)
            return await self._view(session, application_id)

    async def get_application(self, application_id: str, principal: Principal) -> ApplicationView:
        async with self._sessions() as session:
            view = await self._view(session, application_id)
        if not principal.sees_enterprise(view.record.enterprise_bin):
            raise _application_not_found(application_id)
        return view

    async def published_application(self, application_id: str) -> ApplicationView:
        """An application as far as the public may know of it: one whose dossier was published
        for a public hearing, or an approved one (the register); any other is not found."""
        async with self._sessions() as session:
            view = await self._view(session, application_id)
            published = await self._published_time(session, application_id)
        if published is None and view.record.stage != pb.STAGE_APPROVED:
            raise _application_not_found(application_id)
        return view

    async def statistics(
        self, stuck_after: timedelta, near: timedelta, region: int = 0
    ) -> ApplicationStatistics:
        """Counts by stage and region, turnaround per stage, and the applications late, nearly
        late or not moving (of one region, if given): a few grouped queries and one pass over
        the histories, whatever the number of applications (the ops dashboard's budget is
        300 ms at 1,000)."""
        now = utc_now()
        in_region = col(ApplicationRecord.region) == region if region else true()
        regional = col(StageTransitionRecord.application_id).in_(
            select(ApplicationRecord.id).where(in_region)
        )
        async with self._sessions() as session:
            counts = (
                await session.exec(
                    select(ApplicationRecord.stage, ApplicationRecord.region, func.count())
                    .where(in_region)
                    .group_by(col(ApplicationRecord.stage), col(ApplicationRecord.region))
                )
            ).all()
            moves = (
                await session.exec(
                    select(
                        StageTransitionRecord.application_id,
                        StageTransitionRecord.stage,
                        StageTransitionRecord.enter_time,
                    )
                    .where(regional if region else true())
                    .order_by(
                        col(StageTransitionRecord.application_id),
                        col(StageTransitionRecord.enter_time),
                        col(StageTransitionRecord.id),
                    )
                )
            ).all()
            running = (
                await session.exec(
                    select(
                        ApplicationRecord.id,
                        ApplicationRecord.stage,
                        ApplicationRecord.region,
                        ApplicationRecord.progress,
                    ).where(col(ApplicationRecord.stage).not_in(DECIDED_STAGES), in_region)
                )
            ).all()
            histories: dict[str, list[tuple[int, datetime]]] = {}
            for application_id, stage, entered in moves:
                histories.setdefault(application_id, []).append((stage, entered))
            lapsed, near_deadline = [], []
            for application_id, stage, region, progress in running:
                due = _current_deadline(progress, stage)
                if due is None:
                    continue
                alert = Alert(application_id, stage, region, due)
                if due < now:
                    lapsed.append(alert)
                elif due < now + near:
                    near_deadline.append(alert)
            stuck = [
                Alert(application_id, histories[application_id][-1][0], 0, since)
                for application_id, since in stuck_since(
                    histories, DECIDED_STAGES, now - stuck_after
                ).items()
            ]
            alerts = [*lapsed, *near_deadline, *stuck]
            names = await _facilities(session, {alert.application_id for alert in alerts})
        return ApplicationStatistics(
            counts=[(stage, region, count) for stage, region, count in counts],
            turnarounds=turnarounds(histories.values()),
            lapsed=sorted(lapsed, key=lambda a: a.time),
            near_deadline=sorted(near_deadline, key=lambda a: a.time),
            stuck=sorted(stuck, key=lambda a: a.time),
            facilities=names,
        )

    async def list_applications(
        self, filters: ApplicationFilters, page_size: int, page_token: str
    ) -> tuple[list[ApplicationView], str]:
        query = select(ApplicationRecord)
        if filters.stage:
            query = query.where(ApplicationRecord.stage == filters.stage)
        if filters.enterprise_bin:
            query = query.where(ApplicationRecord.enterprise_bin == filters.enterprise_bin)
        if filters.sector:
            query = query.where(ApplicationRecord.sector == filters.sector)
        if filters.region:
            query = query.where(ApplicationRecord.region == filters.region)
        async with self._sessions() as session:
            records, token = await pagination.keyset_page(
                session, query, ApplicationRecord, page_size, page_token, filters
            )
            return await _views(session, records), token

    async def amend(
        self,
        application_id: str,
        request_id: str,
        amendment: pb.Application,
        answer: Answer,
        signed: SignedStatement,
        principal: Principal,
    ) -> ApplicationView:
        """Applies the applicant's answer; only while the procedure waits for it."""
        now = utc_now()
        try:
            async with self._sessions() as session, session.begin():
                record = await self._visible(session, application_id, principal)
                already = await session.exec(
                    select(WorkflowOutboxRecord).where(
                        WorkflowOutboxRecord.application_id == application_id,
                        WorkflowOutboxRecord.kind == contract.UPDATE_AMEND,
                        WorkflowOutboxRecord.request_id == request_id,
                    )
                )
                if already.first() is not None:
                    await _refuse_another_body(session, application_id, request_id, signed)
                    return await self._view(session, application_id)
                if record.stage not in AWAITING_APPLICANT_STAGES:
                    raise FailedPreconditionError(
                        f"applications/{application_id} is in {pb.Stage.Name(record.stage)}; "
                        "it can be amended only while the procedure waits for the applicant"
                    )
                if answer.disagrees and record.stage != pb.STAGE_APPLICANT_ANSWER:
                    raise FailedPreconditionError(
                        f"applications/{application_id} has no remarks to disagree with"
                    )
                await self._refuse_a_second_answer(session, application_id)
                content = pb.Application()
                json_format.Parse(record.content, content)
                _apply_amendment(content, amendment)
                record.content = _as_json(content)
                await _add_versions(
                    session,
                    application_id,
                    record.enterprise_bin,
                    amendment.documents,
                    "documents",
                    now,
                )
                record.update_time = now
                session.add(record)
                session.add(_signature_record(application_id, request_id, signed))
                payload = {
                    "request_id": request_id,
                    "response": answer.response,
                    "disagrees": answer.disagrees,
                    "received_time": now.isoformat(),
                }
                session.add(
                    _outbox(application_id, contract.UPDATE_AMEND, request_id, now, payload)
                )
        except IntegrityError as error:
            if not is_unique_violation(error):
                raise
        async with self._sessions() as session:
            await _refuse_another_body(session, application_id, request_id, signed)
            return await self._view(session, application_id)

    async def _refuse_a_second_answer(self, session: AsyncSession, application_id: str) -> None:
        """One answer per wait: the procedure takes it and moves on, and a second one sent in
        that moment would change the application with no one to read it."""
        entered = (
            await session.exec(
                select(func.max(StageTransitionRecord.enter_time)).where(
                    StageTransitionRecord.application_id == application_id
                )
            )
        ).one()
        answered = await session.exec(
            select(WorkflowOutboxRecord.id).where(
                WorkflowOutboxRecord.application_id == application_id,
                WorkflowOutboxRecord.kind == contract.UPDATE_AMEND,
                col(WorkflowOutboxRecord.create_time) >= entered,
            )
        )
        if entered is not None and answered.first() is not None:
            raise FailedPreconditionError(
                f"applications/{application_id} has its answer already; the procedure is "
                "taking it up"
            )

    async def withdraw(
        self, application_id: str, reason: str, principal: Principal
    ) -> ApplicationView:
        now = utc_now()
        async with self._sessions() as session, session.begin():
            record = await self._visible(session, application_id, principal)
            if record.stage == pb.STAGE_WITHDRAWN:
                return await self._view(session, application_id)
            if record.stage in DECIDED_STAGES:
                raise FailedPreconditionError(
                    f"applications/{application_id} is decided ({pb.Stage.Name(record.stage)})"
                )
            record.stage = pb.STAGE_WITHDRAWN
            record.update_time = now
            record.progress = "{}"
            session.add(record)
            session.add(_transition(application_id, None, pb.STAGE_WITHDRAWN, reason, now))
            payload = {"reason": reason}
            session.add(_outbox(application_id, contract.UPDATE_WITHDRAW, "", now, payload))
        async with self._sessions() as session:
            return await self._view(session, application_id)

    async def record_stage_transition(
        self,
        application_id: str,
        sequence: int,
        stage: int,
        reason: str,
        progress: pb.Application,
        rules_version: str,
        reason_key: str = "",
        reason_values: Mapping[str, str] | None = None,
    ) -> ApplicationView:
        """The workflow's transition; one already recorded (by sequence) is acknowledged."""
        now = utc_now()
        async with self._sessions() as session, session.begin():
            record = await session.get(ApplicationRecord, application_id)
            if record is None:
                raise _application_not_found(application_id)
            if sequence > record.last_sequence:
                if record.stage == pb.STAGE_WITHDRAWN and stage != pb.STAGE_WITHDRAWN:
                    raise FailedPreconditionError(
                        f"applications/{application_id} is withdrawn",
                        reason=REASON_APPLICATION_WITHDRAWN,
                    )
                entered = stage != record.stage
                if entered:
                    await self._measure_stage_left(session, application_id, record.stage, now)
                record.stage = stage
                record.last_sequence = sequence
                record.progress = _as_json(progress)
                record.rules_version = record.rules_version or rules_version
                record.update_time = now
                session.add(record)
                # Within a stage the workflow only updates progress (open tasks, deadlines);
                # the history records entries into stages.
                if entered:
                    entry = _transition(application_id, sequence, stage, reason, now)
                    entry.reason_key = reason_key
                    entry.reason_values = json.dumps(dict(reason_values or {}), sort_keys=True)
                    session.add(entry)
        async with self._sessions() as session:
            return await self._view(session, application_id)

    async def issue_permit(
        self, permit: pb.Permit, application_id: str, certify: Certify
    ) -> PermitRecord:
        """Issues the application's permit once, with its certificate; a repeated call returns
        the same permit."""
        for _ in range(_SERIAL_RETRIES):
            try:
                return await self._issue_permit_once(permit, application_id, certify)
            except IntegrityError as error:
                # Another permit took the serial, or this one was issued concurrently.
                if not is_unique_violation(error):
                    raise
        raise FailedPreconditionError(
            "could not allocate a permit number; retry", reason=REASON_PERMIT_NUMBER_CONTENDED
        )

    async def _issue_permit_once(
        self, permit: pb.Permit, application_id: str, certify: Certify
    ) -> PermitRecord:
        now = utc_now()
        async with self._sessions() as session, session.begin():
            record = await session.get(ApplicationRecord, application_id)
            if record is None:
                raise _application_not_found(application_id)
            issued = await session.exec(
                select(PermitRecord).where(PermitRecord.application_id == application_id)
            )
            existing = issued.first()
            if existing is not None:
                return existing
            if record.stage == pb.STAGE_WITHDRAWN:
                raise FailedPreconditionError(
                    f"applications/{application_id} is withdrawn",
                    reason=REASON_APPLICATION_WITHDRAWN,
                )
            if record.stage not in _PERMIT_STAGES:
                raise FailedPreconditionError(
                    f"applications/{application_id} is in {pb.Stage.Name(record.stage)}; "
                    "a permit is issued at decision"
                )
            serial = (
                await session.exec(
                    select(func.coalesce(func.max(PermitRecord.serial), 0)).where(
                        PermitRecord.year == now.year
                    )
                )
            ).one() + 1
            permit_id = f"KZ-KEP-{now.year}-{serial:06d}"
            permit.name = f"permits/{permit_id}"
            permit.permit_number = permit_id
            permit.application = f"applications/{application_id}"
            permit.enterprise = f"enterprises/{record.enterprise_bin}"
            permit.issue_time.FromDatetime(now)
            content = pb.Application()
            json_format.Parse(record.content, content)
            permit.efficiency_programme.extend(content.efficiency_programme)
            dossier = await _dossier_at(session, application_id, now)
            permit.dossier.extend(document_message(e) for e in dossier.current)
            enterprise = await session.get(EnterpriseRecord, record.enterprise_bin)
            subject = CertificateSubject(
                enterprise.display_name if enterprise is not None else record.enterprise_bin,
                record.enterprise_bin,
                content.facility.display_name,
                content.facility.address,
            )
            # Made inside the transaction that issues the permit, so that nobody ever reads an
            # issued permit without its certificate. SQLite's write lock is held meanwhile: a
            # fraction of a second of rendering and signing, once per permit.
            sealed = await certify(permit, subject)
            certificate = DossierEntryRecord(
                application_id=application_id,
                kind=pb.DOCUMENT_KIND_PERMIT_CERTIFICATE,
                file_name=f"{permit_id}.pdf",
                version=1,
                sha256=sealed.sha256,
                size_bytes=sealed.size_bytes,
                media_type="application/pdf",
                add_time=now,
            )
            session.add(certificate)
            await session.flush()
            permit.certificate.CopyFrom(document_message(certificate))
            issued_record = PermitRecord(
                id=permit_id,
                application_id=application_id,
                enterprise_bin=record.enterprise_bin,
                year=now.year,
                serial=serial,
                content=_as_json(permit),
                issue_time=now,
            )
            session.add(issued_record)
            # Approved in the same transaction: a withdrawal is refused from now on, and one
            # that came first has already made this call fail.
            record.permit_id = permit_id
            record.stage = pb.STAGE_APPROVED
            record.progress = "{}"
            record.update_time = now
            session.add(record)
            reason = f"permit {permit_id} issued"
            session.add(_transition(application_id, None, pb.STAGE_APPROVED, reason, now))
        return issued_record

    async def permit_with_certificate(self, sha256: str) -> PermitRecord | None:
        """The permit whose certificate has exactly these bytes, if the register holds one."""
        async with self._sessions() as session:
            found = await session.exec(
                select(PermitRecord)
                .join(
                    DossierEntryRecord,
                    col(DossierEntryRecord.application_id) == col(PermitRecord.application_id),
                )
                .where(
                    DossierEntryRecord.kind == pb.DOCUMENT_KIND_PERMIT_CERTIFICATE,
                    DossierEntryRecord.sha256 == sha256,
                )
            )
            return found.first()

    async def get_permit(self, permit_id: str, principal: Principal) -> PermitRecord:
        async with self._sessions() as session:
            record = await session.get(PermitRecord, permit_id)
        if record is None or not principal.sees_enterprise(record.enterprise_bin):
            raise NotFoundError(f"permits/{permit_id} not found")
        return record

    async def check_uploader(self, enterprise_bin: str, principal: Principal) -> None:
        """Refuses an upload for another enterprise, or an unregistered one, before a byte of
        it is read."""
        if not principal.sees_enterprise(enterprise_bin):
            raise PermissionDeniedError("an applicant uploads for its own enterprise only")
        async with self._sessions() as session:
            if await session.get(EnterpriseRecord, enterprise_bin) is None:
                raise FailedPreconditionError(
                    f"enterprises/{enterprise_bin} is not registered; register it first"
                )

    async def record_upload(
        self, enterprise_bin: str, file_name: str, received: ReceivedFile, principal: Principal
    ) -> StoredDocumentRecord:
        """Records that the enterprise uploaded these bytes, already in the object store
        (check_uploader has admitted the caller); the same bytes again return the first
        record."""
        key = (enterprise_bin, received.sha256)
        try:
            async with self._sessions() as session, session.begin():
                existing = await session.get(StoredDocumentRecord, key)
                if existing is not None:
                    return existing
                record = StoredDocumentRecord(
                    enterprise_bin=enterprise_bin,
                    sha256=received.sha256,
                    size_bytes=received.size_bytes,
                    media_type=received.media_type,
                    file_name=file_name,
                    uploaded_by=principal.subject,
                    create_time=utc_now(),
                )
                session.add(record)
        except IntegrityError as error:
            if not is_unique_violation(error):
                raise
            # A concurrent upload of the same bytes won the insert: answer with its record.
            async with self._sessions() as session:
                won = await session.get(StoredDocumentRecord, key)
            assert won is not None
            return won
        return record

    async def dossier(
        self, application_id: str, read_time: datetime | None, principal: Principal
    ) -> DossierView:
        """The dossier as it stood at read_time (now when None). The public sees the dossier
        published for the public hearing, as it stood then, and nothing before it is
        published."""
        async with self._sessions() as session:
            record = await self._visible(session, application_id, principal)
            moment = read_time or utc_now()
            if principal.role is Role.PUBLIC:
                published = await self._published_time(session, record.id)
                if published is None:
                    raise NotFoundError(
                        f"applications/{application_id} has no documents published for a "
                        "public hearing"
                    )
                moment = published
            return await _dossier_at(session, application_id, moment)

    async def document_to_read(
        self, application_id: str, sha256: str, principal: Principal
    ) -> DossierEntryRecord:
        """The dossier entry with these bytes that the caller may read: any version for the
        applicant and staff, one in the published dossier or a permit's certificate for the
        public."""
        async with self._sessions() as session:
            await self._visible(session, application_id, principal)
            query = (
                select(DossierEntryRecord)
                .where(
                    DossierEntryRecord.application_id == application_id,
                    DossierEntryRecord.sha256 == sha256,
                )
                .order_by(col(DossierEntryRecord.id).desc())
            )
            if principal.role is Role.PUBLIC:
                published = await self._published_time(session, application_id)
                visible = (
                    set()
                    if published is None
                    else {
                        e.id
                        for e in (await _dossier_at(session, application_id, published)).current
                    }
                )
                # A permit's certificate is the public register's own document.
                query = query.where(
                    col(DossierEntryRecord.id).in_(visible)
                    | (DossierEntryRecord.kind == pb.DOCUMENT_KIND_PERMIT_CERTIFICATE)
                )
            entry = (await session.exec(query)).first()
        if entry is None:
            raise NotFoundError(f"applications/{application_id}/documents/{sha256} not found")
        return entry

    async def _published_time(self, session: AsyncSession, application_id: str) -> datetime | None:
        """When the application's documents were posted for its public hearing, if they were."""
        published: datetime | None = (
            await session.exec(
                select(func.min(StageTransitionRecord.enter_time)).where(
                    StageTransitionRecord.application_id == application_id,
                    col(StageTransitionRecord.stage).in_(HEARING_STAGES),
                )
            )
        ).one()
        return published

    async def applications_by_stage(self) -> dict[str, int]:
        """How many applications are in each stage, by stage name."""
        async with self._sessions() as session:
            rows = await session.exec(
                select(ApplicationRecord.stage, func.count()).group_by(col(ApplicationRecord.stage))
            )
            return {stage_name(stage): count for stage, count in rows.all()}

    async def pending_deliveries(self, limit: int) -> list[Delivery]:
        """Messages for the permit workflows not yet delivered, in the order they were written."""
        # By row number: two rows of one transaction share a create_time.
        records = await outbox.undelivered(
            self._sessions, WorkflowOutboxRecord, col(WorkflowOutboxRecord.id), limit
        )
        return [
            Delivery(str(r.id), r.application_id, r.kind, json.loads(r.payload)) for r in records
        ]

    async def mark_delivered(self, key: str) -> None:
        await outbox.mark_delivered(self._sessions, WorkflowOutboxRecord, int(key))

    async def _measure_stage_left(
        self, session: AsyncSession, application_id: str, stage: int, now: datetime
    ) -> None:
        last = await session.exec(
            select(StageTransitionRecord.enter_time)
            .where(StageTransitionRecord.application_id == application_id)
            .order_by(col(StageTransitionRecord.enter_time).desc())
            .limit(1)
        )
        entered = last.first()
        if entered is not None:
            seconds = (now - entered).total_seconds()
            _stage_durations.record(seconds, {tracing.STAGE: stage_name(stage)})

    async def _visible(
        self, session: AsyncSession, application_id: str, principal: Principal
    ) -> ApplicationRecord:
        record = await session.get(ApplicationRecord, application_id)
        if record is None or not principal.sees_enterprise(record.enterprise_bin):
            raise _application_not_found(application_id)
        return record

    async def _view(self, session: AsyncSession, application_id: str) -> ApplicationView:
        record = await session.get(ApplicationRecord, application_id)
        if record is None:
            raise _application_not_found(application_id)
        (view,) = await _views(session, [record])
        return view


async def _views(
    session: AsyncSession, records: Sequence[ApplicationRecord]
) -> list[ApplicationView]:
    """The applications with their stage histories and current documents: one query for
    each, whatever the number of applications (a page of ListApplications)."""
    ids = [r.id for r in records]
    histories = await rows_by_owner(
        session,
        select(StageTransitionRecord)
        .where(col(StageTransitionRecord.application_id).in_(ids))
        .order_by(col(StageTransitionRecord.enter_time), col(StageTransitionRecord.id)),
        "application_id",
        ids,
    )
    documents: dict[str, list[DossierEntryRecord]] = {i: [] for i in ids}
    for entry in await _current_entries(session, ids):
        documents[entry.application_id].append(entry)
    signatures = await rows_by_owner(
        session,
        select(SignatureRecord)
        .options(defer(SignatureRecord.statement), defer(SignatureRecord.cms))  # type: ignore[arg-type]
        .where(col(SignatureRecord.application_id).in_(ids))
        .order_by(col(SignatureRecord.id)),
        "application_id",
        ids,
    )
    return [ApplicationView(r, histories[r.id], documents[r.id], signatures[r.id]) for r in records]


def _signature_record(
    application_id: str, request_id: str, signed: SignedStatement
) -> SignatureRecord:
    return SignatureRecord(
        application_id=application_id, request_id=request_id, **evidence_of(signed)
    )


async def _refuse_another_body(
    session: AsyncSession, application_id: str, request_id: str, signed: SignedStatement
) -> None:
    """A request_id seen before answers with what it did, but only for the same request
    (AIP-155): the signed statement is the request without its signature, so another body
    under the same request_id is told so rather than silently given the first one's result."""
    earlier = (
        await session.exec(
            select(SignatureRecord.statement_sha256).where(
                SignatureRecord.application_id == application_id,
                SignatureRecord.purpose == signed.purpose.value,
                SignatureRecord.request_id == request_id,
            )
        )
    ).first()
    if earlier is not None and earlier != signed.verified.statement_sha256:
        raise request_id_reused(request_id, signed.purpose.name.lower())


async def _current_entries(
    session: AsyncSession, application_ids: Sequence[str]
) -> Sequence[DossierEntryRecord]:
    """The current version of every document of these applications, in the order added."""
    entries = await session.exec(
        select(DossierEntryRecord)
        .where(
            col(DossierEntryRecord.application_id).in_(application_ids),
            col(DossierEntryRecord.replace_time).is_(None),
        )
        .order_by(col(DossierEntryRecord.id))
    )
    return entries.all()


async def _dossier_at(session: AsyncSession, application_id: str, moment: datetime) -> DossierView:
    entries = await session.exec(
        select(DossierEntryRecord)
        .where(
            DossierEntryRecord.application_id == application_id,
            col(DossierEntryRecord.add_time) <= moment,
        )
        .order_by(col(DossierEntryRecord.id))
    )
    current, replaced = [], []
    for entry in entries.all():
        if entry.replace_time is not None and entry.replace_time <= moment:
            replaced.append(entry)
        else:
            current.append(entry)
    return DossierView(moment, current, replaced)


def _application_not_found(application_id: str) -> NotFoundError:
    # The same answer whether it does not exist or belongs to another enterprise.
    return NotFoundError(f"applications/{application_id} not found")


def _transition(
    application_id: str, sequence: int | None, stage: int, reason: str, now: datetime
) -> StageTransitionRecord:
    return StageTransitionRecord(
        application_id=application_id,
        sequence=sequence,
        stage=stage,
        reason=reason,
        enter_time=now,
    )


def _outbox(
    application_id: str,
    kind: str,
    request_id: str,
    now: datetime,
    payload: Mapping[str, object] | None = None,
) -> WorkflowOutboxRecord:
    # The request's trace context travels with the message, so the workflow's spans continue
    # the trace of the request that caused them.
    traced = {**(payload or {}), tracing.TRACE_KEY: tracing.current_carrier()}
    return WorkflowOutboxRecord(
        application_id=application_id,
        kind=kind,
        request_id=request_id,
        payload=json.dumps(traced),
        create_time=now,
    )


def _apply_amendment(content: pb.Application, amendment: pb.Application) -> None:
    if amendment.emission_sources:
        _check_unique_sources(amendment.emission_sources)
        del content.emission_sources[:]
        content.emission_sources.extend(amendment.emission_sources)
    if amendment.efficiency_programme:
        del content.efficiency_programme[:]
        content.efficiency_programme.extend(amendment.efficiency_programme)


async def _add_versions(
    session: AsyncSession,
    application_id: str,
    enterprise_bin: str,
    documents: Sequence[pb.Document],
    field: str,
    now: datetime,
) -> None:
    """Adds each document to the dossier: version 1 of a new kind and file name, the next
    version of one already there (which is replaced from now), nothing for the same bytes
    again. Each must cite an upload of the enterprise's own, by hash and size."""
    cited = {d.sha256 for d in documents}
    uploads = {
        u.sha256: u
        for u in (
            await session.exec(
                select(StoredDocumentRecord).where(
                    StoredDocumentRecord.enterprise_bin == enterprise_bin,
                    col(StoredDocumentRecord.sha256).in_(cited),
                )
            )
        ).all()
    }
    violations = []
    for index, document in enumerate(documents):
        upload = uploads.get(document.sha256)
        if upload is None:
            violations.append(
                FieldViolation(
                    f"{field}[{index}].sha256",
                    f"no document with this SHA-256 was uploaded for enterprises/"
                    f"{enterprise_bin}; upload it first (UploadDocument)",
                    "document.uploaded",
                )
            )
        elif upload.size_bytes != document.size_bytes:
            violations.append(
                FieldViolation(
                    f"{field}[{index}].size_bytes",
                    f"the upload with this SHA-256 has {upload.size_bytes} bytes",
                    "document.size_mismatch",
                )
            )
    if violations:
        raise InvalidArgumentError(violations)
    current = {(e.kind, e.file_name): e for e in await _current_entries(session, [application_id])}
    for document in documents:
        earlier = current.get((document.kind, document.file_name))
        if earlier is not None and earlier.sha256 == document.sha256:
            continue
        if earlier is not None:
            earlier.replace_time = now
            session.add(earlier)
        upload = uploads[document.sha256]
        entry = DossierEntryRecord(
            application_id=application_id,
            kind=document.kind,
            file_name=document.file_name,
            version=earlier.version + 1 if earlier is not None else 1,
            sha256=document.sha256,
            size_bytes=upload.size_bytes,
            media_type=upload.media_type,
            add_time=now,
        )
        current[(document.kind, document.file_name)] = entry
        session.add(entry)


def _current_deadline(progress: str, stage: int) -> datetime | None:
    """The running deadline of the stage an application is in, from its progress JSON (the
    workflow's view); None when it has none or the clock is stopped."""
    stage_name_ = pb.Stage.Name(stage)
    for deadline in json.loads(progress or "{}").get("deadlines", []):
        if deadline.get("stage") == stage_name_ and not deadline.get("paused"):
            return datetime.fromisoformat(deadline["due_time"].replace("Z", "+00:00"))
    return None


async def _facilities(
    session: AsyncSession, application_ids: set[str]
) -> dict[str, tuple[str, int]]:
    """The facility name and region of these applications, read from their content."""
    if not application_ids:
        return {}
    rows = (
        await session.exec(
            select(ApplicationRecord.id, ApplicationRecord.region, ApplicationRecord.content).where(
                col(ApplicationRecord.id).in_(application_ids)
            )
        )
    ).all()
    return {
        application_id: (json.loads(content).get("facility", {}).get("display_name", ""), region)
        for application_id, region, content in rows
    }
