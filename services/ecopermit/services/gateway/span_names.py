"""Names for the gateway's HTTP server spans, from route templates rather than request paths.

A path can name a person: /v1/enterprises/990340000123 carries a BIN, which for an individual
entrepreneur is the owner's IIN. Span names reach the tracing backend untouched by the
collector's attribute rules, so they carry the template ("GET /v1/{name=enterprises/*}"),
which also keeps their number small enough to group by.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from opentelemetry.instrumentation.asgi import get_default_span_details
from opentelemetry.semconv.attributes.http_attributes import HTTP_ROUTE
from starlette.routing import BaseRoute, Match

from ecopermit.services.gateway.http_rules import match

SpanDetails = Callable[[dict[str, Any]], tuple[str, dict[str, Any]]]


def route_span_details(routes: Sequence[BaseRoute]) -> SpanDetails:
    """For OpenTelemetryMiddleware(default_span_details=...): "METHOD template" and http.route."""

    def details(scope: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        default_name, _ = get_default_span_details(scope)
        method = default_name.partition(" ")[0]
        template = _template(routes, scope)
        return f"{method} {template}", {HTTP_ROUTE: template}

    return details


def _template(routes: Sequence[BaseRoute], scope: dict[str, Any]) -> str:
    bound = match(scope.get("method", ""), scope.get("path", ""))
    if bound is not None:
        return bound[0].template
    for route in routes:
        matched, _ = route.matches(scope)
        if matched is Match.FULL:
            path: str = getattr(route, "path", "")
            return path or "unmatched"
    return "unmatched"
