"""The portal's pages: each a thin form over the public RPCs, called with the person's own token."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message
from google.type import date_pb2
from jinja2 import pass_context
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from ecopermit import trace_view
from ecopermit.applicants.v1 import applicant_service_pb2 as applicants_api
from ecopermit.applicants.v1 import applicant_service_pb2_grpc
from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.domain.stages import DECIDED_STAGES, HEARING_STAGES
from ecopermit.domain.tasks import accepted_outcomes, spec
from ecopermit.inspections.v1 import inspection_service_pb2 as inspections_api
from ecopermit.inspections.v1 import inspection_service_pb2_grpc
from ecopermit.inspections.v1 import resources_pb2 as inspections_pb
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.reviews.v1 import review_service_pb2 as reviews_api
from ecopermit.reviews.v1 import review_service_pb2_grpc
from ecopermit.runtime.document_upload import upload_requests
from ecopermit.runtime.esign.embedded import embedded_authority
from ecopermit.runtime.esign.local_authority import LocalAuthority, local_principal
from ecopermit.runtime.esign.statements import Purpose
from ecopermit.runtime.grpc.validation import field_path, request_violations
from ecopermit.runtime.identity import Principal, Role
from ecopermit.runtime.settings import ServiceName, Settings, TracesExporter
from ecopermit.runtime.tokens import TokenIssuer, TokenVerifier
from ecopermit.services.gateway import documents
from ecopermit.services.gateway.portal import (
    dashboard,
    forms,
    inbox_query,
    register_csv,
    session,
    signing,
)
from ecopermit.services.gateway.portal.inbox_query import InboxQuery
from ecopermit.services.gateway.portal.labels import (
    ASTANA_TIME,
    day,
    enum_label,
    file_size,
    labels,
    language,
    local_time,
    number,
    reason_text,
)
from ecopermit.services.gateway.portal.register_csv import RegisterQuery
from ecopermit.services.gateway.rate_limits import TokenBuckets, client_address, too_many
from ecopermit.span_index import SpanIndex, TraceSummary
from ecopermit.type.v1 import kazakhstan_pb2 as kz
from ecopermit.workflows.contract import permit_workflow_id

_HERE = Path(__file__).parent
_HOME = {
    Role.APPLICANT: "/portal/enterprise",
    Role.REVIEWER: "/portal/inbox",
    Role.BAT_EXPERT: "/portal/inbox",
    Role.DECISION_MAKER: "/portal/inbox",
    Role.INSPECTOR: "/portal/inspections",
    Role.OPS: "/portal/ops",
    Role.HEAD_OF_DEPARTMENT: "/portal/department",
    Role.PUBLIC: "/portal/hearings",
}
# Violations and prescriptions an act form offers; more go through the API.
_ACT_ROWS = 3
_RECENT_TRACES = 30
# Forms are small; uploads may carry one file per document kind.
_MAX_FIELDS = 256  # the submission form's rows: forms.MAX_ROWS of sources and of milestones
_MAX_FIELD_BYTES = 64 * 1024
_SMALL_FORM_BYTES = 64 * 1024
_UPLOAD_REQUEST_BYTES = len(forms.DOCUMENT_KINDS) * forms.MAX_UPLOAD_BYTES + 1024 * 1024
# The contract's own limit on a certificate sent to be checked, and the whole form that sends
# it: what an anonymous visitor may make the portal read.
_MAX_CERTIFICATE_BYTES = 5 * 1024 * 1024
_OPEN_FORM_BYTES = _MAX_CERTIFICATE_BYTES + _SMALL_FORM_BYTES
# How many applications of one stage a public page or the CSV reads at most; a search narrows
# what is shown, not what is read (internal bound).
_REGISTER_MAX = 10_000
_STAFF = frozenset({Role.REVIEWER, Role.BAT_EXPERT, Role.DECISION_MAKER})
Page = Callable[[Request], Awaitable[Response]]
# What the applicant is asked for in each stage that waits for it: the label of its answer form.
_AWAITED_ANSWER = {
    applicants_pb.STAGE_RETURNED_FOR_REVISION: "amend",
    applicants_pb.STAGE_NOT_ACCEPTED: "resubmit",
    applicants_pb.STAGE_APPLICANT_ANSWER: "answer_remarks",
    applicants_pb.STAGE_PRELIMINARY_DECISION: "object",
}
# Tasks whose page lists the public comments (hearing questions) beside the form.
_READS_COMMENTS = frozenset(
    {
        reviews_pb.TASK_KIND_COMMENT_DISPOSITION,
        reviews_pb.TASK_KIND_HEARING_PROTOCOL,
        reviews_pb.TASK_KIND_STATE_EXPERTISE,
        reviews_pb.TASK_KIND_DECISION,
    }
)


# The enums whose values pages show, by the name templates call them with.
SHOWN_ENUMS: dict[str, Any] = {
    "stage_name": applicants_pb.Stage,
    "kind_name": reviews_pb.TaskKind,
    "outcome_name": reviews_pb.TaskOutcome,
    "verdict_name": reviews_pb.BatVerdict,
    "pollutant_name": kz.Pollutant,
    "ground_name": reviews_pb.RefusalGround,
    "document_kind_name": applicants_pb.DocumentKind,
    "basis_name": kz.LimitBasis,
    "disposition_name": reviews_pb.CommentDisposition,
    "region_name": kz.Region,
    "sector_name": kz.Sector,
    "category_name": inspections_pb.ViolationCategory,
    "severity_name": inspections_pb.Severity,
    "inspection_type_name": inspections_pb.InspectionType,
    "inspection_state_name": inspections_pb.InspectionState,
}


def _enum_in_page_language(enum: Any) -> Callable[..., str]:
    @pass_context
    def label(context: Any, value: int | str) -> str:
        number = enum.Value(value) if isinstance(value, str) else value
        return enum_label(context["lang"], enum, number)

    return label


@pass_context
def _when(context: Any, stamp: Any) -> str:
    if not stamp.seconds:
        return ""
    return local_time(context["lang"], stamp.ToDatetime(tzinfo=UTC))


# The enums whose value names a reason's values may carry, by the names' prefix.
_REASON_ENUMS = {
    "TASK_KIND_": reviews_pb.TaskKind,
    "REFUSAL_GROUND_": reviews_pb.RefusalGround,
    "DOCUMENT_KIND_": applicants_pb.DocumentKind,
}


@pass_context
def _reason(context: Any, entry: applicants_pb.StageTransition) -> str:
    """Why the application entered this stage, in the page's language."""
    return reason_text(
        context["lang"], entry.reason_key, entry.reason_values, entry.reason, _REASON_ENUMS
    )


