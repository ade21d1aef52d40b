"""What the permit workflows write for people: reasons, BAT summaries, the names of things."""

from __future__ import annotations

from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.type.v1 import kazakhstan_pb2
from ecopermit.workflows import contract
from ecopermit.workflows.activity_messages import BatFindings, Milestone, SourcePollutant


def reasons(completion: contract.TaskCompletion) -> str:
    """The reasons a task's outcome gave, from its comments and findings."""
    parts = [completion.comments.strip()] if completion.comments.strip() else []
    parts += [f"{f.subject}: {f.text}" if f.subject else f.text for f in completion.findings]
    return "; ".join(parts) or "no reasons given"


def kind_name(kind: int) -> str:
    return reviews_pb.TaskKind.Name(kind).removeprefix("TASK_KIND_").lower()


def outcome_name(outcome: int) -> str:
    return reviews_pb.TaskOutcome.Name(outcome).removeprefix("TASK_OUTCOME_").lower()


def ground_name(ground: int) -> str:
    return reviews_pb.RefusalGround.Name(ground).removeprefix("REFUSAL_GROUND_").lower()


def pollutant_name(pollutant: int) -> str:
    return kazakhstan_pb2.Pollutant.Name(pollutant).removeprefix("POLLUTANT_")


def bat_summary(findings: BatFindings) -> str:
    return (
        f"{len(findings.above)} above the upper bound, {findings.within} within, "
        f"{findings.below} below range, {findings.no_bat_ael} without a BAT-AEL "
        f"(catalogue {findings.catalogue_version})"
    )


def uncovered(above: list[SourcePollutant], programme: list[Milestone]) -> list[SourcePollutant]:
    """The values above their BAT-AEL that no efficiency programme milestone covers: one
    covers a value when it is for the source (or the whole installation) and the pollutant (or
    every pollutant)."""
    return [
        value
        for value in above
        if not any(
            m.source_id in ("", value.source_id) and m.pollutant in (0, value.pollutant)
            for m in programme
        )
    ]
