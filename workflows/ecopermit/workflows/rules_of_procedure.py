"""The rules of procedure as versioned data: stage terms, required documents, risk thresholds."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.domain.inspection_risk import RiskThresholds
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb

RULES_DIRECTORY = Path(__file__).with_name("rules")


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


@cache
def all_rules(directory: Path = RULES_DIRECTORY) -> dict[str, RulesOfProcedure]:
    rules = {r.version: r for r in map(parse_rules, sorted(directory.glob("*.toml")))}
    if not rules:
        raise RulesError(f"no rules of procedure in {directory}")
    return rules


def rules_in_force(on: date, directory: Path = RULES_DIRECTORY) -> RulesOfProcedure:
    """The version an application submitted on that day starts under."""
    in_force = [
        r for r in all_rules(directory).values() if date.fromisoformat(r.in_force_from) <= on
    ]
    if not in_force:
        raise RulesError(f"no rules of procedure in force on {on.isoformat()}")
    return max(in_force, key=lambda r: r.in_force_from)
