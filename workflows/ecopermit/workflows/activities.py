"""The permit workflow's activities: thin calls to the services over gRPC, as the worker identity.

Each activity is idempotent, because Temporal may run it more than once: tasks, inspections and
permits carry ids derived from the application, and stage transitions carry a sequence number.
A service's final answer (bad input, not found, wrong stage) becomes a non-retryable
ApplicationError whose type is the gRPC status name; anything else is retried.
"""

from __future__ import annotations

import contextlib
import logging
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import grpc
from google.type import date_pb2
from opentelemetry import metrics, trace
from temporalio import activity
from temporalio.exceptions import ApplicationError

from ecopermit.applicants.v1 import applicant_service_pb2 as applicants_api
from ecopermit.applicants.v1 import applicant_service_pb2_grpc, applicant_workflow_service_pb2_grpc
from ecopermit.applicants.v1 import applicant_workflow_service_pb2 as applicants_workflow_api
from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.domain import errors
from ecopermit.domain.bat_assessment import (
    EU_BENCHMARK,
    KZ_BAT_CONCLUSION,
    DeclaredValue,
    assess,
)
from ecopermit.domain.business_calendar import BusinessCalendar
from ecopermit.domain.emission_limits import emission_limits
from ecopermit.domain.stages import stage_name
from ecopermit.inspections.v1 import inspection_service_pb2 as inspections_api
from ecopermit.inspections.v1 import inspection_service_pb2_grpc
from ecopermit.inspections.v1 import resources_pb2 as inspections_pb
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.reviews.v1 import review_service_pb2 as reviews_api
from ecopermit.reviews.v1 import review_service_pb2_grpc, review_workflow_service_pb2_grpc
from ecopermit.reviews.v1 import review_workflow_service_pb2 as reviews_workflow_api
from ecopermit.runtime import tracing
from ecopermit.runtime.grpc.status import reason_of
from ecopermit.runtime.identity import Principal, Role
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.type.v1 import kazakhstan_pb2
from ecopermit.workflows.activity_messages import (
    ApplicationSnapshot,
    BatFindings,
    CommentLine,
    ConsultationOrder,
    DeadlinePlan,
    DecisionForecast,
    InspectionOrder,
    Milestone,
    PermitOrder,
    PlannedDeadline,
    PriorViolations,
    Procedure,
    Reminder,
    SourcePollutant,
    StageRecord,
    StatutoryProcedure,
    Submission,
    TaskCancellation,
    TaskOrder,
    WorkingDaysSpan,
)
from ecopermit.workflows.procedure_forecast import forecast_day
from ecopermit.workflows.rules_of_procedure import RulesError, register, rules_in_force
from ecopermit.workflows.statutory_rules import statutory_rules

logger = logging.getLogger(__name__)
_tracer = trace.get_tracer(__name__)


class _Instruments:
    """The worker's metrics: how the statutory clocks fare."""

    def __init__(self) -> None:
        meter = metrics.get_meter(__name__)
        self.deadline_warnings = meter.create_counter(
            "ecopermit.deadline.warnings", description="Reminders sent before a deadline"
        )
        self.deadline_breaches = meter.create_counter(
            "ecopermit.deadline.breaches", description="Deadlines that lapsed and were escalated"
        )
        self.stage_entries = meter.create_counter(
            "ecopermit.stage.entries", description="Applications entering a stage"
        )


_instruments = _Instruments()