@pass_context
def _options(context: Any, values: Sequence[str], namer: Any) -> list[tuple[str, str]]:
    """A select's (value, label) pairs: the contract's names as values, labels in the page's
    language (namer is one of the SHOWN_ENUMS globals)."""
    return [(value, namer(context, value)) for value in values]


@pass_context
def _role_name(context: Any, role: str) -> str:
    return str(context["t"][f"role_{role}"])


@pass_context
def _number(context: Any, value: float, digits: int | None = None) -> str:
    return number(context["lang"], value, digits)


@pass_context
def _file_size(context: Any, size_bytes: int) -> str:
    return file_size(context["lang"], size_bytes)


@pass_context
def _day(context: Any, when: date_pb2.Date) -> str:
    if not when.year:
        return ""
    return day(context["lang"], date(when.year, when.month, when.day))


def _verdict_key(verdict: int) -> str:
    """A BAT verdict as a CSS class: BAT_VERDICT_ABOVE_UPPER_BOUND -> above-upper-bound."""
    return (
        str(reviews_pb.BatVerdict.Name(verdict))
        .removeprefix("BAT_VERDICT_")
        .lower()
        .replace("_", "-")
    )


class Portal:
    """The pages, over channels to the services; every call carries the signed-in token."""

    def __init__(self, channels: Mapping[ServiceName, grpc.aio.Channel], settings: Settings):
        self.applicants = applicant_service_pb2_grpc.ApplicantServiceStub(
            channels[ServiceName.APPLICANTS]
        )
        self.reviews = review_service_pb2_grpc.ReviewServiceStub(channels[ServiceName.REVIEWS])
        self.inspections = inspection_service_pb2_grpc.InspectionServiceStub(
            channels[ServiceName.INSPECTIONS]
        )
        self._applicants_channel = channels[ServiceName.APPLICANTS]
        self.settings = settings
        self._span_index = SpanIndex(settings.traces_path())
        self.verifier = TokenVerifier(settings)
        per_minute = settings.sign_ins_per_minute
        self._sign_ins = TokenBuckets(per_minute / 60, per_minute)
        # Comments from one address, whoever signs them: the service counts per author too.
        comments = settings.public_comments_per_hour
        self._comments = TokenBuckets(comments / 3600, comments)
        self.templates = Jinja2Templates(directory=str(_HERE / "templates"))
        self.templates.env.globals.update(
            # Each in the page's language (its context's "lang").
            **{name: _enum_in_page_language(enum) for name, enum in SHOWN_ENUMS.items()},
            when=_when,
            options=_options,
            reason_of=_reason,
            role_name=_role_name,
            number=_number,
            size=_file_size,
            day=_day,
            verdict_key=_verdict_key,
            document_kind_number=applicants_pb.DocumentKind.Value,
            # What the applicant is asked to do in a stage ("" when nothing): a label key.
            awaited=lambda stage: _AWAITED_ANSWER.get(stage, ""),
            # A task kind's name in the contract, for scripts and tests to find a button by.
            kind_key=reviews_pb.TaskKind.Name,
            # The role a task needs, as tokens name it.
            role_of=lambda task: Role.from_proto(task.required_role).value,
            overdue=lambda stamp: (
                stamp.seconds and stamp.ToDatetime(tzinfo=UTC) < datetime.now(UTC)
            ),
        )

    # Rendering

    def render(
        self, request: Request, template: str, principal: Principal | None, **context: Any
    ) -> Response:
        lang = language(request)
        csrf = session.csrf_token(request)
        response = self.templates.TemplateResponse(
            request,
            template,
            {
                "t": labels(lang),
                "lang": lang,
                "welcome_kk": labels("kk")["welcome"],
                "me": principal,
                "csrf": csrf,
                "csrf_field": session.CSRF_FIELD,
                **context,
            },
            status_code=context.pop("status_code", 200) if "status_code" in context else 200,
        )
        session.keep_csrf(response, csrf, secure=self._secure(request))
        if "lang" in request.query_params:
            response.set_cookie("lang", lang, samesite="strict", httponly=True)
        return response

    def failure(
        self,
        request: Request,
        principal: Principal | None,
        status: int,
        key: str,
        detail: str = "",
    ) -> Response:
        """An error page: what went wrong in the person's language (a catalogue key), and the
        detail as the service or the check gave it (in English: shown as such)."""
        said = labels(language(request))[key]
        return self.render(
            request, "error.html", principal, message=said, detail=detail, status_code=status
        )

    # Guards

    def page(
        self, roles: frozenset[Role] | None, handler: Callable[..., Awaitable[Response]]
    ) -> Page:
        """A page for signed-in people of these roles; forms must carry the CSRF token;
        a service's refusal is shown as such, with nothing half-done."""

        async def guarded(request: Request) -> Response:
            signed = session.signed_in(request, self.verifier)
            if signed is None:
                return RedirectResponse("/portal/sign-in", status_code=303)
            principal, token = signed
            if roles is not None and principal.role not in roles:
                return self.failure(request, principal, 403, "not_for_your_role")
            return await self._serve(
                request, principal, token, handler, _UPLOAD_REQUEST_BYTES, len(forms.DOCUMENT_KINDS)
            )

        return guarded

    def open_page(self, handler: Callable[..., Awaitable[Response]]) -> Page:
        """A page the law makes public (the register's certificate and its check): anyone
        opens it without signing in; a signed-in person's token is still sent."""

        async def opened(request: Request) -> Response:
            signed = session.signed_in(request, self.verifier)
            principal, token = signed if signed is not None else (None, None)
            return await self._serve(request, principal, token, handler, _OPEN_FORM_BYTES, 1)

        return opened

    async def _serve(
        self,
        request: Request,
        principal: Principal | None,
        token: str | None,
        handler: Callable[..., Awaitable[Response]],
        max_request_bytes: int,
        max_files: int,
    ) -> Response:
        """Reads the form (within these limits) and checks its CSRF token, then calls the
        handler with the person's token; a service's refusal becomes an error page."""
        form: Mapping[str, Any] = {}
        if request.method == "POST":
            too_big = _too_big(request, max_request_bytes)
            if too_big:
                return self.failure(request, principal, 413, *too_big)
            form = await request.form(
                max_files=max_files,
                max_fields=_MAX_FIELDS,
                max_part_size=_MAX_FIELD_BYTES,
            )
            try:
                session.check_csrf(request, form.get(session.CSRF_FIELD))
            except session.CsrfError as error:
                return self.failure(request, principal, 403, "form_expired", str(error))
        metadata = (("authorization", f"Bearer {token}"),) if token else ()
        try:
            response: Response = await handler(request, principal, metadata, form)
        except grpc.aio.AioRpcError as error:
            return self.failure(
                request, principal, _http(error), _refusal(error), error.details() or ""
            )
        except forms.FormProblemsError as error:  # said in the person's language
            t = labels(language(request))
            said = "; ".join(t[p.key].format(detail=p.detail) for p in error.problems)
            return self.failure(request, principal, 400, "form_problems", said)
        except (ValueError, TypeError) as error:  # a form that does not fit its fields
            return self.failure(request, principal, 400, "form_problems", str(error))
        return response

    # Signing in and out

    async def home(self, request: Request) -> Response:
        signed = session.signed_in(request, self.verifier)
        return self.render(request, "home.html", signed[0] if signed else None)

    async def sign_in_form(self, request: Request) -> Response:
        roles = [
            role.value for role in Role if role is not Role.WORKER
        ]  # the worker never signs in
        return self.render(
            request,
            "sign_in.html",
            None,
            dev=self._dev_sign_in,
            roles=roles,
            regions=kz.Region.keys()[1:],
        )

    def _secure(self, request: Request) -> bool:
        # Behind a TLS-terminating ingress the scheme may read http; only the embedded stack
        # on loopback goes without Secure cookies.
        return request.url.scheme == "https" or not self.settings.is_embedded

    @property
    def _dev_sign_in(self) -> bool:
        # Minting tokens for any role is for one's own machine: never outside the embedded stack.
        return self.settings.dev_sign_in and self.settings.is_embedded

    async def sign_in(self, request: Request) -> Response:
        wait = self._sign_ins.take(client_address(request.scope))
        if wait:
            headers, _ = too_many(wait)
            refused = self.failure(request, None, 429, "too_many_sign_ins")
            refused.headers.update(headers)
            return refused
        if too_big := _too_big(request, _SMALL_FORM_BYTES):
            return self.failure(request, None, 413, *too_big)
        form = await request.form(max_files=0, max_fields=8, max_part_size=_MAX_FIELD_BYTES)
        try:
            session.check_csrf(request, form.get(session.CSRF_FIELD))
        except session.CsrfError as error:
            return self.failure(request, None, 403, "form_expired", str(error))
        token = str(form.get("token", "")).strip()
        try:
            if not token:
                if not self._dev_sign_in:
                    return self.failure(request, None, 400, "sign_in_with_token")
                role = Role(str(form.get("role", "")))
                if role is Role.WORKER:
                    raise ValueError("the worker does not sign in")
                bin_ = str(form.get("bin", "")).strip() or None
                region = str(form.get("region", "")) or None
                principal = local_principal(
                    str(form.get("subject", "")).strip(), role, bin_, region
                )
                token = TokenIssuer.from_settings(self.settings).mint(principal)
            principal = self.verifier.verify(token)
        except Exception as error:  # a bad role, BIN or token: say so, sign nobody in
            return self.failure(request, None, 400, "cannot_sign_in", str(error))
        response = RedirectResponse(_HOME.get(principal.role, "/"), status_code=303)
        secure = self._secure(request)
        session.remember(response, token, self.settings.token_ttl_seconds, secure=secure)
        # A new CSRF token with the new session: one planted before sign-in is worth nothing.
        session.keep_csrf(response, session.new_csrf_token(), secure=secure)
        return response

    async def sign_out(self, request: Request) -> Response:
        if too_big := _too_big(request, _SMALL_FORM_BYTES):
            return self.failure(request, None, 413, *too_big)
        form = await request.form(max_files=0, max_fields=4, max_part_size=_MAX_FIELD_BYTES)
        try:
            session.check_csrf(request, form.get(session.CSRF_FIELD))
        except session.CsrfError as error:
            return self.failure(request, None, 403, "form_expired", str(error))
        response = RedirectResponse("/", status_code=303)
        session.forget(response)
        return response

    async def own_home(self, request: Request, me: Principal, md: Any, form: Any) -> Response:
        return RedirectResponse(_HOME.get(me.role, "/"), status_code=303)

    # Enterprise

    async def enterprise(self, request: Request, me: Principal, md: Any, form: Any) -> Response:
        assert me.enterprise_bin is not None
        enterprise = None
        try:
            enterprise = (
                await self.applicants.GetEnterprise(
                    applicants_api.GetEnterpriseRequest(name=f"enterprises/{me.enterprise_bin}"),
                    metadata=md,
                )
            ).enterprise
        except grpc.aio.AioRpcError as error:
            if error.code() is not grpc.StatusCode.NOT_FOUND:
                raise
        applications = []
        if enterprise is not None:
            applications = list(
                (
                    await self.applicants.ListApplications(
                        applicants_api.ListApplicationsRequest(page_size=100), metadata=md
                    )
                ).applications
            )
        return self.render(
            request,
            "enterprise.html",
            me,
            enterprise=enterprise,
            applications=applications,
            regions=kz.Region.keys()[1:],
            sectors=kz.Sector.keys()[1:],
        )

    async def register(self, request: Request, me: Principal, md: Any, form: Any) -> Response:
        enterprise = applicants_pb.Enterprise(
            bin=me.enterprise_bin or "",
            display_name=str(form.get("display_name", "")).strip(),
            region=str(form.get("region", "")),
            sector=str(form.get("sector", "")),
        )
        await self.applicants.RegisterEnterprise(
            applicants_api.RegisterEnterpriseRequest(enterprise=enterprise), metadata=md
        )
        return RedirectResponse("/portal/enterprise", status_code=303)

    async def new_application(
        self, request: Request, me: Principal, md: Any, form: Any
    ) -> Response:
        # One request id per form: a double submit is one application.
        return self._application_form(request, me, forms.ApplicationForm({}), str(uuid.uuid4()))

    def _application_form(
        self,
        request: Request,
        me: Principal,
        typed: forms.ApplicationForm,
        request_id: str,
        status_code: int = 200,
    ) -> Response:
        """The submission form as typed so far, every problem at its field and in a summary,
        in the person's language."""
        t = labels(language(request))
        problems = [(p.field, t[p.key].format(detail=p.detail)) for p in typed.problems]
        return self.render(
            request,
            "new_application.html",
            me,
            typed=typed,
            v=typed.values,
            problems=problems,
            errors={field: message for field, message in reversed(problems) if field},
            request_id=request_id,
            regions=kz.Region.keys()[1:],
            sectors=kz.Sector.keys()[1:],
            pollutants=kz.Pollutant.keys()[1:],
            max_rows=forms.MAX_ROWS,
            document_kinds=[applicants_pb.DocumentKind.Name(k) for k in forms.DOCUMENT_KINDS],
            status_code=status_code,
        )

    async def submit(self, request: Request, me: Principal, md: Any, form: Any) -> Response:
        """The submission form sent: a row added or removed, or problems shown in place, or
        on to signing. Files are kept from the first round they arrive in, so nobody chooses
        them twice."""
        assert me.enterprise_bin is not None
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        typed = forms.ApplicationForm.read(fields)
        request_id = fields.get("request_id") or str(uuid.uuid4())
        try:
            uploaded = forms.documents_of(await _uploads(form))
        except forms.FormProblemsError as error:
            typed.problems = error.problems
            return self._application_form(request, me, typed, request_id, 400)
        await self._store_files(form, me.enterprise_bin, uploaded, md)
        typed.carried = list(
            ({d.kind: d for d in typed.carried} | {d.kind: d for d in uploaded}).values()
        )
        if typed.editing:
            return self._application_form(request, me, typed, request_id)
        application, problems = typed.application(me.enterprise_bin)
        submission = applicants_api.SubmitApplicationRequest(
            request_id=request_id, application=application
        )
        flagged = {p.field for p in problems}
        for violation in request_violations(submission):
            place = typed.field_of(field_path(violation).removeprefix("application."))
            if not place or place not in flagged:
                problems.append(forms.Problem(place, "error_invalid", violation.message))
                flagged.add(place)
        if problems:
            typed.problems = problems
            return self._application_form(request, me, typed, request_id, 400)
        return self._to_sign(request, me, Purpose.SUBMISSION, submission)

    async def application(self, request: Request, me: Principal, md: Any, form: Any) -> Response:
        name = f"applications/{request.path_params['id']}"
        application = (
            await self.applicants.GetApplication(
                applicants_api.GetApplicationRequest(name=name), metadata=md
            )
        ).application
        assessment = await _optional(
            self.reviews.GetBatAssessment(
                reviews_api.GetBatAssessmentRequest(name=f"{name}/batAssessment"), metadata=md
            )
        )
        return self.render(
            request,
            "application.html",
            me,
            application=application,
            assessment=assessment.bat_assessment if assessment else None,
            awaiting=_AWAITED_ANSWER.get(application.stage, ""),
            answer_due=next(
                (d.due_time for d in application.deadlines if d.stage == application.stage),
                None,
            ),
            finished=application.stage in DECIDED_STAGES,
            dossier_application=name,
            dossier_documents=list(application.documents),
            document_kinds=[applicants_pb.DocumentKind.Name(k) for k in forms.DOCUMENT_KINDS],
            request_id=str(uuid.uuid4()),
            temporal_ui=self._temporal_link(request.path_params["id"]),
            # The answer's programme rows: as many as asked for (?milestones=), typed afresh.
            typed=forms.ApplicationForm(
                {}, milestone_rows=forms.row_count(request.query_params.get("milestones"), 3)
            ),
            v={},
            pollutants=kz.Pollutant.keys()[1:],
        )

    async def withdraw(self, request: Request, me: Principal, md: Any, form: Any) -> Response:
        name = f"applications/{request.path_params['id']}"
        await self.applicants.WithdrawApplication(
            applicants_api.WithdrawApplicationRequest(
                name=name, reason=str(form.get("reason", "")).strip()
            ),
            metadata=md,
        )
        return RedirectResponse(f"/portal/{name}", status_code=303)

    async def amend(self, request: Request, me: Principal, md: Any, form: Any) -> Response:
        name = f"applications/{request.path_params['id']}"
        assert me.enterprise_bin is not None
        documents = forms.documents_of(await _uploads(form))
        fields = {key: value for key, value in form.items() if isinstance(value, str)}
        problems: list[forms.Problem] = []
        # The efficiency programme a return for one asks for, with its dated milestones.
        programme = forms.ApplicationForm.read(fields).milestones(problems)
        if problems:
            raise forms.FormProblemsError(problems)
        await self._store_files(form, me.enterprise_bin, documents, md)
        answer = applicants_api.AmendApplicationRequest(
            name=name,
            request_id=str(form.get("request_id") or uuid.uuid4()),
            response=str(form.get("response", "")).strip(),
            documents=documents,
            disagree=bool(form.get("disagree")),
            efficiency_programme=programme,
        )
        return self._to_sign(request, me, Purpose.ANSWER, answer)

    # Signing (portal/signing.py describes the exchange)

    def _to_sign(
        self, request: Request, me: Principal, purpose: Purpose, pending: Message, problem: str = ""
    ) -> Response:
        return self.render(
            request,
            "sign.html",
            me,
            local_key=self._local_authority is not None,
            problem=problem,
            status_code=400 if problem else 200,
            **signing.page_context(purpose, pending),
        )

    @property
    def _local_authority(self) -> LocalAuthority | None:
        """The test authority the embedded stack trusts, whose keys its people sign with."""
        return embedded_authority(self.settings)

    async def sign(self, request: Request, me: Principal, md: Any, form: Any) -> Response:
        purpose, pending = signing.pending_request(form)
        signature = await signing.signature_from(form)
        authority = self._local_authority
        if signature is None and form.get(signing.LOCAL_KEY_FIELD) and authority is not None:
            # The embedded stack's people have test keys from its local authority.
            signature = authority.sign(pending, purpose, me).signature  # type: ignore[attr-defined]
        if signature is None:
            return self._to_sign(request, me, purpose, pending, "signature_needed")
        pending.signature = signature  # type: ignore[attr-defined]
        if isinstance(pending, applicants_api.SubmitApplicationRequest):
            submitted = await self.applicants.SubmitApplication(pending, metadata=md)
            return RedirectResponse(f"/portal/{submitted.application.name}", status_code=303)
        if isinstance(pending, applicants_api.AmendApplicationRequest):
            await self.applicants.AmendApplication(pending, metadata=md)
            return RedirectResponse(f"/portal/{pending.name}", status_code=303)
        assert isinstance(pending, reviews_api.CompleteTaskRequest)
        await self.reviews.CompleteTask(pending, metadata=md)
        return RedirectResponse("/portal/inbox", status_code=303)

    async def _store_files(
        self, form: Any, enterprise_bin: str, documents: Sequence[applicants_pb.Document], md: Any
    ) -> None:
        """Uploads the form's files, streamed from the form's spooled copies, before the
        application that cites them."""
        for document, (_, upload) in zip(documents, _files(form), strict=True):
            await upload.seek(0)
            declaration = applicants_api.DocumentUpload(
                parent=f"enterprises/{enterprise_bin}",
                file_name=document.file_name,
                sha256=document.sha256,
                size_bytes=document.size_bytes,
            )
            await self.applicants.UploadDocument(
                upload_requests(declaration, _spooled_chunks(upload)), metadata=md
            )

    async def permit(self, request: Request, me: Principal, md: Any, form: Any) -> Response:
        permit_id = request.path_params["id"]
        permit = (
            await self.applicants.GetPermit(
                applicants_api.GetPermitRequest(name=f"permits/{permit_id}"), metadata=md
            )
        ).permit
        if request.url.path.endswith(".json"):
            return Response(
                json_format.MessageToJson(permit),
                media_type="application/json",
                headers={"content-disposition": f'attachment; filename="{permit_id}.json"'},
            )
        return self.render(request, "permit.html", me, permit=permit)

    async def _registered_permit(self, request: Request, md: Any) -> applicants_pb.Permit:
        name = f"permits/{request.path_params['id']}"
        response = await self.applicants.GetPermit(
            applicants_api.GetPermitRequest(name=name), metadata=md
        )
        permit: applicants_pb.Permit = response.permit
        return permit

    async def certificate(
        self, request: Request, me: Principal | None, md: Any, form: Any
    ) -> Response:
        """The permit's signed certificate (PDF), for anyone: the register's own document."""
        permit = await self._registered_permit(request, md)
        if not permit.HasField("certificate"):
            return self.failure(request, me, 404, "no_certificate")
        name = f"{permit.application}/documents/{permit.certificate.sha256}"
        return await documents.download(request, self._applicants_channel, name, md)

    async def verify_certificate(
        self, request: Request, me: Principal | None, md: Any, form: Any
    ) -> Response:
        """The page a certificate's QR code opens: the register's entry and whether its
        certificate verifies; a file anyone holds is checked when sent."""
        permit = await self._registered_permit(request, md)
        check = applicants_api.VerifyPermitCertificateRequest(permit=permit.name)
        if request.method == "POST":
            upload = form.get("certificate")
            if not isinstance(upload, UploadFile) or not upload.size:
                return self.failure(request, me, 400, "choose_certificate_file")
            if upload.size > _MAX_CERTIFICATE_BYTES:
                return self.failure(request, me, 413, "certificate_too_large")
            check = applicants_api.VerifyPermitCertificateRequest(pdf=await upload.read())
        verdict = await self.applicants.VerifyPermitCertificate(check, metadata=md)
        return self.render(
            request,
            "verify.html",
            me,
            permit=permit,
            verdict=verdict,
            checked_file=request.method == "POST",
        )

    # Reviewers, BAT experts, decision makers

    async def inbox(self, request: Request, me: Principal, md: Any, form: Any) -> Response:
        """An official's inbox: what they hold, and what waits for their role, filtered,
        sorted and paged by the address's query."""
        query = InboxQuery.of(request)
        waiting = await self.reviews.ListTasks(
            query.request(role=me.role.to_proto(), state=reviews_pb.TASK_STATE_OPEN),
            metadata=md,
        )
        mine = await self.reviews.ListTasks(
            replace(query, page="").request(
                assignee=me.subject, state=reviews_pb.TASK_STATE_CLAIMED
            ),
            metadata=md,
        )
        return self.render(
            request,
            "inbox.html",
            me,
            waiting=list(waiting.tasks),
            mine=list(mine.tasks),
            next_page=query.link(waiting.next_page_token) if waiting.next_page_token else "",
            first_page=query.link() if query.page else "",
            **self._filter_choices(query, me),
        )

    async def department(self, request: Request, me: Principal, md: Any, form: Any) -> Response:
        """A head of department's view: the queue no one holds, what each official holds, and
        the means to give, move or take back a task."""
        query = InboxQuery.of(request)
        unassigned = await self.reviews.ListTasks(
            query.request(state=reviews_pb.TASK_STATE_OPEN), metadata=md
        )
        held = await self.reviews.ListTasks(
            replace(query, page="").request(state=reviews_pb.TASK_STATE_CLAIMED, page_size=500),
            metadata=md,
        )
        holders: dict[str, int] = {}
        for task in held.tasks:
            holders[task.assignee] = holders.get(task.assignee, 0) + 1
        return self.render(
            request,
            "department.html",
            me,
            unassigned=list(unassigned.tasks),
            held=list(held.tasks),
            holders=sorted(holders.items()),
            next_page=query.link(unassigned.next_page_token) if unassigned.next_page_token else "",
            first_page=query.link() if query.page else "",
            back=f"/portal/department?{query.link(query.page)}",
            **self._filter_choices(query, me),
        )

    def _filter_choices(self, query: InboxQuery, me: Principal) -> dict[str, Any]:
        kinds = [
            name
            for name, number in reviews_pb.TaskKind.items()
            if number and (me.role is Role.HEAD_OF_DEPARTMENT or spec(number).role is me.role)
        ]
        return {
            "query": query,
            "regions": kz.Region.keys()[1:],
            "kinds": kinds,
            "orders": inbox_query.ORDERS,
        }

    async def assign(self, request: Request, me: Principal, md: Any, form: Any) -> Response:
        name = f"tasks/{request.path_params['id']}"
        await self.reviews.AssignTask(
            reviews_api.AssignTaskRequest(
                name=name, assignee=str(form.get("assignee", "")).strip()
            ),
            metadata=md,
        )
        return RedirectResponse(_back(form, "/portal/department"), status_code=303)

    async def release(self, request: Request, me: Principal, md: Any, form: Any) -> Response:
        name = f"tasks/{request.path_params['id']}"
        await self.reviews.ReleaseTask(reviews_api.ReleaseTaskRequest(name=name), metadata=md)
        home = "/portal/department" if me.role is Role.HEAD_OF_DEPARTMENT else "/portal/inbox"
        return RedirectResponse(_back(form, home), status_code=303)

    async def claim(self, request: Request, me: Principal, md: Any, form: Any) -> Response:
        name = f"tasks/{request.path_params['id']}"
        await self.reviews.ClaimTask(reviews_api.ClaimTaskRequest(name=name), metadata=md)
        return RedirectResponse(f"/portal/{name}", status_code=303)

    async def task(self, request: Request, me: Principal, md: Any, form: Any) -> Response:
        name = f"tasks/{request.path_params['id']}"
        task = (await self.reviews.GetTask(reviews_api.GetTaskRequest(name=name), metadata=md)).task
        comments: list[reviews_pb.PublicComment] = []
        # The BAT table on every task of the application: a decision is taken on it too.
        found = await _optional(
            self.reviews.GetBatAssessment(
                reviews_api.GetBatAssessmentRequest(name=f"{task.application}/batAssessment"),
                metadata=md,
            )
        )
        assessment = found.bat_assessment if found else None
        if task.kind in _READS_COMMENTS:
            comments = list(
                (
                    await self.reviews.ListPublicComments(
                        reviews_api.ListPublicCommentsRequest(
                            parent=task.application, page_size=500
                        ),
                        metadata=md,
                    )
                ).public_comments
            )
        outcomes = sorted(accepted_outcomes(task.kind, task.allowed_outcomes))
        # What the task is about: the application's dossier beside the form.
        application = (
            await self.applicants.GetApplication(
                applicants_api.GetApplicationRequest(name=task.application), metadata=md
            )
        ).application
        return self.render(
            request,
            "task.html",
            me,
            task=task,
            application=application,
            reviews_bat=task.kind == reviews_pb.TASK_KIND_BAT_REVIEW,
            dossier_application=task.application,
            dossier_documents=list(application.documents),
            outcomes=outcomes,
            grounds=[g for g in reviews_pb.RefusalGround.values() if g]
            if reviews_pb.TASK_OUTCOME_REFUSE in outcomes
            else [],
            disposes_of_comments=spec(task.kind).disposes_of_comments,
            assessment=assessment,
            comments=comments,
            verdicts=[v for v in reviews_pb.BatVerdict.values() if v],
            dispositions=[d for d in reviews_pb.CommentDisposition.keys()[1:]],
        )

    async def complete(self, request: Request, me: Principal, md: Any, form: Any) -> Response:
        name = f"tasks/{request.path_params['id']}"
        completion = reviews_api.CompleteTaskRequest(
            name=name,
            outcome=int(form.get("outcome", 0)),  # type: ignore[arg-type]
            comments=str(form.get("comments", "")).strip(),
        )
        for key, value in form.items():
            ground = key.removeprefix("refusal_ground:")
            if key.startswith("refusal_ground:") and value and ground.isdigit():
                completion.refusal_grounds.append(int(ground))  # type: ignore[arg-type]
            if key.startswith("verdict:") and value:
                source_id, pollutant = key.removeprefix("verdict:").rsplit(":", 1)
                completion.bat_reviews.add(
                    source_id=source_id,
                    pollutant=int(pollutant),
                    verdict=int(value),
                    reason=str(form.get(f"reason:{source_id}:{pollutant}", "")).strip(),
                )
            if key.startswith("disposition:") and value:
                comment = key.removeprefix("disposition:")
                completion.comment_dispositions.add(
                    public_comment=comment,
                    disposition=reviews_pb.CommentDisposition.Value(value),
                    reason=str(form.get(f"disposition_reason:{comment}", "")).strip(),
                )
        task = (await self.reviews.GetTask(reviews_api.GetTaskRequest(name=name), metadata=md)).task
        if spec(task.kind).signed_decision:
            return self._to_sign(request, me, Purpose.DECISION, completion)
        await self.reviews.CompleteTask(completion, metadata=md)
        return RedirectResponse("/portal/inbox", status_code=303)

    # Inspectors

    async def inspections_page(
        self, request: Request, me: Principal, md: Any, form: Any
    ) -> Response:
        scheduled = await self.inspections.ListInspections(
            inspections_api.ListInspectionsRequest(
                state=inspections_pb.INSPECTION_STATE_SCHEDULED, page_size=200
            ),
            metadata=md,
        )
        return self.render(
            request,
            "inspections.html",
            me,
            inspections=list(scheduled.inspections),
            act_rows=range(_ACT_ROWS),
            act_options=[(f"v{row + 1}", f"v{row + 1}") for row in range(_ACT_ROWS)],
            categories=inspections_pb.ViolationCategory.keys()[1:],
            severities=inspections_pb.Severity.keys()[1:],
        )

    async def record_findings(
        self, request: Request, me: Principal, md: Any, form: Any
    ) -> Response:
        name = f"inspections/{request.path_params['id']}"
        findings = inspections_api.RecordFindingsRequest(name=name)
        for row in range(forms.SOURCE_ROWS):
            code = str(form.get(f"item_code_{row}", "")).strip()
            if code:
                findings.checklist.add(
                    code=code,
                    description=str(form.get(f"item_description_{row}", "")).strip(),
                    compliant=form.get(f"item_compliant_{row}") == "on",
                )
        for row in range(_ACT_ROWS):
            norm = str(form.get(f"violation_norm_{row}", "")).strip()
            if norm:
                findings.violations.add(
                    violation_id=f"v{row + 1}",
                    category=str(form.get(f"violation_category_{row}", "")),
                    breached_norm=norm,
                    severity=str(form.get(f"violation_severity_{row}", "")),
                    description=str(form.get(f"violation_description_{row}", "")).strip(),
                )
            action = str(form.get(f"prescription_action_{row}", "")).strip()
            if action:
                due = date.fromisoformat(str(form.get(f"prescription_due_{row}", "")))
                findings.prescriptions.add(
                    violation_id=str(form.get(f"prescription_violation_{row}", "")),
                    action=action,
                    due_date=date_pb2.Date(year=due.year, month=due.month, day=due.day),
                )
        await self.inspections.RecordFindings(findings, metadata=md)
        return RedirectResponse("/portal/inspections", status_code=303)

    # Ops

    async def ops(self, request: Request, me: Principal, md: Any, form: Any) -> Response:
        """What the Committee reports, at a glance: applications by stage and region, how long
        stages take, deadlines lapsed and near, what is stuck or idle, the control figures of
        recent years, and the latest traces. Aggregates from the services, not lists: the page
        costs the same with 22 applications or 10,000."""
        this_year = datetime.now(ASTANA_TIME).year
        years = range(this_year - 2, this_year + 1)
        figures, work, *control, traces = await asyncio.gather(
            self.applicants.GetApplicationStatistics(
                applicants_api.GetApplicationStatisticsRequest(), metadata=md
            ),
            self.reviews.GetTaskStatistics(reviews_api.GetTaskStatisticsRequest(), metadata=md),
            *(
                self.inspections.GetStatistics(
                    inspections_api.GetStatisticsRequest(
                        start_date=date_pb2.Date(year=year, month=1, day=1),
                        end_date=date_pb2.Date(year=year, month=12, day=31),
                    ),
                    metadata=md,
                )
                for year in years
            ),
            asyncio.to_thread(self._recent_traces),
        )
        return self.render(
            request,
            "ops.html",
            me,
            dashboard=dashboard.of(figures, work, language(request)),
            control=[
                (year, answer.statistics) for year, answer in zip(years, control, strict=True)
            ],
            traces=[_trace_row(trace) for trace in traces],
            temporal_ui=self.settings.temporal_ui_base(),
            traces_ui=self.settings.traces_ui_url.rstrip("/"),
            namespace=self.settings.temporal_namespace,
            workflow_id=permit_workflow_id,
        )

    def _followed_spans(self) -> SpanIndex | None:
        """The span files, followed; None in production, where the traces are in the OTLP
        backend (settings.traces_ui_url links there)."""
        if self.settings.traces_exporter is not TracesExporter.FILE:
            return None
        self._span_index.refresh()
        return self._span_index

    def _recent_traces(self) -> list[TraceSummary]:
        followed = self._followed_spans()
        return followed.recent(_RECENT_TRACES) if followed is not None else []

    def _spans_of(self, trace_id: str) -> list[trace_view.SpanLine]:
        followed = self._followed_spans()
        return followed.spans_of(trace_id) if followed is not None else []

    async def trace(self, request: Request, me: Principal, md: Any, form: Any) -> Response:
        """One trace as a waterfall: the span tree, services, milliseconds, a timeline."""
        wanted = request.path_params["trace_id"]
        spans = await asyncio.to_thread(self._spans_of, wanted)
        if not spans:
            return self.failure(request, me, 404, "no_trace", wanted)
        begin = min(s.start for s in spans)
        total = max((max(s.end for s in spans) - begin).total_seconds(), 1e-6)
        rows = [
            {
                "depth": depth,
                "name": span.name,
                "service": span.service,
                "ms": span.milliseconds,
                "x": round((span.start - begin).total_seconds() / total * 300, 1),
                "width": max(1.0, round(span.milliseconds / 1000 / total * 300, 1)),
                "linked": bool(span.links),
            }
            for depth, span in trace_view.in_tree_order(spans)
        ]
        return self.render(request, "trace.html", me, trace_id=wanted, rows=rows)

    # The public, without signing in: the hearings (Environmental Code art. 96; the public
    # hearing rules, Order 286 of 3 Aug 2021) and the register of permits (the Aarhus
    # Convention, to which Kazakhstan is party)

    async def _listed(
        self, md: Any, stage: applicants_pb.Stage, sector: str = "", region: str = ""
    ) -> list[applicants_pb.Application]:
        """Every application in a stage the public may list, page by page, up to a bound."""
        listed: list[applicants_pb.Application] = []
        token = ""
        while len(listed) < _REGISTER_MAX:
            page = await self.applicants.ListApplications(
                applicants_api.ListApplicationsRequest(
                    page_size=500,
                    page_token=token,
                    stage=stage,
                    sector=sector or None,
                    region=region or None,
                ),
                metadata=md,
            )
            listed += page.applications
            token = page.next_page_token
            if not token:
                break
        return listed

    async def _register(self, request: Request, md: Any) -> tuple[RegisterQuery, list[Any]]:
        query = RegisterQuery.of(request)
        approved = await self._listed(md, applicants_pb.STAGE_APPROVED, query.sector, query.region)
        return query, [a for a in approved if query.matches(a)]

    async def register_of_permits(
        self, request: Request, me: Principal | None, md: Any, form: Any
    ) -> Response:
        query, entries = await self._register(request, md)
        return self.render(
            request,
            "register.html",
            me,
            entries=entries,
            query=query.text,
            region=query.region,
            sector=query.sector,
            filter_query=query.encoded(),
            regions=kz.Region.keys()[1:],
            sectors=kz.Sector.keys()[1:],
        )

    async def register_csv(
        self, request: Request, me: Principal | None, md: Any, form: Any
    ) -> Response:
        _, entries = await self._register(request, md)
        lang = language(request)
        return Response(
            register_csv.written(entries, lang),
            media_type="text/csv; charset=utf-8",
            headers={"content-disposition": 'attachment; filename="kep-register.csv"'},
        )

    async def hearings(
        self, request: Request, me: Principal | None, md: Any, form: Any
    ) -> Response:
        open_hearings = [a for stage in HEARING_STAGES for a in await self._listed(md, stage)]
        return self.render(
            request,
            "hearings.html",
            me,
            open_hearings=open_hearings,
            past_hearings=await self._listed(md, applicants_pb.STAGE_APPROVED),
            thanks="thanks" in request.query_params,
        )

    async def hearing(self, request: Request, me: Principal | None, md: Any, form: Any) -> Response:
        """A public hearing: the application as published, its documents, every question and
        its answer once given, and while it is open a form to comment."""
        name = f"applications/{request.path_params['id']}"
        found = await _optional(
            self.applicants.GetApplication(
                applicants_api.GetApplicationRequest(name=name), metadata=md
            )
        )
        questions = await self.reviews.ListPublicComments(
            reviews_api.ListPublicCommentsRequest(parent=name, page_size=500), metadata=md
        )
        # The documents published for the hearing (none before it opens).
        dossier = await _optional(
            self.applicants.GetDossier(
                applicants_api.GetDossierRequest(name=f"{name}/dossier"), metadata=md
            )
        )
        application = found.application if found else None
        return self.render(
            request,
            "hearing.html",
            me,
            name=name,
            application=application,
            is_open=application is not None and application.stage in HEARING_STAGES,
            questions=questions.public_comments,
            dossier_application=name,
            dossier_documents=list(dossier.dossier.documents) if dossier else [],
            request_id=str(uuid.uuid4()),
        )

    async def comment(self, request: Request, me: Principal | None, md: Any, form: Any) -> Response:
        wait = self._comments.take(client_address(request.scope))
        if wait:
            refused = self.failure(request, me, 429, "too_many_comments")
            refused.headers.update(too_many(wait)[0])
            return refused
        application = request.path_params["id"]
        await self.reviews.SubmitPublicComment(
            reviews_api.SubmitPublicCommentRequest(
                parent=f"applications/{application}",
                request_id=str(form.get("request_id") or uuid.uuid4()),
                public_comment=reviews_pb.PublicComment(
                    author_display_name=str(form.get("author", "")).strip(),
                    author_contact=str(form.get("contact", "")).strip(),
                    text=str(form.get("text", "")).strip(),
                ),
            ),
            metadata=md,
        )
        return RedirectResponse("/portal/hearings?thanks=1", status_code=303)

    async def document(self, request: Request, me: Principal, md: Any, form: Any) -> Response:
        """A document of an application, streamed from the service with the person's own
        token (the service decides who may read it), inline or as a download, ranges served."""
        name = f"applications/{request.path_params['id']}/documents/{request.path_params['sha']}"
        return await documents.download(request, self._applicants_channel, name, md)

    def _temporal_link(self, application_id: str) -> str:
        base = self.settings.temporal_ui_base()
        namespace = self.settings.temporal_namespace
        return f"{base}/namespaces/{namespace}/workflows/{permit_workflow_id(application_id)}"

    # Routes

    def routes(self) -> list[BaseRoute]:
        applicant = frozenset({Role.APPLICANT})
        ops = frozenset({Role.OPS})
        head = frozenset({Role.HEAD_OF_DEPARTMENT})
        everyone = None
        return [
            Route("/", self.home),
            Route("/portal", self.page(everyone, self.own_home)),
            Route("/portal/sign-in", self.sign_in_form, methods=["GET"]),
            Route("/portal/sign-in", self.sign_in, methods=["POST"]),
            Route("/portal/sign-out", self.sign_out, methods=["POST"]),
            Route("/portal/enterprise", self.page(applicant, self.enterprise), methods=["GET"]),
            Route("/portal/enterprise", self.page(applicant, self.register), methods=["POST"]),
            Route("/portal/applications/new", self.page(applicant, self.new_application)),
            Route("/portal/applications", self.page(applicant, self.submit), methods=["POST"]),
            Route("/portal/applications/{id}", self.page(everyone, self.application)),
            Route(
                "/portal/applications/{id}/documents/{sha:str}",
                # The service decides who reads which document: the public, without signing
                # in, those published for a hearing and a permit's certificate.
                self.open_page(self.document),
            ),
            Route(
                "/portal/applications/{id}/withdraw",
                self.page(applicant, self.withdraw),
                methods=["POST"],
            ),
            Route(
                "/portal/applications/{id}/amend",
                self.page(applicant, self.amend),
                methods=["POST"],
            ),
            Route(
                "/portal/sign",
                self.page(frozenset({Role.APPLICANT, Role.DECISION_MAKER}), self.sign),
                methods=["POST"],
            ),
            Route("/portal/permits/{id}/certificate", self.open_page(self.certificate)),
            Route(
                "/portal/permits/{id}/verify",
                self.open_page(self.verify_certificate),
                methods=["GET", "POST"],
            ),
            Route("/portal/permits/{id}.json", self.page(everyone, self.permit)),
            Route("/portal/permits/{id}", self.page(everyone, self.permit)),
            Route("/portal/inbox", self.page(_STAFF, self.inbox)),
            Route("/portal/tasks/{id}", self.page(_STAFF | {Role.HEAD_OF_DEPARTMENT}, self.task)),
            Route("/portal/tasks/{id}/claim", self.page(_STAFF, self.claim), methods=["POST"]),
            Route(
                "/portal/tasks/{id}/release",
                self.page(_STAFF | {Role.HEAD_OF_DEPARTMENT}, self.release),
                methods=["POST"],
            ),
            Route("/portal/department", self.page(head, self.department)),
            Route("/portal/tasks/{id}/assign", self.page(head, self.assign), methods=["POST"]),
            Route(
                "/portal/tasks/{id}/complete", self.page(_STAFF, self.complete), methods=["POST"]
            ),
            Route(
                "/portal/inspections",
                self.page(frozenset({Role.INSPECTOR}), self.inspections_page),
            ),
            Route(
                "/portal/inspections/{id}/findings",
                self.page(frozenset({Role.INSPECTOR}), self.record_findings),
                methods=["POST"],
            ),
            Route("/portal/ops", self.page(ops, self.ops)),
            Route("/portal/ops/traces/{trace_id}", self.page(ops, self.trace)),
            Route("/portal/register", self.open_page(self.register_of_permits)),
            Route("/portal/register.csv", self.open_page(self.register_csv)),
            Route("/portal/hearings", self.open_page(self.hearings)),
            Route("/portal/hearings/{id}", self.open_page(self.hearing)),
            Route("/portal/hearings/{id}/comments", self.open_page(self.comment), methods=["POST"]),
            # Where the register and the hearings were before anyone could read them unsigned.
            Route("/portal/public", _moved("/portal/hearings")),
            Route("/portal/public/hearings/{id}", _moved("/portal/hearings/{id}")),
            Mount("/static", StaticFiles(directory=str(_HERE / "static")), name="static"),
        ]


