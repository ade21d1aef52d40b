"""`ecopermit bench`: every benchmark in one run, each beside its baseline, on fresh stacks."""

from __future__ import annotations

import asyncio
import tempfile
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from ecopermit.bench.api import compare_with_echo, visibility_lag
from ecopermit.bench.dashboard import dashboard_page
from ecopermit.bench.ops_views import ops_views
from ecopermit.bench.pipeline import carry_pipeline, run_bare
from ecopermit.bench.report import BenchReport
from ecopermit.bench.signature_cost import signature_cost
from ecopermit.bench.stacks import bench_stack
from ecopermit.bench.upload_memory import gateway_upload_memory
from ecopermit.demo.dataset import scaled_applications


@dataclass(frozen=True)
class BenchOptions:
    applications: int
    day_seconds: float
    requests: int
    concurrency: int
    lag_samples: int
    stall_seconds: float
    upload_mib: int
    signatures: int
    span_file_mib: int

    def command(self) -> str:
        return (
            f"ecopermit bench --n {self.applications} --day-seconds {self.day_seconds}"
            f" --requests {self.requests} --concurrency {self.concurrency}"
            f" --lag-samples {self.lag_samples} --upload-mib {self.upload_mib}"
            f" --signatures {self.signatures} --span-file-mib {self.span_file_mib}"
        )


async def run_bench(options: BenchOptions, console: Console) -> BenchReport:
    pending = scaled_applications(options.applications)
    with tempfile.TemporaryDirectory(prefix="ecopermit-bench-") as scratch:
        work = Path(scratch)
        console.rule("Stack with tracing on")
        async with bench_stack(work / "traced", options.day_seconds, tracing=True) as stack:
            with console.status(f"3. visibility lag: {options.lag_samples} tasks, one by one"):
                lag = await visibility_lag(stack.settings, options.lag_samples)
            console.print(f"1. pipeline: {len(pending)} applications, tracing on")
            traced, shapes = await carry_pipeline(stack, pending, console, options.stall_seconds)
            with console.status(
                f"2. gRPC: {options.requests} requests a method at {options.concurrency} at once"
            ):
                api = await compare_with_echo(stack.settings, options.requests, options.concurrency)
            with console.status(f"5. upload memory: {options.upload_mib} MiB through the gateway"):
                upload = await gateway_upload_memory(
                    stack.settings, stack.up.pid, options.upload_mib * 1024 * 1024
                )
            with console.status("8. the ops dashboard over the run's applications"):
                dashboard = await dashboard_page(stack.settings)
        console.rule("Stack with tracing off")
        async with bench_stack(work / "untraced", options.day_seconds, tracing=False) as stack:
            console.print(f"4. pipeline: {len(pending)} applications, tracing off")
            untraced, _ = await carry_pipeline(stack, pending, console, options.stall_seconds)
        console.rule("Bare Temporal")
        console.print(f"1. baseline: {len(shapes)} bare workflows through the same steps")
        bare = await run_bare(shapes, work / "bare", console)
    with console.status(f"6. signatures: {options.signatures} verifications, then bare RSA"):
        signatures = await signature_cost(options.signatures)
    with console.status(f"7. ops pages over {options.span_file_mib} MiB of spans"):
        views = await asyncio.to_thread(ops_views, options.span_file_mib)
    return BenchReport(
        command=options.command(),
        day_seconds=options.day_seconds,
        traced=traced,
        untraced=untraced,
        bare=bare,
        api=api,
        visibility=lag,
        upload=upload,
        signatures=signatures,
        ops_views=views,
        dashboard=dashboard,
    )