WORKER_SUBJECT = "permit-workflow"
# Inspection request ids derive from the application, so a retried activity schedules once.
_INSPECTION_REQUEST_NAMESPACE = uuid.UUID("9a4f3c1e-7d2b-4e8a-b6f0-3c5d1e2a4b7f")
# Services answer these only when retrying cannot help. In a fixed order: the workflows' retry
# policy lists their names (activity_calls.py).
FINAL_CODES = (
    grpc.StatusCode.INVALID_ARGUMENT,
    grpc.StatusCode.NOT_FOUND,
    grpc.StatusCode.ALREADY_EXISTS,
    grpc.StatusCode.PERMISSION_DENIED,
    grpc.StatusCode.FAILED_PRECONDITION,
    grpc.StatusCode.UNAUTHENTICATED,
)
# Refusals that another attempt can overcome, though their status says otherwise.
_RETRIED_REASONS = frozenset({errors.REASON_PERMIT_NUMBER_CONTENDED})
_PAGE = 200
_BASES = {
    KZ_BAT_CONCLUSION: kazakhstan_pb2.BAT_BASIS_KZ_BAT_CONCLUSION,
    EU_BENCHMARK: kazakhstan_pb2.BAT_BASIS_EU_BENCHMARK,
}


class WorkerCredentials:
    """The worker's bearer token, minted again once half its lifetime has passed."""

    def __init__(self, issuer: TokenIssuer) -> None:
        self._issuer = issuer
        self._token = ""
        self._renew_at = 0.0

    def metadata(self) -> tuple[tuple[str, str], ...]:
        if time.monotonic() >= self._renew_at:
            principal = Principal(subject=WORKER_SUBJECT, role=Role.WORKER)
            self._token = self._issuer.mint(principal)
            self._renew_at = time.monotonic() + self._issuer.ttl_seconds / 2
        return (("authorization", f"Bearer {self._token}"),)


@dataclass(frozen=True)
class ServiceChannels:
    applicants: grpc.aio.Channel
    reviews: grpc.aio.Channel
    inspections: grpc.aio.Channel


@contextlib.contextmanager
def _final_errors_are_not_retried() -> Iterator[None]:
    """A final refusal becomes a non-retryable ApplicationError typed by its status code, with
    the service's ErrorInfo reason (if any) as its one detail, for the workflow to act on."""
    try:
        yield
    except grpc.aio.AioRpcError as error:
        reason = reason_of(error)
        if reason in _RETRIED_REASONS or error.code() not in FINAL_CODES:
            raise
        raise ApplicationError(
            error.details() or error.code().name,
            reason,
            type=error.code().name,
            non_retryable=True,
        ) from None


def _iso_day(value: date_pb2.Date) -> str:
    return date(value.year, value.month, value.day).isoformat()


