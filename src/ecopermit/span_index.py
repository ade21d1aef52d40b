"""The span files followed, for the ops pages: read once, then only what was appended since.

The ops page used to read and parse the whole span file on every request (7.8 s at 76 MB). The
index keeps, per trace, a summary and where its lines are (file, offset, length) — not the
spans themselves, so a hundred megabytes of spans costs a few tens of megabytes of memory — and
a refresh reads only the bytes written since the last one. A trace page reads its own lines
back. A file is known by its inode and its first line (a deleted file's inode is soon reused),
which rotation keeps, so a file renamed to `.1` is not read again; a trace that lost lines with
the oldest file is dropped, as it can no longer be shown whole.
"""

from __future__ import annotations

import heapq
import json
import os
import threading
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from ecopermit.runtime.line_files import files_oldest_first
from ecopermit.runtime.tracing import APPLICATION_ID
from ecopermit.trace_view import SpanLine, parse_span, span_ids


@dataclass(slots=True)
class TraceSummary:
    trace_id: str
    start: str  # the earliest span's start; the SDK writes UTC ISO 8601, which sorts as text
    first: str  # that span's name
    application: str
    spans: int = 0
    # (file, offset, length) of each of its lines
    places: list[tuple[FileKey, int, int]] = field(default_factory=list, repr=False)


# A span file: its inode and its first line.
FileKey = tuple[int, bytes]
_FIRST_LINE_BYTES = 512


class SpanIndex:
    """Safe to share between threads: one refresh at a time."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lines_read = 0  # every line parsed since the index was made (for tests, bench)
        self._read_to: dict[FileKey, int] = {}  # bytes read, in whole lines
        self._paths: dict[FileKey, Path] = {}  # where each file is now
        self._traces: dict[str, TraceSummary] = {}
        self._lock = threading.Lock()

    def refresh(self) -> None:
        with self._lock:
            # Each file is known and read through one handle, so a rotation between the two
            # cannot put one file's lines under another's name.
            opened = [handle for path in files_oldest_first(self.path) if (handle := _open(path))]
            try:
                # A file with no whole first line yet has nothing to read.
                keyed = [(key, handle) for handle in opened if (key := _key(handle)) is not None]
                gone = self._read_to.keys() - {key for key, _ in keyed}
                if gone:
                    self._forget(gone)
                self._paths = {key: Path(handle.name) for key, handle in keyed}
                for key, handle in keyed:
                    self._read_new(key, handle)
            finally:
                for handle in opened:
                    handle.close()

    def recent(self, limit: int) -> list[TraceSummary]:
        """The traces that started last, newest first."""
        with self._lock:  # a refresh in another thread may be adding traces
            return heapq.nlargest(limit, self._traces.values(), key=lambda t: t.start)

    def spans_of(self, trace_id: str) -> list[SpanLine]:
        """A trace's spans, read back from their lines; empty if it is not in the files."""
        with self._lock:
            summary = self._traces.get(trace_id)
            if summary is None:
                return []
            by_file: dict[FileKey, list[tuple[int, int]]] = defaultdict(list)
            for key, offset, length in summary.places:
                by_file[key].append((offset, length))
            spans = []
            for key, places in by_file.items():
                with self._paths[key].open("rb") as lines:
                    for offset, length in sorted(places):
                        lines.seek(offset)
                        spans.append(parse_span(json.loads(lines.read(length))))
            return spans

    def _read_new(self, key: FileKey, lines: BinaryIO) -> None:
        position = self._read_to.get(key, 0)
        lines.seek(position)
        for line in lines:
            if not line.endswith(b"\n"):
                break  # still being written: the next refresh reads it whole
            self._add(line, key, position)
            position += len(line)
        self._read_to[key] = position

    def _add(self, line: bytes, key: FileKey, offset: int) -> None:
        self.lines_read += 1
        try:
            raw = json.loads(line)
            trace_id, _ = span_ids(raw)
            start, name = str(raw["start_time"]), str(raw["name"])
        except (ValueError, KeyError, TypeError):
            return  # a line cut short by a process that died
        summary = self._traces.get(trace_id)
        if summary is None:
            summary = self._traces[trace_id] = TraceSummary(trace_id, start, name, "")
        elif start < summary.start:
            summary.start, summary.first = start, name
        if not summary.application:
            summary.application = str((raw.get("attributes") or {}).get(APPLICATION_ID, ""))
        summary.spans += 1
        summary.places.append((key, offset, len(line)))

    def _forget(self, gone: set[FileKey]) -> None:
        for key in gone:
            del self._read_to[key]
        self._traces = {
            trace_id: summary
            for trace_id, summary in self._traces.items()
            if not any(place[0] in gone for place in summary.places)
        }


def _open(path: Path) -> BinaryIO | None:
    try:
        return path.open("rb")
    except FileNotFoundError:  # rotated away between listing and opening
        return None


def _key(lines: BinaryIO) -> FileKey | None:
    """The open file's identity; None while it has no whole first line (nothing to read)."""
    lines.seek(0)
    first = lines.readline(_FIRST_LINE_BYTES)
    if not first.endswith(b"\n") and len(first) < _FIRST_LINE_BYTES:
        return None
    return os.fstat(lines.fileno()).st_ino, first
