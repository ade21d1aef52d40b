"""Telemetry bootstrap: one call sets the tracer and meter providers from settings."""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass, field
from typing import IO, cast

from opentelemetry import metrics, trace
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import (
    ConsoleMetricExporter,
    MetricExporter,
    MetricReader,
    MetricsData,
    PeriodicExportingMetricReader,
)
from opentelemetry.sdk.resources import OTELResourceDetector, Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, ConsoleSpanExporter, SpanExporter

from ecopermit.runtime.line_files import RotatingLines
from ecopermit.runtime.settings import Settings, TracesExporter, standard_otlp_endpoint
from ecopermit.runtime.tracing import baggage_span_processor


def service_version() -> str:
    try:
        return importlib.metadata.version("ecopermit")
    except importlib.metadata.PackageNotFoundError:
        return "0+unknown"


def resource_for(settings: Settings, component: str) -> Resource:
    """Who emits: our names (current semantic conventions), then whatever the operator sets in
    OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME, which win (a pod's name, another
    environment name)."""
    ours = Resource.create(
        {
            "service.name": f"{settings.service_name}-{component}",
            "service.namespace": settings.service_name,
            "service.version": service_version(),
            "deployment.environment.name": settings.environment,
        }
    )
    return ours.merge(OTELResourceDetector().detect())


def one_line_span(span: ReadableSpan) -> str:
    line: str = span.to_json(indent=None)
    return line + "\n"


def _one_line_metrics(data: MetricsData) -> str:
    return data.to_json(indent=None) + "\n"


@dataclass
class Telemetry:
    """The providers one process installed; shut down to flush what is buffered."""

    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    _files: list[IO[str]] = field(default_factory=list)

    def shutdown(self) -> None:
        self.tracer_provider.shutdown()
        self.meter_provider.shutdown()
        for handle in self._files:
            handle.close()


_Exporters = tuple[SpanExporter | None, MetricExporter | None, list[IO[str]]]


def _exporters(settings: Settings) -> _Exporters:
    """The span and metric exporters the settings ask for, and any files they write to."""
    kind = settings.traces_exporter
    if kind is TracesExporter.NONE:
        return None, None, []
    if kind is TracesExporter.CONSOLE:
        return ConsoleSpanExporter(), ConsoleMetricExporter(), []
    if kind is TracesExporter.FILE:
        bounds = settings.traces_file_max_bytes, settings.traces_file_backups
        # The exporters only write and flush: the rotating file stands in for an open file.
        spans = cast(IO[str], RotatingLines(settings.traces_path(), *bounds))
        points = cast(IO[str], RotatingLines(settings.metrics_path(), *bounds))
        return (
            ConsoleSpanExporter(out=spans, formatter=one_line_span),
            ConsoleMetricExporter(out=points, formatter=_one_line_metrics),
            [spans, points],
        )
    # Without ECOPERMIT_OTLP_ENDPOINT the exporters read the standard OTEL_EXPORTER_OTLP_*
    # variables themselves (endpoint, headers, certificate, timeout, compression).
    if kind is TracesExporter.OTLP_GRPC:
        from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

        endpoint = settings.otlp_endpoint or None
        return OTLPSpanExporter(endpoint=endpoint), OTLPMetricExporter(endpoint=endpoint), []
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import (
        OTLPMetricExporter as HttpMetricExporter,
    )
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
        OTLPSpanExporter as HttpSpanExporter,
    )

    base = settings.otlp_endpoint.rstrip("/")
    return (
        HttpSpanExporter(endpoint=f"{base}/v1/traces" if base else None),
        HttpMetricExporter(endpoint=f"{base}/v1/metrics" if base else None),
        [],
    )


def exporter_in_use(settings: Settings) -> str:
    """Where this process's spans go, in words for a banner."""
    kind = settings.traces_exporter
    if kind is TracesExporter.FILE:
        return f"file {settings.traces_path().resolve()}"
    if kind in (TracesExporter.OTLP_GRPC, TracesExporter.OTLP_HTTP):
        protocol = "gRPC" if kind is TracesExporter.OTLP_GRPC else "HTTP"
        endpoint = settings.otlp_endpoint or standard_otlp_endpoint() or "the default endpoint"
        return f"OTLP over {protocol} to {endpoint}"
    return "the console" if kind is TracesExporter.CONSOLE else "nowhere (exporter none)"


def configure_telemetry(settings: Settings, component: str) -> Telemetry:
    """Installs global tracer and meter providers for this process and returns them.

    Call once, before creating gRPC channels or a Temporal client, so that their
    instrumentation picks up the providers.
    """
    resource = resource_for(settings, component)
    span_exporter, metric_exporter, files = _exporters(settings)
    tracer_provider = TracerProvider(resource=resource)
    tracer_provider.add_span_processor(baggage_span_processor())
    if span_exporter is not None:
        tracer_provider.add_span_processor(BatchSpanProcessor(span_exporter))
    readers: list[MetricReader] = []
    if metric_exporter is not None:
        interval_ms = settings.metrics_export_interval_seconds * 1000
        readers.append(
            PeriodicExportingMetricReader(metric_exporter, export_interval_millis=interval_ms)
        )
    meter_provider = MeterProvider(resource=resource, metric_readers=readers)
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(meter_provider)
    return Telemetry(tracer_provider, meter_provider, files)
