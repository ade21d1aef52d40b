"""Benchmark 7: the ops pages over a span file of a long-running stack (100 MB by default),
beside their baseline, what the pages did before: read and parse the whole file per request.

The spans are the SDK's own JSON lines (a request span with a database child, an application
id on the first), copied with fresh trace ids up to the size asked for.
"""

from __future__ import annotations

import gc
import heapq
import os
import secrets
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor

from ecopermit.runtime.line_files import RotatingLines
from ecopermit.runtime.telemetry import one_line_span
from ecopermit.runtime.tracing import APPLICATION_ID
from ecopermit.span_index import SpanIndex
from ecopermit.trace_view import read_spans, traces_by_id

# What the ops page shows, and what a minute of a busy stack appends between two looks.
_RECENT = 30
_APPENDED_REQUESTS = 100
_TEMPLATE_REQUESTS = 500
_WARM_SAMPLES = 10


@dataclass(frozen=True)
class OpsViews:
    span_file_mib: float
    spans: int
    baseline_seconds: float  # read_spans + group + sort: the old page, per request
    cold_seconds: float  # the index's first refresh (once per gateway process)
    ops_page_ms: float  # refresh after new spans + the recent traces, per request (median)
    trace_page_ms: float  # one trace's spans read back (median)
    index_rss_mib: float  # the gateway's resident memory for the index

    @property
    def ratio(self) -> float:
        """How many ops page requests now cost what one did before."""
        return self.baseline_seconds * 1000 / self.ops_page_ms


def write_traced_requests(lines: RotatingLines, first: int, count: int) -> None:
    """Real SDK span lines, as the services export them: "request <n>" spans, each with an
    application id and a database child (the benchmark's templates, and the tests' spans)."""
    provider = TracerProvider()
    exporter = ConsoleSpanExporter(out=lines, formatter=one_line_span)  # type: ignore[arg-type]
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("ecopermit.bench")
    for number in range(first, first + count):
        with tracer.start_as_current_span(f"request {number}") as span:
            span.set_attribute(APPLICATION_ID, f"application-{number}")
            with tracer.start_as_current_span("SELECT applications"):
                pass
    provider.shutdown()


def _templates(path: Path) -> list[str]:
    lines = RotatingLines(path, 2**40, backups=1)
    write_traced_requests(lines, 0, _TEMPLATE_REQUESTS)
    lines.close()
    templates = path.read_text().splitlines(keepends=True)
    path.unlink()
    return templates


def _append(path: Path, templates: list[str], target_bytes: int) -> int:
    """Span lines copied with fresh trace ids until the file holds target_bytes; how many."""
    written = 0
    size = path.stat().st_size if path.exists() else 0
    with path.open("a", encoding="utf-8") as out:
        while size < target_bytes:
            ids: dict[str, str] = {}
            for line in templates:
                old = line.split('"trace_id": "0x', 1)[1][:32]
                new = ids.setdefault(old, secrets.token_hex(16))
                fresh = line.replace(old, new)
                out.write(fresh)
                size += len(fresh)
                written += 1
    return written


def _median_ms(samples: list[float]) -> float:
    return sorted(samples)[len(samples) // 2] * 1000


def ops_views(span_file_mib: int) -> OpsViews:
    with tempfile.TemporaryDirectory(prefix="ecopermit-bench-spans-") as scratch:
        path = Path(scratch) / "traces.jsonl"
        templates = _templates(Path(scratch) / "templates.jsonl")
        spans = _append(path, templates, span_file_mib * 1024 * 1024)

        started = time.perf_counter()
        grouped = traces_by_id(read_spans(path)).values()
        heapq.nlargest(_RECENT, grouped, key=lambda t: min(s.start for s in t))
        baseline = time.perf_counter() - started
        del grouped
        gc.collect()

        process = psutil.Process(os.getpid())
        before = process.memory_info().rss
        index = SpanIndex(path)
        started = time.perf_counter()
        index.refresh()
        cold = time.perf_counter() - started
        index_rss = (process.memory_info().rss - before) / 2**20

        ops_page, trace_page = [], []
        for _ in range(_WARM_SAMPLES):
            appended = templates[: 2 * _APPENDED_REQUESTS]
            spans += _append(path, appended, path.stat().st_size + 1)
            started = time.perf_counter()
            index.refresh()
            recent = index.recent(_RECENT)
            ops_page.append(time.perf_counter() - started)
            started = time.perf_counter()
            index.spans_of(recent[-1].trace_id)
            trace_page.append(time.perf_counter() - started)
        return OpsViews(
            span_file_mib=path.stat().st_size / 2**20,
            spans=spans,
            baseline_seconds=baseline,
            cold_seconds=cold,
            ops_page_ms=_median_ms(ops_page),
            trace_page_ms=_median_ms(trace_page),
            index_rss_mib=index_rss,
        )
