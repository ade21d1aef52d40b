"""JSON-lines files that several processes append to and that never grow without bound: the
embedded stack's span and metric files.

Each process holds its own handle. When the file passes its size limit, the writer that notices
renames it to `<name>.1` (shifting older ones to `.2`, `.3`, ... and deleting the oldest) under
a lock file, as logrotate would; every writer notices the path now names another file and
reopens it, as logging's WatchedFileHandler does. Lines are written whole with one write each,
so writers interleave lines, never parts of lines.
"""

from __future__ import annotations

import fcntl
import os
import time
from pathlib import Path
from typing import IO

# How often a writer looks whether another process rotated the file under it.
_MOVED_CHECK_SECONDS = 1.0
# The most older files a deployment may keep (settings.traces_file_backups); readers look for
# this many.
MAX_BACKUPS = 20


def rotated(path: Path, number: int) -> Path:
    return path.with_name(f"{path.name}.{number}")


def files_oldest_first(path: Path, backups: int = MAX_BACKUPS) -> list[Path]:
    """The file and its rotated predecessors that exist, oldest first: the order to read in."""
    candidates = [rotated(path, n) for n in range(backups, 0, -1)] + [path]
    return [candidate for candidate in candidates if candidate.exists()]


class RotatingLines:
    """A text file to append lines to, rotated at max_bytes, keeping `backups` older files.
    Has what a writer of lines calls (write, flush, close), as a file opened for appending."""

    def __init__(self, path: Path, max_bytes: int, backups: int) -> None:
        self.path = path
        self.max_bytes = max_bytes
        self.backups = backups
        path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self._open()
        self._checked = time.monotonic()

    def _open(self) -> IO[str]:
        return self.path.open("a", buffering=1, encoding="utf-8")

    def write(self, text: str) -> int:
        now = time.monotonic()
        if now - self._checked > _MOVED_CHECK_SECONDS:
            self._checked = now
            self._reopen_if_moved()
        written = self._file.write(text)
        if self._file.tell() > self.max_bytes:
            self._rotate()
        return written

    def flush(self) -> None:
        self._file.flush()

    def close(self) -> None:
        self._file.close()

    def _reopen_if_moved(self) -> None:
        try:
            current = os.stat(self.path).st_ino
        except FileNotFoundError:
            current = -1
        if current != os.fstat(self._file.fileno()).st_ino:
            self._file.close()
            self._file = self._open()

    def _rotate(self) -> None:
        with self.path.with_name(f"{self.path.name}.lock").open("a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                mine = os.fstat(self._file.fileno()).st_ino
                # Another writer may have rotated it first: then only reopen.
                if self.path.exists() and os.stat(self.path).st_ino == mine:
                    self._shift()
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
        self._file.close()
        self._file = self._open()
        self._checked = time.monotonic()

    def _shift(self) -> None:
        if self.backups == 0:
            self.path.unlink()
            return
        # Older files than are kept now (the setting may have been lowered) go too.
        for number in range(self.backups, MAX_BACKUPS + 1):
            rotated(self.path, number).unlink(missing_ok=True)
        for number in range(self.backups - 1, 0, -1):
            older = rotated(self.path, number)
            if older.exists():
                older.rename(rotated(self.path, number + 1))
        self.path.rename(rotated(self.path, 1))
