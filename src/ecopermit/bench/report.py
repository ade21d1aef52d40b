"""A benchmark's results as JSON (everything) and as a markdown table (the figures to read)."""

from __future__ import annotations

import json
import os
import platform
from dataclasses import asdict, dataclass, field
from pathlib import Path

import psutil

from ecopermit.bench.api import ApiComparison, VisibilityLag
from ecopermit.bench.dashboard import GOAL_MS, DashboardPage
from ecopermit.bench.latency import Latency
from ecopermit.bench.ops_views import OpsViews
from ecopermit.bench.pipeline import BareRun, PipelineRun
from ecopermit.bench.signature_cost import SignatureCost
from ecopermit.bench.upload_memory import UploadMemory


def machine() -> dict[str, str | int | float]:
    return {
        "cpus": os.cpu_count() or 0,
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "system": platform.platform(terse=True),
    }


@dataclass(frozen=True)
class BenchReport:
    command: str
    day_seconds: float
    traced: PipelineRun
    untraced: PipelineRun
    bare: BareRun
    api: list[ApiComparison]
    visibility: VisibilityLag
    upload: UploadMemory
    signatures: SignatureCost
    ops_views: OpsViews
    dashboard: DashboardPage
    machine: dict[str, str | int | float] = field(default_factory=machine)

    @property
    def pipeline_ratio(self) -> float:
        """Applications per second through the whole system over the bare workflows' rate."""
        return self.traced.per_second / self.bare.per_second

    @property
    def tracing_cost(self) -> float:
        """Applications per second with tracing off over the rate with it on."""
        return self.untraced.per_second / self.traced.per_second

    def to_json(self) -> str:
        document = asdict(self) | {
            "pipeline_ratio": self.pipeline_ratio,
            "tracing_cost": self.tracing_cost,
            "upload_rise_mib": self.upload.rise_mib,
            "upload_rise_ratio": self.upload.rise_ratio,
            "signature_ratio": self.signatures.ratio,
            "ops_views_ratio": self.ops_views.ratio,
            "dashboard_ratio": self.dashboard.ratio,
        }
        return json.dumps(document, indent=2)

    def to_markdown(self) -> str:
        m = self.machine
        lines = [
            f"`{self.command}` on {m['cpus']} CPUs, {m['memory_gib']} GiB, Python {m['python']}"
            f" ({m['system']}); a statutory day lasted {self.day_seconds} s.",
            "",
            "**1. Pipeline throughput** (all applications submitted at once, carried to"
            " decisions through the public API)",
            "",
            "| run | applications | seconds | applications/s | ratio |",
            "|---|---:|---:|---:|---:|",
            _run_row("ecopermit, tracing on", self.traced, self.pipeline_ratio),
            _run_row(
                "ecopermit, tracing off",
                self.untraced,
                self.untraced.per_second / self.bare.per_second,
            ),
            f"| bare workflows, same steps | {self.bare.workflows} | {self.bare.seconds:.1f} |"
            f" {self.bare.per_second:.2f} | 1 |",
            "",
            "Steps per run: "
            + ", ".join(f"{k} {v}" for k, v in self.bare.steps.items())
            + ". Decisions: "
            + ", ".join(f"{k} {v}" for k, v in sorted(self.traced.decisions.items()))
            + ".",
            "",
            "Seconds in each stage (tracing on):",
            "",
            "| stage | stays | p50 s | p99 s |",
            "|---|---:|---:|---:|",
            *(_latency_row(stage, latency) for stage, latency in self.traced.stage_seconds.items()),
            "",
            "Peak resident memory, MiB:",
            "",
            "| process | tracing on | tracing off |",
            "|---|---:|---:|",
            *(
                f"| {role} | {mib:.0f} | {self.untraced.peak_rss_mib.get(role, 0):.0f} |"
                for role, mib in self.traced.peak_rss_mib.items()
            ),
            *(
                f"| {role if role.startswith('bare') else f'{role} (bare run)'} | {mib:.0f} | |"
                for role, mib in self.bare.peak_rss_mib.items()
            ),
            "",
            "**2. gRPC** (applicant service, tracing on, against a bare grpc.aio echo server"
            " with the same payload sizes)",
            "",
            "| method | bytes in/out | concurrency | service req/s | echo req/s | ratio |"
            " service p99 ms | echo p99 ms | p99 ratio |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
            *(
                f"| {c.method} | {c.request_bytes}/{c.response_bytes} | {c.service.concurrency}"
                f" | {c.service.per_second:.0f} | {c.echo.per_second:.0f} |"
                f" {c.throughput_ratio:.3f} | {c.service.latency.p99 * 1000:.1f} |"
                f" {c.echo.latency.p99 * 1000:.1f} | {c.p99_ratio:.1f} |"
                for c in self.api
            ),
            "",
            "**3. Visibility lag** (CompleteTask returned → GetApplication shows the new stage)",
            "",
            "| samples | p50 ms | p99 ms |",
            "|---:|---:|---:|",
            f"| {self.visibility.lag_seconds.count} | {self.visibility.lag_seconds.p50 * 1000:.0f}"
            f" | {self.visibility.lag_seconds.p99 * 1000:.0f} |",
            "",
            f"**4. Tracing cost**: tracing off carries {self.tracing_cost:.2f}× the applications"
            " per second of tracing on.",
            "",
            "**5. Upload memory** (one document streamed through the gateway's multipart route to"
            " the applicant service, beside the gateway's own size just before)",
            "",
            "| upload MiB | seconds | gateway RSS before MiB | peak MiB | rise MiB"
            " | rise ÷ upload |",
            "|---:|---:|---:|---:|---:|---:|",
            f"| {self.upload.upload_bytes / 2**20:.0f} | {self.upload.seconds:.1f} |"
            f" {self.upload.gateway_rss_before_mib:.1f} | {self.upload.gateway_rss_peak_mib:.1f} |"
            f" {self.upload.rise_mib:.1f} | {self.upload.rise_ratio:.3f} |",
            "",
            "**6. Signature verification** (one signed submission verified as the service does:"
            " CMS, chain, CRL, signer bound; beside a bare RSA verification of the same"
            " statement)",
            "",
            "| verifications | full ms | bare RSA ms | full ÷ bare |",
            "|---:|---:|---:|---:|",
            f"| {self.signatures.verifications} | {self.signatures.verify_ms:.2f} |"
            f" {self.signatures.bare_ms:.3f} | {self.signatures.ratio:.0f} |",
            "",
            "**7. The ops pages over a long run's span file** (the index read once, then only"
            " what was appended; beside the old page, which read and parsed the whole file per"
            " request)",
            "",
            "| span file MiB | spans | old page s | index first read s | ops page ms"
            " | trace page ms | index memory MiB | old ÷ new |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|",
            f"| {self.ops_views.span_file_mib:.0f} | {self.ops_views.spans} |"
            f" {self.ops_views.baseline_seconds:.2f} | {self.ops_views.cold_seconds:.2f} |"
            f" {self.ops_views.ops_page_ms:.1f} | {self.ops_views.trace_page_ms:.2f} |"
            f" {self.ops_views.index_rss_mib:.0f} | {self.ops_views.ratio:.0f} |",
            "",
            "**8. The ops dashboard** (GET /portal/ops with the run's applications, aggregated by"
            " the services; beside the old page's way: every application listed and counted by"
            f" stage in the gateway; goal under {GOAL_MS:.0f} ms at 1,000 applications)",
            "",
            "| applications | samples | page p50 ms | page p90 ms | listing p50 ms"
            " | listing ÷ page |",
            "|---:|---:|---:|---:|---:|---:|",
            f"| {self.dashboard.applications} | {self.dashboard.samples} |"
            f" {self.dashboard.page_p50_ms:.1f} | {self.dashboard.page_p90_ms:.1f} |"
            f" {self.dashboard.listing_p50_ms:.1f} | {self.dashboard.ratio:.1f} |",
        ]
        return "\n".join(lines) + "\n"

    def write(self, directory: Path) -> tuple[Path, Path]:
        directory.mkdir(parents=True, exist_ok=True)
        as_json, as_markdown = directory / "bench.json", directory / "bench.md"
        as_json.write_text(self.to_json())
        as_markdown.write_text(self.to_markdown())
        return as_json, as_markdown


def _run_row(label: str, run: PipelineRun, ratio: float) -> str:
    return (
        f"| {label} | {run.applications} | {run.seconds:.1f} | {run.per_second:.2f} | {ratio:.3f} |"
    )


def _latency_row(label: str, latency: Latency) -> str:
    return f"| {label} | {latency.count} | {latency.p50:.1f} | {latency.p99:.1f} |"
