"""The rules of procedure as versioned data: which version is in force on a day, and the
kep-2026.1 rules (stage terms, required documents, risk thresholds) that PermitApplicationWorkflow
runs; statutory_rules.py reads the versions from kep-2026.2 on."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import cache
from pathlib import Path

from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.domain.business_calendar import KAZAKHSTAN, BusinessCalendar
from ecopermit.domain.inspection_risk import RiskThresholds
from ecopermit.domain.registration import WorkingHours, registration_day
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.workflows import contract

RULES_DIRECTORY = Path(__file__).with_name("rules")
# The workflow type of kep-2026.1, which rules files before the workflow key meant.
LEGACY_WORKFLOW = contract.WORKFLOW_NAME


@dataclass(frozen=True)
class ProcedureVersion:
    """What every rules file says of itself: enough to register an application under it."""

    version: str
    in_force_from: date
    workflow: str  # the workflow type that carries applications under it
    working_hours: WorkingHours | None  # None: registered on the day of arrival


@dataclass(frozen=True)
class Registration:
    day: date
    version: ProcedureVersion


@dataclass(frozen=True)
class StageTerms:
    """Working days per stage, except where the name says calendar days."""

    completeness: int
    technical_review: int
    bat_review: int
    site_inspection: int
    comment_disposition: int
    decision: int
    refusal_hearing: int
    escalation: int
    reminder_before: int
    consultation_calendar_days: int
    inspection_lead: int


@dataclass(frozen=True)
class RulesOfProcedure:
    version: str
    in_force_from: str  # ISO date
    terms: StageTerms
    required_documents: list[int]  # DocumentKind values
    technical_review_tasks: list[int]  # TaskKind values
    risk: RiskThresholds


class RulesError(ValueError):
    """A rules file is missing or malformed; the message names the file and the problem."""


def _enum_values(names: list[str], enum: object, path: Path, key: str) -> list[int]:
    values = []
    for name in names:
        try:
            values.append(int(enum.Value(name)))  # type: ignore[attr-defined]
        except ValueError as error:
            raise RulesError(f"{path.name}: {key}: unknown value {name!r}") from error
    return values


def parse_rules(path: Path) -> RulesOfProcedure:
    """Reads one rules file, refusing anything malformed with the file and key named."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        terms = StageTerms(**{k: int(v) for k, v in data["terms"].items()})
        rules = RulesOfProcedure(
            version=str(data["version"]),
            in_force_from=date.fromisoformat(str(data["in_force_from"])).isoformat(),
            terms=terms,
            required_documents=_enum_values(
                data["completeness"]["required_documents"],
                applicants_pb.DocumentKind,
                path,
                "completeness.required_documents",
            ),
            technical_review_tasks=_enum_values(
                data["technical_review"]["tasks"], reviews_pb.TaskKind, path, "technical_review"
            ),
            risk=RiskThresholds(**{k: int(v) for k, v in data["risk"].items()}),
        )
    except (KeyError, TypeError, tomllib.TOMLDecodeError) as error:
        raise RulesError(f"{path.name}: malformed rules of procedure: {error}") from error
    if rules.version != path.stem:
        raise RulesError(f"{path.name}: version {rules.version!r} differs from the file name")
    negative = [name for name, value in vars(terms).items() if value < 0]
    if negative:
        raise RulesError(f"{path.name}: negative terms: {', '.join(negative)}")
    return rules


def _working_hours(table: dict[str, str]) -> WorkingHours:
    return WorkingHours(time.fromisoformat(table["opens"]), time.fromisoformat(table["closes"]))


def _parse_version(path: Path) -> ProcedureVersion:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        hours = data.get("registration")
        version = ProcedureVersion(
            version=str(data["version"]),
            in_force_from=date.fromisoformat(str(data["in_force_from"])),
            workflow=str(data.get("workflow", LEGACY_WORKFLOW)),
            working_hours=_working_hours(hours) if hours else None,
        )
    except (KeyError, TypeError, ValueError, tomllib.TOMLDecodeError) as error:
        raise RulesError(f"{path.name}: malformed rules of procedure: {error}") from error
    if version.version != path.stem:
        raise RulesError(f"{path.name}: version {version.version!r} differs from the file name")
    return version


@cache
def procedure_versions(directory: Path = RULES_DIRECTORY) -> dict[str, ProcedureVersion]:
    versions = {v.version: v for v in map(_parse_version, sorted(directory.glob("*.toml")))}
    if not versions:
        raise RulesError(f"no rules of procedure in {directory}")
    return versions


def _latest(versions: list[ProcedureVersion], on: date) -> ProcedureVersion:
    in_force = [v for v in versions if v.in_force_from <= on]
    if not in_force:
        raise RulesError(f"no rules of procedure in force on {on.isoformat()}")
    return max(in_force, key=lambda v: v.in_force_from)


def version_in_force(on: date, directory: Path = RULES_DIRECTORY) -> ProcedureVersion:
    """The version an application registered on that day runs under, to its end."""
    return _latest(list(procedure_versions(directory).values()), on)


def register(
    arrived: datetime, calendar: BusinessCalendar, directory: Path = RULES_DIRECTORY
) -> Registration:
    """The registration day of an application arriving then, and the version it runs under.

    The working hours are those of the version in force when it arrives; the version it runs
    under is the one in force on the day it is registered.
    """
    arriving_under = version_in_force(arrived.astimezone(KAZAKHSTAN).date(), directory)
    day = registration_day(arrived, calendar, arriving_under.working_hours)
    return Registration(day, version_in_force(day, directory))


def _legacy_versions(directory: Path) -> list[ProcedureVersion]:
    return [v for v in procedure_versions(directory).values() if v.workflow == LEGACY_WORKFLOW]


@cache
def all_rules(directory: Path = RULES_DIRECTORY) -> dict[str, RulesOfProcedure]:
    """The kep-2026.1-shaped versions, which PermitApplicationWorkflow runs."""
    legacy = _legacy_versions(directory)
    rules = {r.version: r for r in (parse_rules(directory / f"{v.version}.toml") for v in legacy)}
    if not rules:
        raise RulesError(f"no rules of procedure in {directory}")
    return rules


def rules_in_force(on: date, directory: Path = RULES_DIRECTORY) -> RulesOfProcedure:
    """The kep-2026.1-shaped version a PermitApplicationWorkflow submitted that day starts
    under. Such workflows start no longer once kep-2026.2 is in force; those already running
    recorded their rules in their histories."""
    return all_rules(directory)[_latest(_legacy_versions(directory), on).version]
