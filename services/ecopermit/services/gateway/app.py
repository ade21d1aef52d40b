"""The gateway's ASGI application: every annotated RPC over HTTP/JSON, its OpenAPI document,
and the headers every response carries."""

from __future__ import annotations

import html
import json
from collections.abc import Mapping
from typing import Any

import grpc
from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ecopermit.runtime import tracing
from ecopermit.runtime.grpc.application_scope import application_named_by
from ecopermit.runtime.settings import ServiceName, Settings
from ecopermit.services.gateway import documents, openapi
from ecopermit.services.gateway.http_rules import match, methods_at
from ecopermit.services.gateway.portal.routes import Portal
from ecopermit.services.gateway.rate_limits import RequestLimit, TokenBuckets
from ecopermit.services.gateway.span_names import route_span_details
from ecopermit.services.gateway.transcoding import (
    TranscodingError,
    build_request,
    error_json,
    response_class,
    response_json,
    transcoding_error_json,
)

# The largest JSON body the contract can need; uploads stream (gateway.documents).
MAX_BODY_BYTES = 8 * 1024 * 1024
_CALL_TIMEOUT_SECONDS = 30.0
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        # NCALayer, NCA RK's signing application, listens on the person's own computer.
        "connect-src 'self' wss://127.0.0.1:13579; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}


class SecurityHeaders:
    """Adds the security headers to every response, whatever produced it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [
                    (name.encode(), value.encode())
                    for name, value in SECURITY_HEADERS.items()
                    if name.encode() not in present
                ]
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def _error(
    status: int, code: int, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """A google.rpc.Status body, as every gRPC error reaches an HTTP client."""
    return JSONResponse(
        {"code": code, "message": message, "details": []}, status_code=status, headers=headers
    )


async def _http_error(request: Request, error: Exception) -> Response:
    """404 and 405 outside the RPC routes: the Status body the document promises, or a page
    for a person who mistyped a portal address."""
    assert isinstance(error, HTTPException)
    if request.url.path.startswith("/portal"):
        return HTMLResponse(
            f"<!doctype html><title>{error.status_code}</title><p>{html.escape(error.detail)}</p>",
            status_code=error.status_code,
            headers=error.headers,
        )
    # google.rpc.Code for the HTTP statuses Starlette raises itself.
    code = {404: 5, 405: 12}.get(error.status_code, 2)
    return _error(error.status_code, code, error.detail, headers=error.headers)


async def _unexpected_error(request: Request, error: Exception) -> Response:
    """A fault of ours still answers in the documented shape; the trace has the details."""
    return _error(500, 13, "internal error")


async def _read_body(request: Request) -> bytes:
    """The body, read only up to the limit: a larger one is refused before it fills memory."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise TranscodingError("body", f"larger than {MAX_BODY_BYTES} bytes")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise TranscodingError("body", f"larger than {MAX_BODY_BYTES} bytes")
    return bytes(body)


def _declares_json(content_type: str | None) -> bool:
    """Whether a body is declared as JSON: application/json or a +json type, any parameters."""
    media_type = (content_type or "").partition(";")[0].strip().lower()
    return media_type == "application/json" or (
        media_type.startswith("application/") and media_type.endswith("+json")
    )


def _json(body: bytes) -> Any:
    if not body.strip():
        return None
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        raise TranscodingError("body", "is not JSON") from None


def _application_in(response: Any) -> str | None:
    """The application a response returns, e.g. SubmitApplicationResponse.application."""
    for field in response.DESCRIPTOR.fields:
        if field.message_type is not None and not field.is_repeated:
            named = application_named_by(getattr(response, field.name))
            if named:
                return named
    return None


# What is not traced (regular expressions searched in the URL): the probes, and the portal's
# stylesheets and scripts, which would bury the requests that matter on the ops page.
UNTRACED_URLS = "/healthz$,/static/"


