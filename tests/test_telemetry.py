"""The telemetry bootstrap: spans reach the configured exporter with the resource attributes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest

from ecopermit.runtime.settings import Settings, TracesExporter
from ecopermit.runtime.telemetry import configure_telemetry, exporter_in_use


def test_file_exporter_writes_one_json_span_per_line(settings: Settings) -> None:
    telemetry = configure_telemetry(settings, "applicants")
    tracer = telemetry.tracer_provider.get_tracer("test")
    with tracer.start_as_current_span("parent"), tracer.start_as_current_span("child") as child:
        child.set_attribute("ecopermit.application_id", "a-1")
    telemetry.shutdown()
    lines = settings.traces_path().read_text().splitlines()
    spans = {span["name"]: span for span in map(json.loads, lines)}
    assert set(spans) == {"parent", "child"}
    assert spans["child"]["parent_id"] == spans["parent"]["context"]["span_id"]
    assert spans["child"]["context"]["trace_id"] == spans["parent"]["context"]["trace_id"]
    resource = spans["child"]["resource"]["attributes"]
    assert resource["service.name"] == "ecopermit-applicants"
    assert resource["deployment.environment.name"] == "embedded"
    assert resource["service.version"]


def test_none_exports_nothing(settings: Settings) -> None:
    quiet = settings.model_copy(update={"traces_exporter": TracesExporter.NONE})
    telemetry = configure_telemetry(quiet, "reviews")
    with telemetry.tracer_provider.get_tracer("test").start_as_current_span("unseen"):
        pass
    telemetry.shutdown()
    assert not quiet.traces_path().exists()
    assert not quiet.traces_path().with_name("metrics.jsonl").exists()


class _Collector(BaseHTTPRequestHandler):
    """An OTLP/HTTP receiver on loopback: keeps each request's path, headers and body."""

    received: ClassVar[list[tuple[str, dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["content-length"]))
        self.received.append((self.path, dict(self.headers), body))
        self.send_response(200)
        self.send_header("content-type", "application/x-protobuf")
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def collector() -> Iterator[str]:
    _Collector.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Collector)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_the_standard_otel_variables_choose_exporter_endpoint_headers_and_resource(
    settings: Settings, collector: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ECOPERMIT_TRACES_EXPORTER", raising=False)
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_HEADERS", "x-collector-key=k-123")
    monkeypatch.setenv("OTEL_RESOURCE_ATTRIBUTES", "k8s.pod.name=applicants-0")
    standard = Settings(data_dir=settings.data_dir)
    assert standard.traces_exporter is TracesExporter.OTLP_HTTP
    assert exporter_in_use(standard) == f"OTLP over HTTP to {collector}"
    telemetry = configure_telemetry(standard, "applicants")
    with telemetry.tracer_provider.get_tracer("test").start_as_current_span("exported"):
        pass
    telemetry.tracer_provider.force_flush()
    traces = [r for r in _Collector.received if r[0] == "/v1/traces"]
    assert traces, [r[0] for r in _Collector.received]
    _, headers, body = traces[0]
    assert headers.get("x-collector-key") == "k-123"
    exported = ExportTraceServiceRequest.FromString(body)
    (resource_spans,) = exported.resource_spans
    attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
    assert attributes["k8s.pod.name"] == "applicants-0"
    assert attributes["service.name"] == "ecopermit-applicants"
    assert attributes["deployment.environment.name"] == "embedded"
    assert resource_spans.scope_spans[0].spans[0].name == "exported"
    telemetry.shutdown()


def test_ours_wins_over_the_standard_exporter_variable_and_the_sampler_is_honoured(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "console")
    monkeypatch.setenv("ECOPERMIT_TRACES_EXPORTER", "file")
    assert Settings(data_dir=settings.data_dir).traces_exporter is TracesExporter.FILE
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_off")
    assert settings.traces_exporter is TracesExporter.FILE  # it would write, if sampled
    telemetry = configure_telemetry(settings, "reviews")
    with telemetry.tracer_provider.get_tracer("test").start_as_current_span("sampled out"):
        pass
    telemetry.shutdown()
    assert not settings.traces_path().exists() or not settings.traces_path().read_text()
    assert exporter_in_use(settings) == f"file {settings.traces_path().resolve()}"
