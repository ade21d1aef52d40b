"""The pieces of tracing that need no servers: the span file reader and waterfall, the baggage
that marks an application's spans, and which requests name an application."""

from __future__ import annotations

import json
from pathlib import Path

from opentelemetry import baggage, context
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from rich.console import Console

from ecopermit.applicants.v1 import applicant_service_pb2 as applicants_api
from ecopermit.reviews.v1 import review_service_pb2 as reviews_api
from ecopermit.runtime import tracing
from ecopermit.runtime.grpc.application_scope import application_named_by
from ecopermit.trace_view import in_tree_order, read_spans, show, traces_of_application


def _line(
    name: str, trace: str, span: str, parent: str | None, start: int, **attributes: str
) -> str:
    return json.dumps(
        {
            "name": name,
            "context": {"trace_id": f"0x{trace}", "span_id": f"0x{span}"},
            "parent_id": f"0x{parent}" if parent else None,
            "start_time": f"2026-11-28T10:00:{start:02d}.000000Z",
            "end_time": f"2026-11-28T10:00:{start + 1:02d}.000000Z",
            "attributes": attributes,
            "links": [],
            "resource": {"attributes": {"service.name": "ecopermit-worker"}},
        }
    )


def test_the_waterfall_nests_children_and_keeps_orphans_at_the_top(tmp_path: Path) -> None:
    spans_file = tmp_path / "traces.jsonl"
    lines = [
        _line("root", "aa", "01", None, 0, **{tracing.APPLICATION_ID: "app-1"}),
        _line("child b", "aa", "03", "01", 2),
        _line("child a", "aa", "02", "01", 1),
        _line("grandchild", "aa", "04", "02", 1),
        # Its parent is in a buffer a killed process never flushed.
        _line("orphan", "aa", "05", "99", 3),
        _line("other application", "bb", "06", None, 0, **{tracing.APPLICATION_ID: "app-2"}),
    ]
    spans_file.write_text("\n".join(lines) + "\n" + '{"cut short')
    spans = read_spans(spans_file)
    assert len(spans) == 6  # the broken last line is skipped
    [trace] = traces_of_application(spans, "app-1")
    order = [(depth, span.name) for depth, span in in_tree_order(trace)]
    assert order == [
        (0, "root"),
        (1, "child a"),
        (2, "grandchild"),
        (1, "child b"),
        (0, "orphan"),
    ]
    console = Console(record=True, width=140)
    assert show(console, spans_file, "app-1", limit=5) == 0
    text = console.export_text()
    assert "trace aa" in text
    assert "other application" not in text
    assert show(console, spans_file, "app-404", limit=5) == 1


def test_only_the_applications_baggage_becomes_span_attributes() -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(tracing.baggage_span_processor())
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    token = context.attach(baggage.set_baggage("user.email", "someone@example.kz"))
    try:
        with (
            tracer.start_as_current_span("request"),
            tracing.application_scope("app-1", stage="completeness", task_kind="completeness"),
            tracer.start_as_current_span("query"),
        ):
            pass
    finally:
        context.detach(token)
    spans = {span.name: span for span in exporter.get_finished_spans()}
    assert spans["request"].attributes is not None
    assert spans["request"].attributes[tracing.APPLICATION_ID] == "app-1"
    query = dict(spans["query"].attributes or {})
    assert query[tracing.APPLICATION_ID] == "app-1"
    assert query[tracing.STAGE] == "completeness"
    assert "user.email" not in query


def test_a_carrier_kept_in_an_outbox_continues_its_trace_and_links_to_another() -> None:
    provider = TracerProvider()
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span("submission") as submission:
        kept = tracing.current_carrier()
    assert "traceparent" in kept
    links = tracing.link_to(kept)
    assert [link.context.trace_id for link in links] == [submission.get_span_context().trace_id]
    assert tracing.link_to({}) == []
    with tracer.start_as_current_span("delivery", context=tracing.context_from(kept)) as later:
        assert later.get_span_context().trace_id == submission.get_span_context().trace_id


def test_requests_name_their_application_by_name_parent_or_reference() -> None:
    get = applicants_api.GetApplicationRequest(name="applications/a-1")
    assert application_named_by(get) == "a-1"
    bat = reviews_api.GetBatAssessmentRequest(name="applications/a-2/batAssessment")
    assert application_named_by(bat) == "a-2"
    comments = reviews_api.ListPublicCommentsRequest(parent="applications/a-3")
    assert application_named_by(comments) == "a-3"
    assert application_named_by(reviews_api.GetTaskRequest(name="tasks/t-1")) is None
