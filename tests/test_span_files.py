"""The embedded stack's span and metric files as ops live with them: bounded on disk however long
the stack runs, written by several processes without a line lost or torn, and the ops pages
reading only what is new."""

from __future__ import annotations

import json
import multiprocessing
from pathlib import Path

from ecopermit.bench.ops_views import write_traced_requests
from ecopermit.runtime.line_files import RotatingLines, files_oldest_first
from ecopermit.span_index import SpanIndex
from ecopermit.trace_view import read_spans

LINE = "x" * 180


def _write_lines(path: Path, writer: str, count: int, max_bytes: int, backups: int) -> None:
    lines = RotatingLines(path, max_bytes, backups)
    for number in range(count):
        lines.write(json.dumps({"writer": writer, "n": number, "pad": LINE}) + "\n")
    lines.close()


def test_two_processes_appending_lose_no_line_and_the_files_stay_bounded(tmp_path: Path) -> None:
    path = tmp_path / "traces.jsonl"
    max_bytes, backups, each = 256 * 1024, 20, 4000  # 2 x 4000 x ~220 B: several rotations
    context = multiprocessing.get_context("spawn")
    writers = [
        context.Process(target=_write_lines, args=(path, name, each, max_bytes, backups))
        for name in ("applicants", "reviews")
    ]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
        assert writer.exitcode == 0
    files = files_oldest_first(path, backups)
    assert len(files) > 3  # it did rotate
    seen: dict[str, list[int]] = {"applicants": [], "reviews": []}
    for file in files:
        for line in file.read_text().splitlines():
            record = json.loads(line)  # whole lines only: none torn between writers
            seen[record["writer"]].append(record["n"])
    assert {name: sorted(numbers) for name, numbers in seen.items()} == {
        "applicants": list(range(each)),
        "reviews": list(range(each)),
    }
    # A writer that has not yet seen a rotation appends to the renamed file for up to a second.
    assert all(file.stat().st_size < 2 * max_bytes for file in files)


def test_a_long_run_keeps_only_the_newest_files(tmp_path: Path) -> None:
    path = tmp_path / "traces.jsonl"
    max_bytes, backups = 64 * 1024, 2
    _write_lines(path, "worker", 5000, max_bytes, backups)  # about 17 times what is kept
    files = files_oldest_first(path, backups)
    assert [f.name for f in files] == ["traces.jsonl.2", "traces.jsonl.1", "traces.jsonl"]
    assert sum(f.stat().st_size for f in files) <= (backups + 1) * (max_bytes + 256)
    last = json.loads(path.read_text().splitlines()[-1])
    assert last["n"] == 4999


def test_files_beyond_a_lowered_number_of_backups_are_removed_at_the_next_rotation(
    tmp_path: Path,
) -> None:
    path = tmp_path / "traces.jsonl"
    _write_lines(path, "worker", 3000, 64 * 1024, 5)
    assert len(files_oldest_first(path)) == 6
    _write_lines(path, "worker", 400, 64 * 1024, 2)  # the setting lowered to 2
    assert [f.name for f in files_oldest_first(path)] == [
        "traces.jsonl.2",
        "traces.jsonl.1",
        "traces.jsonl",
    ]


def test_the_ops_pages_read_only_what_was_appended_and_follow_rotation(tmp_path: Path) -> None:
    path = tmp_path / "traces.jsonl"
    lines = RotatingLines(path, 256 * 1024, backups=1)
    write_traced_requests(lines, 0, 100)
    index = SpanIndex(path)
    index.refresh()
    assert index.lines_read == 200
    newest = index.recent(3)
    assert [t.first for t in newest] == ["request 99", "request 98", "request 97"]
    assert (newest[0].application, newest[0].spans) == ("application-99", 2)
    assert {s.name for s in index.spans_of(newest[0].trace_id)} == {
        "request 99",
        "SELECT applications",
    }

    write_traced_requests(lines, 100, 10)
    index.refresh()
    assert index.lines_read == 220  # the 20 new lines, not the file again
    assert index.recent(1)[0].first == "request 109"
    index.refresh()
    assert index.lines_read == 220

    # Enough to rotate twice: the first file is deleted, and its traces leave the index.
    write_traced_requests(lines, 110, 1500)
    index.refresh()
    kept = {span.trace_id for span in read_spans(path)}
    assert {t.trace_id for t in index.recent(10_000)} <= kept
    assert index.recent(1)[0].first == "request 1609"
    assert not any(t.first == "request 0" for t in index.recent(10_000))
    assert index.lines_read <= 2 * (100 + 10 + 1500)  # no line read twice
    lines.close()
