"""Business tracing: which application, stage and task a span is about, and trace context kept
across the outboxes so that one trace follows a request into the workflow.

The application's attributes travel as W3C baggage (ids and enum names only, never personal data
or document contents): every process copies the ecopermit.* entries onto each span it starts, so
the gRPC, database and Temporal spans of an application carry them without code of their own.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterator, Mapping

from opentelemetry import baggage, context, propagate, trace
from opentelemetry.processor.baggage import BaggageSpanProcessor

APPLICATION_ID = "ecopermit.application_id"
STAGE = "ecopermit.stage"
TASK_KIND = "ecopermit.task_kind"
OUTCOME = "ecopermit.outcome"
_ATTRIBUTES = frozenset({APPLICATION_ID, STAGE, TASK_KIND, OUTCOME})

# Outbox payload keys: the writer's trace context, and the context to link to.
TRACE_KEY = "_trace"
LINK_KEY = "_link"

_APPLICATION_NAME = re.compile(r"^applications/([A-Za-z0-9-]{1,64})(?:/|$)")


def baggage_span_processor() -> BaggageSpanProcessor:
    """Copies the application's baggage entries, and only those, onto every span."""
    return BaggageSpanProcessor(lambda key: key in _ATTRIBUTES)


def application_of(name: str) -> str | None:
    """The application id in a resource name such as applications/{id}/batAssessment."""
    match = _APPLICATION_NAME.match(name)
    return match.group(1) if match else None


@contextlib.contextmanager
def application_scope(
    application_id: str,
    *,
    stage: str = "",
    task_kind: str = "",
    outcome: str = "",
) -> Iterator[None]:
    """Marks the current span and everything started inside as about this application."""
    entries = {
        APPLICATION_ID: application_id,
        STAGE: stage,
        TASK_KIND: task_kind,
        OUTCOME: outcome,
    }
    current = context.get_current()
    span = trace.get_current_span()
    for key, value in entries.items():
        if value:
            current = baggage.set_baggage(key, value, current)
            span.set_attribute(key, value)
    token = context.attach(current)
    try:
        yield
    finally:
        context.detach(token)


def annotate(**attributes: str) -> None:
    """Sets ecopermit.* attributes on the current span, e.g. annotate(task_kind="decision")."""
    span = trace.get_current_span()
    for key, value in attributes.items():
        if value:
            span.set_attribute(f"ecopermit.{key}", value)


def current_carrier() -> dict[str, str]:
    """The current trace context and baggage, as W3C headers to keep beside an outbox message."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def context_from(carrier: Mapping[str, str] | None) -> context.Context:
    return propagate.extract(dict(carrier or {}))


def link_to(carrier: Mapping[str, str] | None) -> list[trace.Link]:
    """A link to the span a carrier names, or nothing if it names none."""
    linked = trace.get_current_span(context_from(carrier)).get_span_context()
    return [trace.Link(linked)] if linked.is_valid else []
