"""The ops view of traces in the terminal: every span of an application as a timing waterfall.

Reads the JSONL span file the embedded stack writes (one span per line, from every process).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from ecopermit.runtime.line_files import files_oldest_first
from ecopermit.runtime.tracing import APPLICATION_ID, STAGE

_BAR_WIDTH = 40


@dataclass(frozen=True)
class SpanLine:
    trace_id: str
    span_id: str
    parent_id: str | None
    name: str
    service: str
    start: datetime
    end: datetime
    attributes: dict[str, object] = field(default_factory=dict)
    links: tuple[str, ...] = ()  # trace ids this span links to

    @property
    def milliseconds(self) -> float:
        return (self.end - self.start).total_seconds() * 1000


def read_spans(path: Path) -> list[SpanLine]:
    """Every span in the file and its rotated predecessors, oldest first; a line cut short by
    a process that died is skipped."""
    spans: list[SpanLine] = []
    for file in files_oldest_first(path):
        with file.open(encoding="utf-8") as lines:
            for line in lines:
                try:
                    raw = json.loads(line)
                except json.JSONDecodeError:
                    continue
                spans.append(parse_span(raw))
    return spans


def span_ids(raw: dict[str, object]) -> tuple[str, str]:
    """(trace id, span id) of a span as the SDK writes it."""
    context = raw["context"]
    assert isinstance(context, dict)
    return _hex(context["trace_id"]), _hex(context["span_id"])


def parse_span(raw: dict[str, object]) -> SpanLine:
    trace_id, span_id = span_ids(raw)
    resource = raw.get("resource")
    service = ""
    if isinstance(resource, dict):
        service = str(resource.get("attributes", {}).get("service.name", ""))
    links = raw.get("links") or []
    assert isinstance(links, list)
    return SpanLine(
        trace_id=trace_id,
        span_id=span_id,
        parent_id=_hex(raw["parent_id"]) if raw.get("parent_id") else None,
        name=str(raw["name"]),
        service=service.removeprefix("ecopermit-"),
        start=datetime.fromisoformat(str(raw["start_time"])),
        end=datetime.fromisoformat(str(raw["end_time"])),
        attributes=dict(raw.get("attributes") or {}),  # type: ignore[call-overload]
        links=tuple(_hex(link["context"]["trace_id"]) for link in links),
    )


def _hex(identifier: object) -> str:
    # The SDK's JSON writes ids as 0x-prefixed hex; traceparent headers and UIs do not.
    return str(identifier).removeprefix("0x")


def traces_by_id(spans: Iterable[SpanLine]) -> dict[str, list[SpanLine]]:
    grouped: dict[str, list[SpanLine]] = defaultdict(list)
    for span in spans:
        grouped[span.trace_id].append(span)
    return grouped


def traces_of_application(spans: list[SpanLine], application_id: str) -> list[list[SpanLine]]:
    """The application's traces, oldest first: its submission's and every later one."""
    traces = traces_by_id(spans)
    chosen = [
        trace
        for trace in traces.values()
        if any(span.attributes.get(APPLICATION_ID) == application_id for span in trace)
    ]
    return sorted(chosen, key=lambda trace: min(span.start for span in trace))


def in_tree_order(trace: list[SpanLine]) -> Iterator[tuple[int, SpanLine]]:
    """(depth, span) depth first, children by start time; orphans (parent in another process's
    unflushed buffer, or in another trace) start at depth 0."""
    ids = {span.span_id for span in trace}
    children: dict[str | None, list[SpanLine]] = defaultdict(list)
    for span in trace:
        parent = span.parent_id if span.parent_id in ids else None
        children[parent].append(span)

    def walk(parent: str | None, depth: int) -> Iterator[tuple[int, SpanLine]]:
        for span in sorted(children[parent], key=lambda s: (s.start, s.name)):
            yield depth, span
            yield from walk(span.span_id, depth + 1)

    yield from walk(None, 0)


def waterfall(trace: list[SpanLine]) -> Table:
    """One row per span: the tree of names, the service, the duration and a bar on the timeline."""
    begin = min(span.start for span in trace)
    total = max((max(span.end for span in trace) - begin).total_seconds(), 1e-6)
    table = Table(
        title=f"trace {trace[0].trace_id}  ({len(trace)} spans, {total * 1000:.0f} ms)",
        title_justify="left",
        show_edge=False,
    )
    table.add_column("span", no_wrap=True)
    table.add_column("service", style="cyan", no_wrap=True)
    table.add_column("ms", justify="right", min_width=7)
    table.add_column("timeline", no_wrap=True)
    for depth, span in in_tree_order(trace):
        offset = int((span.start - begin).total_seconds() / total * _BAR_WIDTH)
        width = max(1, round(span.milliseconds / 1000 / total * _BAR_WIDTH))
        bar = Text(" " * offset) + Text("█" * min(width, _BAR_WIDTH - offset), style="green")
        label = "  " * depth + _short(span.name)
        stage = span.attributes.get(STAGE)
        if stage and span.name.startswith("stage "):
            label += f"  [{stage}]"
        if span.links:
            label += "  ↪ linked"
        table.add_row(label, span.service, f"{span.milliseconds:.1f}", bar)
    return table


def _short(name: str) -> str:
    """SQLite spans are named after the whole file path; its file name says enough."""
    verb, _, target = name.partition(" ")
    return f"{verb} {Path(target).name}" if target.startswith("/") else name


def summary(spans: list[SpanLine], limit: int) -> Table:
    """The most recent traces, one line each, with the application they are about."""
    table = Table(title="recent traces", title_justify="left", show_edge=False)
    for column in ("started", "trace id", "application", "first span", "spans", "ms"):
        table.add_column(column, no_wrap=True)
    traces = sorted(
        traces_by_id(spans).values(), key=lambda t: min(s.start for s in t), reverse=True
    )
    for trace in traces[:limit]:
        first = min(trace, key=lambda s: s.start)
        end = max(s.end for s in trace)
        application = next(
            (str(s.attributes[APPLICATION_ID]) for s in trace if APPLICATION_ID in s.attributes),
            "",
        )
        table.add_row(
            first.start.strftime("%Y-%m-%d %H:%M:%S"),
            first.trace_id,
            application,
            _short(first.name),
            str(len(trace)),
            f"{(end - first.start).total_seconds() * 1000:.0f}",
        )
    return table


def show(console: Console, path: Path, application_id: str | None, limit: int) -> int:
    """Prints the waterfall of an application's traces, or a list of recent traces."""
    spans = read_spans(path)
    if not spans:
        console.print(f"no spans in {path}")
        return 1
    if application_id is None:
        console.print(summary(spans, limit))
        return 0
    traces = traces_of_application(spans, application_id)
    if not traces:
        console.print(f"no trace of application {application_id} in {path}")
        return 1
    for trace in traces:
        console.print(waterfall(trace))
    return 0
