"""The telemetry bootstrap: spans reach the configured exporter with the resource attributes."""

from __future__ import annotations

import json

from ecopermit.runtime.settings import Settings, TracesExporter
from ecopermit.runtime.telemetry import configure_telemetry


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
    assert resource["deployment.environment"] == "embedded"
    assert resource["service.version"]


def test_none_exports_nothing(settings: Settings) -> None:
    quiet = settings.model_copy(update={"traces_exporter": TracesExporter.NONE})
    telemetry = configure_telemetry(quiet, "reviews")
    with telemetry.tracer_provider.get_tracer("test").start_as_current_span("unseen"):
        pass
    telemetry.shutdown()
    assert not quiet.traces_path().exists()
    assert not quiet.traces_path().with_name("metrics.jsonl").exists()