def _back(form: Any, default: str) -> str:
    """Where a form returns to: the page it was sent from, if it is one of the portal's own
    (never another site), else the default."""
    back = str(form.get("back", ""))
    return back if back.startswith("/portal/") and not back.startswith("//") else default


def _moved(target: str) -> Page:
    async def moved(request: Request) -> Response:
        return RedirectResponse(target.format(**request.path_params), status_code=301)

    return moved


def _trace_row(trace: TraceSummary) -> dict[str, Any]:
    return {
        "trace_id": trace.trace_id,
        "started": datetime.fromisoformat(trace.start).strftime("%Y-%m-%d %H:%M:%S"),
        "first": trace.first,
        "application": trace.application,
        "spans": trace.spans,
    }


def _too_big(request: Request, limit: int) -> tuple[str, str] | None:
    """Why a request is refused before it is read (a label key and its detail): too large,
    or of unknown size; None when it may be read."""
    declared = request.headers.get("content-length", "")
    if not declared.isdigit():
        return "form_length_needed", "Content-Length"
    if int(declared) > limit:
        return "form_too_large", f"{max(limit // (1024 * 1024), 1)} MiB"
    return None


# What a service's refusal means, said to the person (label keys by status code); the
# service's own words follow as the detail.
_REFUSALS = {
    grpc.StatusCode.INVALID_ARGUMENT: "refused_invalid",
    grpc.StatusCode.NOT_FOUND: "refused_not_found",
    grpc.StatusCode.PERMISSION_DENIED: "refused_permission",
    grpc.StatusCode.UNAUTHENTICATED: "refused_sign_in",
    grpc.StatusCode.FAILED_PRECONDITION: "refused_state",
    grpc.StatusCode.ALREADY_EXISTS: "refused_exists",
    grpc.StatusCode.ABORTED: "refused_state",
    grpc.StatusCode.RESOURCE_EXHAUSTED: "refused_too_many",
    grpc.StatusCode.UNAVAILABLE: "refused_unavailable",
    grpc.StatusCode.DEADLINE_EXCEEDED: "refused_unavailable",
}


