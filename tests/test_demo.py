"""The main job: `ecopermit demo` carries the 22 pending applications to the decisions the data
set implies, through the public API of a real stack; and the data set itself."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import sys
from collections import Counter
from pathlib import Path

import grpc
import pytest
from rich.console import Console

from ecopermit.applicants.v1 import applicant_service_pb2 as applicants_api
from ecopermit.applicants.v1 import applicant_service_pb2_grpc
from ecopermit.applicants.v1 import resources_pb2 as pb
from ecopermit.demo.dataset import REQUIRED_DOCUMENTS, pending_applications
from ecopermit.demo.run import Outcome, results_table
from ecopermit.domain.bat_assessment import DeclaredValue, assess
from ecopermit.domain.business_id import is_valid_bin
from ecopermit.runtime.identity import Role
from ecopermit.type.v1 import kazakhstan_pb2 as kz
from tests.running_stack import Stack, running_stack
from tests.waiting import until

# The whole stack as processes, over its own SQLite files: once per `make test`.
pytestmark = pytest.mark.processes

DECISIONS = {
    "approved": pb.STAGE_APPROVED,
    "refused": pb.STAGE_REFUSED,
    "withdrawn": pb.STAGE_WITHDRAWN,
}


def test_the_data_set_is_the_22_pending_applications_in_a_realistic_mix() -> None:
    pending = pending_applications()
    assert len(pending) == 22
    assert all(is_valid_bin(p.bin) for p in pending)
    assert len({p.bin for p in pending}) == 22
    assert {p.sector for p in pending} == set(kz.Sector.keys()[1:])  # every Category I industry
    assert Counter(p.expected for p in pending) == {"approved": 20, "refused": 1, "withdrawn": 1}
    assert sum(bool(p.missing) for p in pending) >= 3  # incomplete at first submission
    assert all(set(p.missing) <= set(REQUIRED_DOCUMENTS) for p in pending)
    above = []
    for p in pending:
        declared = [
            DeclaredValue(s.id, s.type, kz.Pollutant.Value(e.pollutant), e.mg_nm3, e.oxygen_percent)
            for s in p.sources
            for e in s.emissions
        ]
        if assess(kz.Sector.Value(p.sector), p.thermal_input_mw, declared).programme_required:
            above.append(p.key)
    # Existing plants: many above the benchmarks (needing a programme or the expert's word).
    assert len(above) >= 8
    assert all(p.key in above for p in pending if p.programme or p.programme_on_return)
    assert all(p.key in above for p in pending if p.expert_override)


def test_tonnes_flows_and_hours_of_the_data_set_agree() -> None:
    for pending in pending_applications():
        for source in pending.sources:
            assert 0 < source.hours <= 8760, (pending.key, source.id)
            for emission in source.emissions:
                expected = emission.mg_nm3 * source.flow_nm3_h * source.hours / 1e9
                assert source.tonnes(emission) == pytest.approx(expected, abs=0.05)
        # A boiler's dry flue gas at 6% O2 is about 350 Nm3 per GJ: 1,260 Nm3/h per MWth.
        if pending.thermal_input_mw:
            [flow] = {s.flow_nm3_h for s in pending.sources}
            assert flow == pytest.approx(pending.thermal_input_mw * 1260, rel=0.05), pending.key


def demo_command(results: Path) -> list[str]:
    return [sys.executable, "-m", "ecopermit", "demo", "--output", str(results)]


async def demo_to_the_end(environment: dict[str, str], results: Path) -> tuple[int, str]:
    """`ecopermit demo` against the running stack until it ends: exit code and what it printed."""
    demo = await asyncio.create_subprocess_exec(
        *demo_command(results),
        "--stall-timeout",
        "300",
        env={**environment, "COLUMNS": "200"},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    # No wall clock here: the demo gives up itself when no application moves (--stall-timeout)
    # and says which it was waiting on.
    output, _ = await demo.communicate()
    assert demo.returncode is not None
    return demo.returncode, output.decode()


async def test_the_demo_carries_all_22_to_the_decisions_the_data_set_implies(
    stack_environment: dict[str, str], tmp_path: Path
) -> None:
    environment = {**stack_environment, "ECOPERMIT_STATUTORY_DAY_SECONDS": "0.25"}
    results = tmp_path / "results.json"
    async with running_stack(environment) as stack:
        code, printed = await demo_to_the_end(environment, results)
        assert code == 0, printed
        assert "22 of 22 decided (22 as the data set implies)" in printed
        outcomes = json.loads(results.read_text())
        await _each_decision_is_in_the_applicants_service(stack, outcomes)
    assert len(outcomes) == 22
    by_key = {o["key"]: o for o in outcomes}
    for pending in pending_applications():
        outcome = by_key[pending.key]
        assert outcome["decision"] == pending.expected, outcome
        assert bool(outcome["permit"]) == (pending.expected == "approved")
        assert len(outcome["trace_id"]) == 32
    permits = [o["permit"] for o in outcomes if o["permit"]]
    assert len(permits) == len(set(permits)) == 20
    assert by_key["zhezkazgan-copper"]["bat_verdict"] == "overridden"
    # Above the EU benchmark: with the programme its remarks asked for, or, for the one that
    # disagreed and had the remark withdrawn, without one.
    assert by_key["ekibastuz-power"]["bat_verdict"] == "above (programme)"
    assert by_key["pavlodar-chp"]["bat_verdict"] == "above (no programme)"
    # The statute's sequence, as the scripted people took it.
    for pending in pending_applications():
        path = by_key[pending.key]["stages"]
        if pending.missing:
            assert path[:4] == ["submitted", "completeness", "not_accepted", "completeness"], path
        if pending.expected == "approved":
            assert path[-3:-1] == ["applicant_answer", "decision"] or (
                path[-4:-1] == ["applicant_answer", "disagreement_resolution", "decision"]
            ), path
        assert ("disagreement_resolution" in path) == bool(pending.disagree), path
        assert ("transboundary_consultation" in path) == pending.transboundary, path
        assert "site_inspection" not in path
    refused = by_key["pavlodar-refinery"]["stages"]
    assert refused[-4:] == ["decision", "preliminary_decision", "refusal_hearing", "refused"]
    # The public asked its questions at the hearings held during the expertise.
    for pending in pending_applications():
        if pending.public_comment and pending.expected != "withdrawn":
            assert by_key[pending.key]["hearing"] == "2 question(s)", by_key[pending.key]


async def _each_decision_is_in_the_applicants_service(
    stack: Stack, outcomes: list[dict[str, str]]
) -> None:
    ops = (("authorization", f"Bearer {stack.token(Role.OPS, 'auditor')}"),)
    async with grpc.aio.insecure_channel(stack.address("APPLICANTS")) as channel:
        applicants = applicant_service_pb2_grpc.ApplicantServiceStub(channel)
        for outcome in outcomes:
            found = await applicants.GetApplication(
                applicants_api.GetApplicationRequest(name=f"applications/{outcome['application']}"),
                metadata=ops,
            )
            assert found.application.stage == DECISIONS[outcome["expected"]]


async def test_killing_the_stack_mid_demo_loses_nothing_and_duplicates_nothing(
    stack_environment: dict[str, str], tmp_path: Path
) -> None:
    environment = {**stack_environment, "ECOPERMIT_STATUTORY_DAY_SECONDS": "0.25"}
    results = tmp_path / "results.json"
    async with running_stack(environment) as stack:
        interrupted = await asyncio.create_subprocess_exec(
            *demo_command(results),
            env=environment,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        await _until_some_are_in_review(stack)
        # The whole stack goes down mid-demo (Ctrl-C), its people with it.
    with contextlib.suppress(ProcessLookupError):  # it may have given up on its own
        interrupted.kill()
    assert await interrupted.wait() != 0
    assert not results.exists()
    # Up again on the same data directory: the workflows resume from Temporal's SQLite file,
    # and the people, run again, find the same 22 applications.
    async with running_stack(environment):
        code, printed = await demo_to_the_end(environment, results)
    assert code == 0, printed
    outcomes = json.loads(results.read_text())
    assert len({o["application"] for o in outcomes}) == 22
    assert all(o["decision"] == o["expected"] for o in outcomes)
    permits = [o["permit"] for o in outcomes if o["permit"]]
    assert len(permits) == len(set(permits)) == 20  # no application got a second permit


async def _until_some_are_in_review(stack: Stack) -> None:
    ops = (("authorization", f"Bearer {stack.token(Role.OPS, 'auditor')}"),)
    async with grpc.aio.insecure_channel(stack.address("APPLICANTS")) as channel:
        applicants = applicant_service_pb2_grpc.ApplicantServiceStub(channel)

        async def look() -> tuple[bool | None, object]:
            listed = await applicants.ListApplications(
                applicants_api.ListApplicationsRequest(page_size=100), metadata=ops
            )
            stages = sorted(pb.Stage.Name(a.stage) for a in listed.applications)
            beyond = [a for a in listed.applications if a.stage >= pb.STAGE_TECHNICAL_REVIEW]
            return (True if len(beyond) >= 5 else None), stages

        await until(look, "five applications past the completeness check")


def test_the_results_read_whole_in_an_80_column_terminal_and_when_piped() -> None:
    outcomes = [
        Outcome(
            application="0f4c2a9e-5b1d-4c1e-9f0a-3d2b1c0e9f8a",
            key=f"KZ-PAV-{n:02d}",
            enterprise="Pavlodar Aluminium Smelter JSC",
            sector="aluminium",
            bat_verdict="above BAT-AEL",
            hearing="3 questions",
            decision="approved",
            expected="approved",
            permit=f"KZ-KEP-2026-{n:06d}",
            statutory_days=47.0,
            trace_id="0af7651916cd43dd8448eb211c80319c",
            stages=[],
        )
        for n in range(1, 4)
    ]
    for width in (80, 200):
        piped = Console(file=io.StringIO(), width=width, force_terminal=False)
        piped.print(results_table(outcomes, piped.width))
        printed = piped.file.getvalue()  # type: ignore[attr-defined]
        assert "…" not in printed
        assert all(len(line) <= width for line in printed.splitlines())
        for n in range(1, 4):
            assert f"KZ-KEP-2026-{n:06d}" in printed  # the permit number, whole
        assert ("0af7651916cd43dd" in printed) is (width == 200)  # the rest is in the JSON