def create_app(channels: Mapping[ServiceName, grpc.aio.Channel], settings: Settings) -> Starlette:
    """The gateway and the portal over channels to the services; the caller owns and closes
    the channels."""

    async def transcode(request: Request) -> Response:
        raw_path = request.scope.get("raw_path", b"").decode("latin-1") or request.url.path
        found = match(request.method, raw_path)
        if found is None:
            allowed = methods_at(raw_path)
            if allowed:
                return _error(
                    405,
                    12,
                    f"{request.url.path} takes {', '.join(allowed)}, not {request.method}",
                    headers={"allow": ", ".join(allowed)},
                )
            return _error(404, 5, f"no RPC is bound to {request.method} {request.url.path}")
        binding, path_variables = found
        metadata = []
        if "authorization" in request.headers:
            metadata.append(("authorization", request.headers["authorization"]))
        channel = channels[binding.owner]
        if binding.method.client_streaming:
            if not metadata:
                # Refused before a byte is read or spooled: no token, no upload.
                return _error(401, 16, "send a bearer token: uploads are not anonymous")
            return await documents.upload(
                request,
                channel,
                path_variables["parent"],
                metadata,
                settings.max_document_bytes,
            )
        if binding.method.server_streaming:
            return await documents.download(request, channel, path_variables["name"], metadata)
        try:
            raw = await _read_body(request)
            if (
                binding.body
                and raw.strip()
                and not _declares_json(request.headers.get("content-type"))
            ):
                # A form or plain text is not read as JSON because it happens to parse as such.
                return _error(415, 3, f"{binding.template} takes an application/json body")
            body = _json(raw) if binding.body else None
            if not binding.body and raw.strip():
                raise TranscodingError("body", f"{binding.template} takes no body")
            message = build_request(
                binding, path_variables, request.query_params.multi_items(), body
            )
        except TranscodingError as error:
            return JSONResponse(transcoding_error_json(error), status_code=400)
        call: grpc.aio.UnaryUnaryMultiCallable[Any, Any] = channel.unary_unary(
            binding.grpc_path,
            request_serializer=lambda m: m.SerializeToString(),
            response_deserializer=response_class(binding).FromString,
        )
        application_id = application_named_by(message)
        try:
            if application_id:
                with tracing.application_scope(application_id):
                    response = await call(message, metadata=metadata, timeout=_CALL_TIMEOUT_SECONDS)
            else:
                response = await call(message, metadata=metadata, timeout=_CALL_TIMEOUT_SECONDS)
        except grpc.aio.AioRpcError as error:
            status, payload = error_json(error)
            return JSONResponse(payload, status_code=status)
        if application_id is None:
            # A creation: only the answer names the application; the HTTP span says it too.
            created = _application_in(response)
            if created:
                tracing.annotate(application_id=created)
        return JSONResponse(response_json(response))

    async def openapi_document(request: Request) -> Response:
        return JSONResponse(openapi.document())

    async def docs(request: Request) -> Response:
        return HTMLResponse(openapi.docs_page())

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "serving"})

    methods = ["GET", "POST", "PATCH", "PUT", "DELETE"]
    routes = [
        Route("/openapi.json", openapi_document, methods=["GET"]),
        Route("/docs", docs, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/v1/{path:path}", transcode, methods=methods),
        *Portal(channels, settings).routes(),
    ]
    return Starlette(
        routes=routes,
        exception_handlers={HTTPException: _http_error, Exception: _unexpected_error},
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                RequestLimit,
                buckets=TokenBuckets(
                    settings.gateway_requests_per_second, settings.gateway_request_burst
                ),
            ),
            # One server span per request; the per-message receive/send spans say nothing.
            Middleware(
                OpenTelemetryMiddleware,
                exclude_spans=["receive", "send"],
                excluded_urls=UNTRACED_URLS,
                default_span_details=route_span_details(routes),
            ),
        ],
    )