def _refusal(error: grpc.aio.AioRpcError) -> str:
    return _REFUSALS.get(error.code(), "refused_other")


_SPOOL_CHUNK_BYTES = 256 * 1024


async def _spooled_chunks(upload: UploadFile) -> AsyncIterator[bytes]:
    while chunk := await upload.read(_SPOOL_CHUNK_BYTES):
        yield chunk


def _files(form: Any) -> list[tuple[str, UploadFile]]:
    """The form's chosen files with their field names, in form order: what _uploads hashes
    and _store_files sends, so the two always pair up."""
    return [
        (key, value)
        for key, value in form.multi_items()
        if isinstance(value, UploadFile) and value.filename
    ]


async def _uploads(form: Any) -> list[forms.Upload]:
    """The form's files by hash and size, read from their spooled copies a chunk at a time."""
    uploads = []
    for key, upload in _files(form):
        digest, size = hashlib.sha256(), 0
        async for chunk in _spooled_chunks(upload):
            digest.update(chunk)
            size += len(chunk)
        uploads.append(forms.Upload(key, str(upload.filename), digest.hexdigest(), size))
    return uploads


async def _optional(call: Any) -> Any:
    """The answer, or None where the service has nothing (NOT_FOUND)."""
    try:
        return await call
    except grpc.aio.AioRpcError as error:
        if error.code() is grpc.StatusCode.NOT_FOUND:
            return None
        raise


def _http(error: grpc.aio.AioRpcError) -> int:
    from ecopermit.services.gateway.transcoding import HTTP_STATUS

    return HTTP_STATUS.get(error.code(), 500)