class PermitActivities:
    def __init__(
        self,
        channels: ServiceChannels,
        credentials: WorkerCredentials,
        calendar: BusinessCalendar,
        day_seconds: float,
    ) -> None:
        self._applicants = applicant_service_pb2_grpc.ApplicantServiceStub(channels.applicants)
        self._stages = applicant_workflow_service_pb2_grpc.ApplicantWorkflowServiceStub(
            channels.applicants
        )
        self._reviews = review_service_pb2_grpc.ReviewServiceStub(channels.reviews)
        self._tasks = review_workflow_service_pb2_grpc.ReviewWorkflowServiceStub(channels.reviews)
        self._inspections = inspection_service_pb2_grpc.InspectionServiceStub(channels.inspections)
        self._credentials = credentials
        self._calendar = calendar
        self._day_seconds = day_seconds

    def all(self) -> list[Callable[..., Any]]:
        return [
            self.begin_procedure,
            self.begin_statutory_procedure,
            self.registration_day,
            self.load_application,
            self.plan_deadline,
            self.count_working_days,
            self.forecast_decision,
            self.unresolved_grave_violations,
            self.public_comments,
            self.record_stage,
            self.create_task,
            self.cancel_task,
            self.assess_bat,
            self.reviewed_bat,
            self.prior_violations,
            self.schedule_inspection,
            self.open_consultation,
            self.issue_permit,
            self.send_reminder,
        ]

    # Procedure and calendar

    @activity.defn(name="begin_procedure")
    async def begin_procedure(self, submission: Submission) -> Procedure:
        """The rules in force on the day of submission and the calendar's speed: the
        application keeps both, whenever this activity happens to run."""
        try:
            rules = rules_in_force(date.fromisoformat(submission.submitted_day))
        except RulesError as error:
            # A deployment without rules for that day: retrying cannot help; ops must see it.
            raise ApplicationError(str(error), type="RULES", non_retryable=True) from error
        return Procedure(rules=rules, day_seconds=self._day_seconds)

    @activity.defn(name="plan_deadline")
    async def plan_deadline(self, plan: DeadlinePlan) -> PlannedDeadline:
        start = date.fromisoformat(plan.start_day)
        due = self._calendar.add_working_days(start, plan.business_days)
        remind = self._calendar.add_working_days(
            start, max(plan.business_days - plan.reminder_before, 0)
        )
        return PlannedDeadline(due.isoformat(), remind.isoformat())

    @activity.defn(name="count_working_days")
    async def count_working_days(self, span: WorkingDaysSpan) -> int:
        return self._calendar.working_days_between(
            date.fromisoformat(span.start_day), date.fromisoformat(span.end_day)
        )

    @activity.defn(name="forecast_decision")
    async def forecast_decision(self, forecast: DecisionForecast) -> str:
        """The day the decision falls due if every remaining stage takes its full term."""
        return forecast_day(forecast, self._calendar).isoformat()

    @activity.defn(name="begin_statutory_procedure")
    async def begin_statutory_procedure(self, rules_version: str) -> StatutoryProcedure:
        """The rules the application was registered under and the calendar's speed: the
        application keeps both, whenever this activity happens to run."""
        try:
            rules = statutory_rules(rules_version)
        except RulesError as error:
            # A deployment without the rules it registered under: ops must see it.
            raise ApplicationError(str(error), type="RULES", non_retryable=True) from error
        return StatutoryProcedure(rules=rules, day_seconds=self._day_seconds)

    @activity.defn(name="registration_day")
    async def registration_day(self, arrived: datetime) -> str:
        """The day a resubmission arriving at that statutory instant is registered on."""
        return register(arrived, self._calendar).day.isoformat()

    # Applications

    async def _application(self, application_id: str) -> applicants_pb.Application:
        request = applicants_api.GetApplicationRequest(name=f"applications/{application_id}")
        with _final_errors_are_not_retried():
            response = await self._applicants.GetApplication(
                request, metadata=self._credentials.metadata()
            )
        application: applicants_pb.Application = response.application
        return application

    @activity.defn(name="load_application")
    async def load_application(self, application_id: str) -> ApplicationSnapshot:
        application = await self._application(application_id)
        return ApplicationSnapshot(
            application_id=application_id,
            enterprise_bin=application.enterprise.removeprefix("enterprises/"),
            region=application.facility.region,
            sector=application.sector,
            document_kinds=sorted({d.kind for d in application.documents}),
            programme=[
                Milestone(m.source_id, m.pollutant, _iso_day(m.due_date))
                for m in application.efficiency_programme
            ],
            transboundary=application.transboundary_impact,
        )

    @activity.defn(name="record_stage")
    async def record_stage(self, record: StageRecord) -> None:
        request = applicants_workflow_api.RecordStageTransitionRequest(
            name=f"applications/{record.application_id}",
            sequence=record.sequence,
            stage=record.stage,  # type: ignore[arg-type]
            reason=record.reason,
            rules_version=record.rules_version,
            reason_key=record.reason_key,
            reason_values=record.reason_values,
        )
        for task in record.open_tasks:
            request.open_tasks.add(
                task=f"tasks/{task.task_id}",
                kind=reviews_pb.TaskKind.Name(task.kind),
                due_time=task.due_time,
            )
        if record.predicted_decision_time is not None:
            request.predicted_decision_time.FromDatetime(record.predicted_decision_time)
        for deadline in record.deadlines:
            request.deadlines.add(
                stage=deadline.stage,
                due_time=deadline.due_time,
                business_days=deadline.business_days,
                paused=deadline.paused,
            )
        if not record.entered:
            await self._record_transition(request)
            return
        # The stage as ops see it, the moment it is entered: the workflow's own spans say
        # little, and a months-long workflow must not hide its stages until it ends.
        stage = stage_name(record.stage)
        with _tracer.start_as_current_span(f"stage {stage}") as span:
            span.set_attribute(tracing.STAGE, stage)
            await self._record_transition(request)
        _instruments.stage_entries.add(1, {tracing.STAGE: stage})

    async def _record_transition(
        self, request: applicants_workflow_api.RecordStageTransitionRequest
    ) -> None:
        with _final_errors_are_not_retried():
            await self._stages.RecordStageTransition(request, metadata=self._credentials.metadata())

    @activity.defn(name="issue_permit")
    async def issue_permit(self, order: PermitOrder) -> str:
        """Issues the permit once (the service returns the same permit on a retry)."""
        application = await self._application(order.application_id)
        assessment = await self._assessment(order.application_id)
        request = applicants_workflow_api.IssuePermitRequest(
            application=f"applications/{order.application_id}",
            conditions=order.conditions,
            emission_limits=emission_limits(application, assessment),
            signed_by=order.signed_by,
        )
        if order.decision_task_id:
            with _final_errors_are_not_retried():
                decision = await self._reviews.GetTask(
                    reviews_api.GetTaskRequest(name=f"tasks/{order.decision_task_id}"),
                    metadata=self._credentials.metadata(),
                )
            if decision.task.HasField("signature"):
                request.decision_signature.CopyFrom(decision.task.signature)
        with _final_errors_are_not_retried():
            response = await self._stages.IssuePermit(
                request, metadata=self._credentials.metadata()
            )
        permit_name: str = response.permit.name
        return permit_name

    # Tasks

    @activity.defn(name="create_task")
    async def create_task(self, order: TaskOrder) -> None:
        request = reviews_workflow_api.CreateTaskRequest(
            task_id=order.task_id,
            application=f"applications/{order.application_id}",
            kind=order.kind,  # type: ignore[arg-type]
            instructions=order.instructions[:8000],
            due_time=order.due_time,
            allowed_outcomes=order.allowed_outcomes,  # type: ignore[arg-type]
            subject=await self._task_subject(order.application_id, order.stage),
        )
        with _final_errors_are_not_retried():
            await self._tasks.CreateTask(request, metadata=self._credentials.metadata())
        if order.kind == reviews_pb.TASK_KIND_ESCALATION:
            _instruments.deadline_breaches.add(1)

    async def _task_subject(self, application_id: str, stage: int) -> reviews_pb.TaskSubject:
        """What a task is about, read here rather than carried in the workflow's history: the
        names are the enterprise's own words (kept out of Temporal payloads) and the
        activity's input stays what running workflows already send."""
        application = await self._application(application_id)
        with _final_errors_are_not_retried():
            enterprise = await self._applicants.GetEnterprise(
                applicants_api.GetEnterpriseRequest(name=application.enterprise),
                metadata=self._credentials.metadata(),
            )
        return reviews_pb.TaskSubject(
            enterprise=application.enterprise,
            enterprise_display_name=enterprise.enterprise.display_name,
            facility_display_name=application.facility.display_name,
            region=application.facility.region,
            sector=application.sector,
            application_stage=stage or application.stage,  # type: ignore[arg-type]
        )

    @activity.defn(name="cancel_task")
    async def cancel_task(self, cancellation: TaskCancellation) -> None:
        request = reviews_workflow_api.CancelTaskRequest(
            name=f"tasks/{cancellation.task_id}", reason=cancellation.reason[:2000]
        )
        try:
            with _final_errors_are_not_retried():
                await self._tasks.CancelTask(request, metadata=self._credentials.metadata())
        except ApplicationError as error:
            # Completed meanwhile, or never created: nothing is left to cancel.
            if error.type not in ("FAILED_PRECONDITION", "NOT_FOUND"):
                raise

    @activity.defn(name="send_reminder")
    async def send_reminder(self, reminder: Reminder) -> None:
        _instruments.deadline_warnings.add(1, {tracing.STAGE: reminder.kind})
        # Ids and dates only: no personal data or document contents in logs.
        logger.warning(
            "deadline reminder: application %s, %s (%s) due %s",
            reminder.application_id,
            reminder.subject,
            reminder.kind,
            reminder.due_time.isoformat(),
        )

    # BAT assessment

    async def _assessment(self, application_id: str) -> reviews_pb.BatAssessment:
        request = reviews_api.GetBatAssessmentRequest(
            name=f"applications/{application_id}/batAssessment"
        )
        with _final_errors_are_not_retried():
            response = await self._reviews.GetBatAssessment(
                request, metadata=self._credentials.metadata()
            )
        assessment: reviews_pb.BatAssessment = response.bat_assessment
        return assessment

    @activity.defn(name="assess_bat")
    async def assess_bat(self, application_id: str) -> BatFindings:
        """Compares every declared value with its BAT-AEL and stores the assessment."""
        application = await self._application(application_id)
        declared = [
            DeclaredValue(
                source_id=source.source_id,
                source_type=source.source_type,
                pollutant=emission.pollutant,
                concentration_mg_nm3=emission.concentration_mg_nm3,
                oxygen_percent=emission.oxygen_percent,
            )
            for source in application.emission_sources
            for emission in source.emissions
        ]
        result = assess(application.sector, application.facility.rated_thermal_input_mw, declared)
        assessment = reviews_pb.BatAssessment(
            name=f"applications/{application_id}/batAssessment",
            application=f"applications/{application_id}",
            enterprise=application.enterprise,
            catalogue_version=result.catalogue_version,
            programme_required=result.programme_required,
        )
        for row in result.rows:
            ael = row.bat_ael
            assessment.rows.add(
                source_id=row.declared.source_id,
                source_type=row.declared.source_type,
                pollutant=row.declared.pollutant,
                declared_mg_nm3=row.declared.concentration_mg_nm3,
                declared_oxygen_percent=row.declared.oxygen_percent,
                normalised_mg_nm3=row.normalised,
                reference_oxygen_percent=(
                    ael.reference_oxygen_percent
                    if ael is not None and ael.reference_oxygen_percent is not None
                    else row.declared.oxygen_percent
                ),
                bat_ael_low=ael.low if ael else 0.0,
                bat_ael_high=ael.high if ael else 0.0,
                unit=ael.unit if ael else "mg/Nm3",
                averaging_period=ael.averaging_period if ael else "",
                source_document=ael.source_document if ael else "",
                confidence=ael.confidence if ael else "",
                verdict=row.verdict,
                basis=_BASES[ael.basis] if ael else kazakhstan_pb2.BAT_BASIS_UNSPECIFIED,
                yearly_low=ael.yearly.low if ael and ael.yearly else 0.0,
                yearly_high=ael.yearly.high if ael and ael.yearly else 0.0,
                low_below=bool(ael and ael.assessed_range.low_below),
            )
        request = reviews_workflow_api.RecordBatAssessmentRequest(bat_assessment=assessment)
        with _final_errors_are_not_retried():
            await self._tasks.RecordBatAssessment(request, metadata=self._credentials.metadata())
        return _findings(assessment)

    @activity.defn(name="reviewed_bat")
    async def reviewed_bat(self, application_id: str) -> BatFindings:
        """The assessment by the BAT expert's verdicts, where the expert gave one."""
        return _findings(await self._assessment(application_id))

    # Inspections

    @activity.defn(name="prior_violations")
    async def prior_violations(self, enterprise_bin: str) -> PriorViolations:
        violations = grave = 0
        page_token = ""
        while True:
            request = inspections_api.ListInspectionsRequest(
                enterprise=f"enterprises/{enterprise_bin}", page_size=_PAGE, page_token=page_token
            )
            with _final_errors_are_not_retried():
                response = await self._inspections.ListInspections(
                    request, metadata=self._credentials.metadata()
                )
            for inspection in response.inspections:
                violations += len(inspection.violations)
                grave += sum(
                    v.severity == inspections_pb.SEVERITY_GRAVE for v in inspection.violations
                )
            page_token = response.next_page_token
            if not page_token:
                return PriorViolations(violations, grave)

    @activity.defn(name="schedule_inspection")
    async def schedule_inspection(self, order: InspectionOrder) -> str:
        visit = date.fromisoformat(order.visit_day)
        request = inspections_api.ScheduleInspectionRequest(
            request_id=str(uuid.uuid5(_INSPECTION_REQUEST_NAMESPACE, order.application_id)),
            enterprise=f"enterprises/{order.enterprise_bin}",
            application=f"applications/{order.application_id}",
            type=inspections_pb.INSPECTION_TYPE_PRE_PERMIT,
            scheduled_date=date_pb2.Date(year=visit.year, month=visit.month, day=visit.day),
            region=order.region,  # type: ignore[arg-type]
        )
        with _final_errors_are_not_retried():
            response = await self._inspections.ScheduleInspection(
                request, metadata=self._credentials.metadata()
            )
        inspection_id: str = response.inspection.name.removeprefix("inspections/")
        return inspection_id

    @activity.defn(name="unresolved_grave_violations")
    async def unresolved_grave_violations(self, inspection_id: str) -> int:
        """Grave violations of the act with a prescription still open, or with none at all."""
        request = inspections_api.GetInspectionRequest(name=f"inspections/{inspection_id}")
        with _final_errors_are_not_retried():
            response = await self._inspections.GetInspection(
                request, metadata=self._credentials.metadata()
            )
        inspection = response.inspection
        prescribed = {p.violation_id for p in inspection.prescriptions}
        still_open = {
            p.violation_id
            for p in inspection.prescriptions
            if p.state != inspections_pb.PRESCRIPTION_STATE_RESOLVED
        }
        return sum(
            v.severity == inspections_pb.SEVERITY_GRAVE
            and (v.violation_id in still_open or v.violation_id not in prescribed)
            for v in inspection.violations
        )

    # Public consultation

    @activity.defn(name="public_comments")
    async def public_comments(self, application_id: str) -> list[CommentLine]:
        lines = []
        page_token = ""
        while True:
            request = reviews_api.ListPublicCommentsRequest(
                parent=f"applications/{application_id}", page_size=_PAGE, page_token=page_token
            )
            with _final_errors_are_not_retried():
                response = await self._reviews.ListPublicComments(
                    request, metadata=self._credentials.metadata()
                )
            lines += [
                CommentLine(
                    c.author_display_name,
                    c.text,
                    reviews_pb.CommentDisposition.Name(c.disposition)
                    .removeprefix("COMMENT_DISPOSITION_")
                    .lower(),
                    c.disposition_reason,
                )
                for c in response.public_comments
            ]
            page_token = response.next_page_token
            if not page_token:
                return lines

    @activity.defn(name="open_consultation")
    async def open_consultation(self, order: ConsultationOrder) -> None:
        request = reviews_workflow_api.OpenPublicConsultationRequest(
            application=f"applications/{order.application_id}",
            close_time=order.close_time,
        )
        with _final_errors_are_not_retried():
            await self._tasks.OpenPublicConsultation(request, metadata=self._credentials.metadata())


def _findings(assessment: reviews_pb.BatAssessment) -> BatFindings:
    def verdict(row: reviews_pb.BatAssessmentRow) -> int:
        return row.expert_verdict or row.verdict

    return BatFindings(
        catalogue_version=assessment.catalogue_version,
        above=[
            SourcePollutant(row.source_id, row.pollutant)
            for row in assessment.rows
            if verdict(row) == reviews_pb.BAT_VERDICT_ABOVE_UPPER_BOUND
        ],
        within=sum(verdict(r) == reviews_pb.BAT_VERDICT_WITHIN_RANGE for r in assessment.rows),
        below=sum(verdict(r) == reviews_pb.BAT_VERDICT_BELOW_RANGE for r in assessment.rows),
        no_bat_ael=sum(verdict(r) == reviews_pb.BAT_VERDICT_NO_BAT_AEL for r in assessment.rows),
        reviewed=assessment.reviewed,
    )
