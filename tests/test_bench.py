"""`ecopermit bench`: the baseline repeats the pipeline's workflow steps, the figures are
summarised correctly, and the command runs end to end and writes what it promises."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import uuid
from collections import Counter
from pathlib import Path

import pytest
from temporalio.client import WorkflowHistory
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from ecopermit.bench.bare_workflow import BareWorkflow, nothing
from ecopermit.bench.latency import Latency, percentile
from ecopermit.bench.memory import role_of
from ecopermit.bench.workflow_shape import WorkflowShape, shape_of

HISTORIES = Path(__file__).with_name("histories")


def test_percentiles_are_nearest_rank() -> None:
    samples = [float(n) for n in range(100, 0, -1)]  # 100 … 1, unsorted on purpose
    assert percentile(samples, 0.50) == 50.0
    assert percentile(samples, 0.99) == 99.0
    assert percentile([7.0], 0.99) == 7.0
    summary = Latency.of([1.0, 2.0, 3.0, 10.0])
    assert (summary.count, summary.p50, summary.p99, summary.mean) == (4, 2.0, 10.0, 4.0)
    with pytest.raises(ValueError, match="no samples"):
        percentile([], 0.5)


@pytest.mark.parametrize("recorded", sorted(HISTORIES.glob("*.json")), ids=lambda p: p.stem)
def test_a_recorded_permit_history_is_counted_step_by_step(recorded: Path) -> None:
    events = json.loads(recorded.read_text())["events"]
    by_type = Counter(event["eventType"].removeprefix("EVENT_TYPE_") for event in events)
    local = sum(
        event.get("markerRecordedEventAttributes", {}).get("markerName") == "core_local_activity"
        for event in events
    )
    shape = shape_of(WorkflowHistory.from_json("recorded", recorded.read_text()))
    assert shape == WorkflowShape(
        activities=by_type["ACTIVITY_TASK_SCHEDULED"],
        local_activities=local,
        timers=by_type["TIMER_STARTED"],
        updates=by_type["WORKFLOW_EXECUTION_UPDATE_ACCEPTED"],
    )
    assert shape.activities > 0
    assert shape.updates > 0


async def test_the_bare_workflow_repeats_a_shape_exactly(temporal: WorkflowEnvironment) -> None:
    # The counts of the recorded approval: the baseline must go through the same steps.
    wanted = shape_of(
        WorkflowHistory.from_json("approved", (HISTORIES / "approved.json").read_text())
    )
    task_queue = f"bare-{uuid.uuid4()}"
    async with Worker(
        temporal.client, task_queue=task_queue, workflows=[BareWorkflow], activities=[nothing]
    ):
        handle = await temporal.client.start_workflow(
            BareWorkflow.run, wanted, id=f"bare-{uuid.uuid4()}", task_queue=task_queue
        )
        for _ in range(wanted.updates):
            await handle.execute_update(BareWorkflow.poke)
        await handle.result()
    assert shape_of(await handle.fetch_history()) == wanted


def test_processes_are_told_apart_by_their_command_lines() -> None:
    python = sys.executable
    assert role_of(["temporal", "server", "start-dev", "--db-filename", "x"]) == "temporal"
    assert role_of([python, "-m", "ecopermit", "worker"]) == "worker"
    assert role_of([python, "-m", "ecopermit", "serve", "reviews"]) == "reviews"
    assert role_of([python, "-m", "ecopermit.bench.bare_workflow", "worker", "a", "q"]) == (
        "bare worker"
    )
    assert role_of([python, "-m", "ecopermit", "up"]) is None


@pytest.mark.processes
@pytest.mark.timeout(600)
async def test_bench_runs_every_benchmark_beside_its_baseline(tmp_path: Path) -> None:
    output = tmp_path / "out"
    command = [
        *(sys.executable, "-m", "ecopermit", "bench", "--n", "3", "--day-seconds", "0.05"),
        *(
            "--requests",
            "40",
            "--concurrency",
            "4",
            "--lag-samples",
            "3",
            "--upload-mib",
            "2",
            "--signatures",
            "5",
            "--span-file-mib",
            "2",
        ),
        *("--output-dir", str(output)),
    ]
    finished = await asyncio.to_thread(
        subprocess.run, command, cwd=tmp_path, capture_output=True, text=True, timeout=560
    )
    assert finished.returncode == 0, finished.stderr[-3000:]
    report = json.loads((output / "bench.json").read_text())
    # 1 and 4: both pipeline runs decided all three, and the baseline ran as many workflows,
    # through every kind of step the permit workflows went through.
    for run in ("traced", "untraced"):
        assert report[run]["applications"] == 3
        assert sum(report[run]["decisions"].values()) == 3
        assert {"temporal", "worker", "applicants", "reviews", "inspections", "gateway"} <= set(
            report[run]["peak_rss_mib"]
        )
    stages = report["traced"]["stage_seconds"]
    assert {"completeness", "state_expertise", "remarks", "decision"} <= set(stages)
    assert all(0 <= s["p50"] <= s["p99"] for s in stages.values())
    bare = report["bare"]
    assert bare["workflows"] == 3
    assert all(bare["steps"][kind] > 0 for kind in ("activities", "timers", "updates"))
    assert set(bare["peak_rss_mib"]) == {"temporal", "bare worker"}
    assert report["pipeline_ratio"] == pytest.approx(
        report["traced"]["per_second"] / bare["per_second"]
    )
    assert report["tracing_cost"] == pytest.approx(
        report["untraced"]["per_second"] / report["traced"]["per_second"]
    )
    # 2: both methods, 40 requests each, against the echo server with the same sizes.
    api = {c["method"]: c for c in report["api"]}
    assert set(api) == {"GetApplication", "SubmitApplication"}
    for comparison in api.values():
        assert comparison["service"]["requests"] == comparison["echo"]["requests"] == 40
        assert comparison["request_bytes"] > 0
        assert comparison["response_bytes"] > 0
        assert comparison["throughput_ratio"] == pytest.approx(
            comparison["service"]["per_second"] / comparison["echo"]["per_second"]
        )
    # 3: every probe saw the completeness check give way to the technical review.
    assert report["visibility"]["lag_seconds"]["count"] == 3
    assert report["visibility"]["stages_seen"] == {"state_expertise": 3}
    # 6: signatures verified in full, beside the bare RSA operation they cannot do without.
    signatures = report["signatures"]
    assert signatures["verifications"] == 5
    assert 0 < signatures["bare_ms"] < signatures["verify_ms"]
    assert report["signature_ratio"] == pytest.approx(
        signatures["verify_ms"] / signatures["bare_ms"]
    )
    # 5: the upload streamed whole through the gateway, its memory sampled before and during.
    upload = report["upload"]
    assert upload["upload_bytes"] == 2 * 1024 * 1024
    assert 0 < upload["gateway_rss_before_mib"] <= upload["gateway_rss_peak_mib"]
    assert report["upload_rise_ratio"] == pytest.approx(
        report["upload_rise_mib"] * 1024 * 1024 / upload["upload_bytes"]
    )
    # 7: the ops pages over the span file, beside reading it whole.
    views = report["ops_views"]
    assert views["span_file_mib"] >= 2
    assert views["spans"] > 1000
    assert views["baseline_seconds"] > 0
    assert views["ops_page_ms"] > 0
    assert report["ops_views_ratio"] == pytest.approx(
        views["baseline_seconds"] * 1000 / views["ops_page_ms"]
    )
    # 8: the dashboard over every application the traced stack holds, beside listing them.
    dashboard = report["dashboard"]
    assert dashboard["applications"] >= 3
    assert dashboard["samples"] == 20
    assert 0 < dashboard["page_p50_ms"] <= dashboard["page_p90_ms"]
    assert report["dashboard_ratio"] == pytest.approx(
        dashboard["listing_p50_ms"] / dashboard["page_p50_ms"]
    )
    markdown = (output / "bench.md").read_text()
    assert "**8. The ops dashboard**" in markdown
    assert "| bare workflows, same steps | 3 |" in markdown
    assert "| SubmitApplication |" in markdown
    assert "ecopermit bench --n 3" in markdown


def test_a_stacks_ports_are_distinct_however_many_are_asked_for() -> None:
    from ecopermit.bench.stacks import free_ports

    ports = free_ports(64)
    assert len(set(ports)) == 64
