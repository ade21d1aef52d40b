"""The whole embedded stack as separate processes (`ecopermit up`), for the tests that need
every part running as it does for a user."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psutil

from ecopermit.runtime.esign.local_authority import LocalAuthority, local_principal
from ecopermit.runtime.identity import Role
from ecopermit.runtime.line_files import files_oldest_first
from ecopermit.runtime.settings import Settings
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.stack_process import stack_running
from ecopermit.trace_view import SpanLine, read_spans
from tests.conftest import ENTERPRISE_BIN
from tests.waiting import until


@dataclass
class Stack:
    environment: dict[str, str]
    issuer: TokenIssuer
    # The stack's own local signing authority (<data_dir>/esign), which its services trust.
    authority: LocalAuthority

    @property
    def spans_file(self) -> Path:
        return Path(self.environment["ECOPERMIT_DATA_DIR"]) / "traces.jsonl"

    def metric_points(self, name: str) -> list[dict[str, Any]]:
        """Every exported data point of a metric, from every process, oldest first."""
        points: list[dict[str, Any]] = []
        lines = [
            line
            for file in files_oldest_first(self.spans_file.with_name("metrics.jsonl"))
            for line in file.read_text().splitlines()
        ]
        for line in lines:
            with contextlib.suppress(json.JSONDecodeError):
                for resource in json.loads(line)["resource_metrics"]:
                    for scope in resource["scope_metrics"]:
                        for metric in scope["metrics"]:
                            if metric["name"] == name:
                                points += metric["data"]["data_points"]
        return points

    async def metric_until(
        self, name: str, matching: Callable[[dict[str, Any]], bool]
    ) -> dict[str, Any]:
        async def look() -> tuple[dict[str, Any] | None, object]:
            points = self.metric_points(name)
            found = [p for p in points if matching(p)]
            return (found[-1] if found else None), len(points)

        return await until(look, f"a {name} point that matches")

    def address(self, service: str) -> str:
        return f"127.0.0.1:{self.environment[f'ECOPERMIT_{service}_PORT']}"

    def token(self, role: Role, subject: str) -> str:
        enterprise = ENTERPRISE_BIN if role is Role.APPLICANT else None
        return self.issuer.mint(local_principal(subject, role, enterprise))

    async def spans_until(
        self, ready: Callable[[list[SpanLine]], bool], what: str
    ) -> list[SpanLine]:
        async def look() -> tuple[list[SpanLine] | None, object]:
            spans = read_spans(self.spans_file)
            return (spans if ready(spans) else None), len(spans)

        return await until(look, f"the span file to show {what}")


@contextlib.asynccontextmanager
async def running_stack(environment: dict[str, str]) -> AsyncIterator[Stack]:
    """`ecopermit up` until every component is healthy; Ctrl-C (SIGINT) when done."""
    async with stack_running(environment, start_timeout=90):
        settings = Settings(data_dir=Path(environment["ECOPERMIT_DATA_DIR"]))
        yield Stack(
            environment,
            TokenIssuer.from_settings(settings),
            LocalAuthority.in_directory(settings.esign_path()),
        )


def component_process(up_pid: int, *command_words: str) -> psutil.Process:
    """The child of `ecopermit up` whose command line holds these words, in order."""
    for child in psutil.Process(up_pid).children():
        if " ".join(command_words) in " ".join(child.cmdline()):
            return child
    raise AssertionError(f"no child of ecopermit up runs {command_words}")
