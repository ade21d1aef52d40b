"""The ops dashboard as the page shows it: the services' aggregates turned into rows, bars and
a stage-by-region table, labelled in the person's language."""

from __future__ import annotations

from dataclasses import dataclass

from ecopermit.applicants.v1 import applicant_service_pb2 as applicants_api
from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.reviews.v1 import review_service_pb2 as reviews_api
from ecopermit.services.gateway.portal.labels import enum_label
from ecopermit.type.v1 import kazakhstan_pb2 as kz


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: its label, its value, and its length as a share of the longest."""

    label: str
    value: float
    share: float  # 0..1


@dataclass(frozen=True)
class Turnaround:
    stage: str
    left: int
    p50_hours: float
    p90_hours: float
    p50_share: float
    p90_share: float


@dataclass(frozen=True)
class Dashboard:
    applications: int
    by_stage: list[Bar]
    by_region: list[Bar]
    # The stage-by-region table: the stages that have applications, and per region its counts.
    stages: list[str]
    regions: list[tuple[str, list[int], int]]
    turnaround: list[Turnaround]
    lapsed: list[applicants_api.ApplicationAlert]
    near_deadline: list[applicants_api.ApplicationAlert]
    stuck: list[applicants_api.ApplicationAlert]
    work: list[reviews_api.TaskKindCount]
    idle: list[reviews_pb.Task]


def bars(totals: dict[str, float]) -> list[Bar]:
    """Bars for labelled totals, the largest first."""
    top = max(totals.values(), default=0) or 1
    ordered = sorted(totals.items(), key=lambda item: (-item[1], item[0]))
    return [Bar(label, value, value / top) for label, value in ordered]


def of(
    figures: applicants_api.GetApplicationStatisticsResponse,
    work: reviews_api.GetTaskStatisticsResponse,
    lang: str,
) -> Dashboard:
    def stage(value: int) -> str:
        return enum_label(lang, applicants_pb.Stage, value)

    def region(value: int) -> str:
        return enum_label(lang, kz.Region, value) or "—"

    by_stage: dict[int, int] = {}
    by_region: dict[int, dict[int, int]] = {}
    for row in figures.by_stage_region:
        by_stage[row.stage] = by_stage.get(row.stage, 0) + row.count
        counts = by_region.setdefault(row.region, {})
        counts[row.stage] = counts.get(row.stage, 0) + row.count
    stages = sorted(by_stage)
    regions = sorted(
        (
            (region(number), [counts.get(s, 0) for s in stages], sum(counts.values()))
            for number, counts in by_region.items()
        ),
        key=lambda row: (-row[2], row[0]),
    )
    slowest = max((t.p90_hours for t in figures.turnaround), default=0) or 1
    return Dashboard(
        applications=figures.applications,
        by_stage=bars({stage(s): n for s, n in by_stage.items()}),
        by_region=bars({name: total for name, _, total in regions}),
        stages=[stage(s) for s in stages],
        regions=regions,
        turnaround=[
            Turnaround(
                stage(t.stage),
                t.left,
                t.p50_hours,
                t.p90_hours,
                t.p50_hours / slowest,
                t.p90_hours / slowest,
            )
            for t in figures.turnaround
        ],
        lapsed=list(figures.lapsed),
        near_deadline=list(figures.near_deadline),
        stuck=list(figures.stuck),
        work=sorted(work.by_kind, key=lambda k: -(k.open + k.claimed)),
        idle=list(work.idle),
    )
