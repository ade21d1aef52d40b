"""`ecopermit demo`: the stack up, the 22 applications submitted and carried to decisions by the
scripted actors, a live progress per stage, then the results as a table and as JSON."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import grpc
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from ecopermit.applicants.v1 import applicant_service_pb2 as applicants_api
from ecopermit.applicants.v1 import applicant_service_pb2_grpc
from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.demo import actors
from ecopermit.demo.dataset import Pending, pending_applications
from ecopermit.domain.stages import DECIDED_STAGES, stage_name
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.reviews.v1 import review_service_pb2 as reviews_api
from ecopermit.reviews.v1 import review_service_pb2_grpc
from ecopermit.runtime.esign.embedded import embedded_authority
from ecopermit.runtime.esign.local_authority import LocalAuthority
from ecopermit.runtime.grpc.channels import service_channel
from ecopermit.runtime.grpc.health import is_serving
from ecopermit.runtime.identity import Role
from ecopermit.runtime.settings import ServiceName, Settings
from ecopermit.runtime.tokens import TokenIssuer
from ecopermit.stack_process import stack_running

# The stages of the statute's sequence in the order an application meets them; a progress bar
# follows each of the first five. A stage that waits for the applicant ranks with the stage it
# answers, and a decided one beyond them all.
_SEQUENCE = [
    (applicants_pb.STAGE_COMPLETENESS, applicants_pb.STAGE_NOT_ACCEPTED),
    (applicants_pb.STAGE_STATE_EXPERTISE, applicants_pb.STAGE_TRANSBOUNDARY_CONSULTATION),
    (applicants_pb.STAGE_REMARKS,),
    (applicants_pb.STAGE_APPLICANT_ANSWER, applicants_pb.STAGE_DISAGREEMENT_RESOLUTION),
    (applicants_pb.STAGE_DECISION, applicants_pb.STAGE_PRELIMINARY_DECISION),
    (applicants_pb.STAGE_APPROVED, applicants_pb.STAGE_REFUSED),
]
_TRACKED = [stages[0] for stages in _SEQUENCE[:-1]]
_RANK: dict[int, int] = {stage: rank for rank, stages in enumerate(_SEQUENCE) for stage in stages}


@dataclass(frozen=True)
class Outcome:
    """One line of the results: what became of an application."""

    application: str
    key: str
    enterprise: str
    sector: str
    bat_verdict: str
    hearing: str
    decision: str
    expected: str
    permit: str
    statutory_days: float
    trace_id: str
    stages: list[str]  # every stage entered, in order


@contextlib.asynccontextmanager
async def embedded_stack(
    settings: Settings, day_seconds: float, console: Console
) -> AsyncIterator[None]:
    """The running stack, or `ecopermit up` on the demo calendar until the demo is done."""
    if await is_serving(settings.service_address(ServiceName.APPLICANTS)):
        console.print("Using the stack that is already running (its own calendar applies).")
        yield
        return
    environment = {**os.environ, "ECOPERMIT_STATUTORY_DAY_SECONDS": str(day_seconds)}
    async with contextlib.AsyncExitStack() as started:
        with console.status("starting the stack: Temporal, three services, worker, gateway"):
            await started.enter_async_context(stack_running(environment))
        console.print(f"Stack up; a statutory day lasts {day_seconds} s.")
        yield


async def _outcome(office: actors.Office, application_id: str, day_seconds: float) -> Outcome:
    pending = office.by_application[application_id]
    name = f"applications/{application_id}"
    me = office.token(Role.OPS, "demo-ops")
    application = (
        await office.applicants.GetApplication(
            applicants_api.GetApplicationRequest(name=name), metadata=me
        )
    ).application
    verdict = "none"
    with contextlib.suppress(grpc.aio.AioRpcError):
        assessment = (
            await office.reviews.GetBatAssessment(
                reviews_api.GetBatAssessmentRequest(name=f"{name}/batAssessment"), metadata=me
            )
        ).bat_assessment
        expert = [r.expert_verdict or r.verdict for r in assessment.rows]
        automatic = [r.verdict for r in assessment.rows]
        above = reviews_pb.BAT_VERDICT_ABOVE_UPPER_BOUND
        programme = "programme" if application.efficiency_programme else "no programme"
        verdict = (
            f"above ({programme})"
            if above in expert
            else "overridden"
            if above in automatic
            else "no BAT-AEL"
            if all(v == reviews_pb.BAT_VERDICT_NO_BAT_AEL for v in automatic)
            else "within"
        )
    questions = await office.reviews.ListPublicComments(
        reviews_api.ListPublicCommentsRequest(parent=name, page_size=100), metadata=me
    )
    hearing = f"{len(questions.public_comments)} question(s)"
    history = list(application.stage_history)
    elapsed = (
        history[-1].enter_time.ToDatetime() - history[0].enter_time.ToDatetime()
    ).total_seconds()
    return Outcome(
        application=application_id,
        key=pending.key,
        enterprise=pending.enterprise,
        sector=pending.sector.removeprefix("SECTOR_").lower(),
        bat_verdict=verdict,
        hearing=hearing,
        decision=stage_name(application.stage),
        expected=pending.expected,
        permit=application.permit.removeprefix("permits/"),
        statutory_days=round(elapsed / day_seconds, 1),
        trace_id=office.trace_ids.get(application_id, ""),
        stages=[stage_name(entry.stage) for entry in history],
    )


def demo_authority(settings: Settings) -> LocalAuthority:
    """Whose test keys the demo's people sign with: the embedded stack's local authority."""
    authority = embedded_authority(settings)
    if authority is None:
        raise ValueError(
            "the demo's people sign with the embedded stack's test keys; run it on the "
            "embedded default (ECOPERMIT_ENVIRONMENT=embedded, its own trust store)"
        )
    return authority


async def carry_to_decisions(
    settings: Settings,
    console: Console,
    day_seconds: float,
    stall_seconds: float,
    pending: Sequence[Pending] | None = None,
    board_poll_seconds: float = 0.1,
    staff_poll_seconds: float = 0.1,
) -> list[Outcome]:
    """The applications (the 22 of the data set by default) submitted and worked by the
    scripted actors until each is decided. The actors wait out a restarting service; the run
    gives up only when no application has moved for stall_seconds (a busy machine is slow,
    not stuck), naming the applications it was still waiting on."""
    channels = [service_channel(settings, s, wait_for_ready=True) for s in ServiceName]
    office = actors.Office(
        applicant_service_pb2_grpc.ApplicantServiceStub(channels[0]),
        review_service_pb2_grpc.ReviewServiceStub(channels[1]),
        TokenIssuer.from_settings(settings),
        demo_authority(settings),
        board_poll_seconds=board_poll_seconds,
        staff_poll_seconds=staff_poll_seconds,
    )
    pending = pending_applications() if pending is None else pending
    reviewers: set[int] = {
        reviews_pb.TASK_KIND_COMPLETENESS,
        reviews_pb.TASK_KIND_TECHNICAL_AIR,
        reviews_pb.TASK_KIND_TECHNICAL_WATER,
        reviews_pb.TASK_KIND_TECHNICAL_WASTE,
        reviews_pb.TASK_KIND_STATE_EXPERTISE,
        reviews_pb.TASK_KIND_HEARING_PROTOCOL,
        reviews_pb.TASK_KIND_REMARKS,
        reviews_pb.TASK_KIND_TRANSBOUNDARY,
    }
    staff = [
        actors.desk(
            office, Role.REVIEWER, "reviewer-1", reviewers, actors.reviewer_decisions(office)
        ),
        actors.desk(
            office, Role.REVIEWER, "reviewer-2", reviewers, actors.reviewer_decisions(office)
        ),
        actors.desk(
            office,
            Role.BAT_EXPERT,
            "expert-1",
            {reviews_pb.TASK_KIND_BAT_REVIEW},
            actors.bat_expert_decisions(office),
        ),
        actors.desk(
            office,
            Role.DECISION_MAKER,
            "head-1",
            {reviews_pb.TASK_KIND_DECISION},
            actors.decision_maker_decides,
        ),
        # Another official hears a preliminary refusal (four eyes); the head of department
        # resolves disagreements with remarks and answers escalations.
        actors.desk(
            office,
            Role.DECISION_MAKER,
            "head-2",
            {reviews_pb.TASK_KIND_REFUSAL_HEARING},
            actors.hearing_upholds,
        ),
        actors.desk(
            office,
            Role.DECISION_MAKER,
            "head-3",
            {reviews_pb.TASK_KIND_DISAGREEMENT, reviews_pb.TASK_KIND_ESCALATION},
            actors.head_of_department,
        ),
        actors.public(office),
        actors.status_board(office),
    ]
    working = [asyncio.create_task(work) for work in staff]
    enterprises = [asyncio.create_task(actors.enterprise(office, p)) for p in pending]
    columns = (
        TextColumn("{task.description:<22}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    )
    try:
        with Progress(*columns, console=console) as progress:
            bars = {
                stage: progress.add_task(stage_name(stage), total=len(pending))
                for stage in _TRACKED
            }
            decided_bar = progress.add_task("decided", total=len(pending))
            reached: dict[int, set[str]] = {stage: set() for stage in _TRACKED}
            last_seen: dict[str, int] = {}
            last_move = time.monotonic()
            while not all(task.done() for task in enterprises):
                if office.stages != last_seen:
                    last_seen, last_move = dict(office.stages), time.monotonic()
                for application_id, stage in office.stages.items():
                    for tracked in _TRACKED:
                        if _RANK.get(stage, -1) >= _RANK[tracked]:
                            reached[tracked].add(application_id)
                for stage, bar in bars.items():
                    progress.update(bar, completed=len(reached[stage]))
                progress.update(
                    decided_bar,
                    completed=sum(s in DECIDED_STAGES for s in office.stages.values()),
                )
                failed = [t for t in [*enterprises, *working] if t.done() and t.exception()]
                if failed:
                    raise failed[0].exception()  # type: ignore[misc]
                if time.monotonic() - last_move > stall_seconds:
                    raise TimeoutError(_stalled(office, len(pending), stall_seconds))
                await asyncio.sleep(0.2)
            progress.update(decided_bar, completed=len(pending))
        return [await _outcome(office, a, day_seconds) for a in office.by_application]
    finally:
        office.finished.set()
        for task in [*working, *enterprises]:
            task.cancel()
        await asyncio.gather(*working, *enterprises, return_exceptions=True)
        for channel in channels:
            await channel.close()


def _stalled(office: actors.Office, expected: int, stall_seconds: float) -> str:
    waiting = sorted(
        f"{office.by_application[a].key} in {stage_name(s)}"
        for a, s in office.stages.items()
        if s not in DECIDED_STAGES and a in office.by_application
    )
    unseen = expected - len(office.stages)
    return (
        f"no application moved for {stall_seconds:.0f} s; still waiting on "
        + ", ".join(waiting[:8] + ([f"and {len(waiting) - 8} more"] if len(waiting) > 8 else []))
        + (f"; {unseen} not yet submitted" if unseen > 0 else "")
    )


# Below this many columns (a laptop terminal, or 80 when piped) the table keeps what answers
# "what became of each application"; the JSON file has every column.
_FULL_TABLE_COLUMNS = 150


def results_table(outcomes: list[Outcome], width: int) -> Table:
    """The results, every column where the terminal is wide enough, and otherwise the
    application, its enterprise, the decision, the permit and the days, none cut short."""
    full = width >= _FULL_TABLE_COLUMNS
    title = "The 22 pending applications" + ("" if full else " (every column in the JSON file)")
    table = Table(title=title, title_justify="left")
    columns = ["application", "enterprise"]
    columns += ["sector", "BAT verdict", "hearing"] if full else []
    columns += ["decision", "permit", "days"]
    columns += ["trace id"] if full else []
    for column in columns:
        # Identifiers stay whole; words wrap.
        table.add_column(column, no_wrap=column in ("application", "permit", "days", "trace id"))
    for o in sorted(outcomes, key=lambda o: o.key):
        decision = (
            o.decision
            if o.decision == o.expected
            else f"[red]{o.decision} (expected {o.expected})[/]"
        )
        cells = [o.application[:8], o.enterprise]
        cells += [o.sector, o.bat_verdict, o.hearing] if full else []
        cells += [decision, o.permit, f"{o.statutory_days:.0f}"]
        cells += [o.trace_id[:16]] if full else []
        table.add_row(*cells)
    return table


def _write_results(output: Path, outcomes: list[Outcome]) -> None:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps([asdict(o) for o in outcomes], indent=2, ensure_ascii=False))


async def run_demo(
    settings: Settings, console: Console, day_seconds: float, stall_seconds: float, output: Path
) -> int:
    started = time.monotonic()
    async with embedded_stack(settings, day_seconds, console):
        outcomes = await carry_to_decisions(settings, console, day_seconds, stall_seconds)
    console.print(results_table(outcomes, console.width))
    await asyncio.to_thread(_write_results, output, outcomes)
    decided = [o for o in outcomes if o.decision in ("approved", "refused", "withdrawn")]
    as_expected = [o for o in decided if o.decision == o.expected]
    console.print(
        f"{len(decided)} of {len(pending_applications())} decided ({len(as_expected)} as the data "
        f"set implies) in {time.monotonic() - started:.1f} s. Results: {output}"
    )
    return 0 if len(decided) == len(pending_applications()) else 1


__all__ = ["Outcome", "Pending", "run_demo"]
