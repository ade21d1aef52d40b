"""The rules of procedure from kep-2026.2 on, the statute's sequence, as versioned data.

Every term, list and ground carries its legal source and a confidence tag ("✔", "◐", "?", or
"internal" for an internal target), so that what the statute says and what the Committee chose
stay apart, in the data and on the README's procedure table.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.workflows.rules_of_procedure import RULES_DIRECTORY, RulesError

CONFIDENCE_TAGS = frozenset({"✔", "◐", "?", "internal"})
UNITS = frozenset({"working", "calendar"})
HEARING_FORMS = frozenset({"open_meeting", "public_discussion"})
TERM_NAMES = (
    "completeness",
    "state_expertise",
    "open_meeting_notice",
    "public_discussion",
    "hearing_protocol",
    "remarks",
    "disagreement",
    "decision",
    "objection",
    "transboundary_follow_up",
    "escalation",
    "reminder_before",
)


@dataclass(frozen=True)
class Sourced:
    source: str
    confidence: str


@dataclass(frozen=True)
class Term:
    days: int
    unit: str  # "working" or "calendar"
    source: str
    confidence: str


@dataclass(frozen=True)
class Terms:
    completeness: Term
    state_expertise: Term
    open_meeting_notice: Term
    public_discussion: Term
    hearing_protocol: Term
    remarks: Term
    disagreement: Term
    decision: Term
    objection: Term
    transboundary_follow_up: Term
    escalation: Term
    reminder_before: Term


@dataclass(frozen=True)
class RefusalGroundRule:
    ground: int  # RefusalGround value
    source: str
    confidence: str


@dataclass(frozen=True)
class StatutoryRules:
    version: str
    in_force_from: str  # ISO date
    working_hours: str  # "09:00-18:30": after them, or on a day off, registration is next day
    registration: Sourced
    terms: Terms
    hearing_form: str  # "open_meeting" or "public_discussion"
    hearing: Sourced
    transboundary: Sourced
    required_documents: list[int]  # DocumentKind values
    expertise_parts: list[int]  # TaskKind values
    refusal_grounds: list[RefusalGroundRule]


def _tagged(path: Path, key: str, table: dict[str, Any]) -> Sourced:
    confidence = str(table["confidence"])
    if confidence not in CONFIDENCE_TAGS:
        raise RulesError(f"{path.name}: {key}: confidence {confidence!r} is not a known tag")
    if not str(table["source"]).strip():
        raise RulesError(f"{path.name}: {key}: no source")
    return Sourced(str(table["source"]), confidence)


def _term(path: Path, name: str, table: dict[str, Any]) -> Term:
    tag = _tagged(path, f"terms.{name}", table)
    days, unit = int(table["days"]), str(table["unit"])
    if days < 0:
        raise RulesError(f"{path.name}: terms.{name}: negative term")
    if unit not in UNITS:
        raise RulesError(f"{path.name}: terms.{name}: unit {unit!r} is not working or calendar")
    return Term(days, unit, tag.source, tag.confidence)


def _enum_values(path: Path, key: str, names: list[str], enum: Any) -> list[int]:
    values = []
    for name in names:
        try:
            values.append(int(enum.Value(name)))
        except ValueError as error:
            raise RulesError(f"{path.name}: {key}: unknown value {name!r}") from error
    return values


def _refusal_ground(path: Path, table: dict[str, Any]) -> RefusalGroundRule:
    [ground] = _enum_values(path, "refusal_ground", [table["ground"]], reviews_pb.RefusalGround)
    tag = _tagged(path, f"refusal_ground {table['ground']}", table)
    return RefusalGroundRule(ground, tag.source, tag.confidence)


def parse_statutory_rules(path: Path) -> StatutoryRules:
    """Reads one rules file of the statute's sequence, refusing anything malformed or unsourced
    with the file and key named."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        terms = Terms(**{name: _term(path, name, data["terms"][name]) for name in TERM_NAMES})
        hearing = data["hearing"]
        grounds = data["refusal_ground"]
        registration = data["registration"]
        rules = StatutoryRules(
            version=str(data["version"]),
            in_force_from=str(data["in_force_from"]),
            working_hours=f"{registration['opens']}-{registration['closes']}",
            registration=_tagged(path, "registration", registration),
            terms=terms,
            hearing_form=str(hearing["form"]),
            hearing=_tagged(path, "hearing", hearing),
            transboundary=_tagged(path, "transboundary", data["transboundary"]),
            required_documents=_enum_values(
                path,
                "completeness.required_documents",
                data["completeness"]["required_documents"],
                applicants_pb.DocumentKind,
            ),
            expertise_parts=_enum_values(
                path, "state_expertise.parts", data["state_expertise"]["parts"], reviews_pb.TaskKind
            ),
            refusal_grounds=[_refusal_ground(path, ground) for ground in grounds],
        )
    except (KeyError, TypeError, tomllib.TOMLDecodeError) as error:
        raise RulesError(f"{path.name}: malformed rules of procedure: {error}") from error
    if rules.version != path.stem:
        raise RulesError(f"{path.name}: version {rules.version!r} differs from the file name")
    if rules.hearing_form not in HEARING_FORMS:
        raise RulesError(f"{path.name}: hearing.form {rules.hearing_form!r} is not a known form")
    _tagged(path, "completeness", data["completeness"])
    _tagged(path, "state_expertise", data["state_expertise"])
    return rules


@cache
def statutory_rules(version: str, directory: Path = RULES_DIRECTORY) -> StatutoryRules:
    path = directory / f"{version}.toml"
    if not path.is_file():
        raise RulesError(f"no rules of procedure {version!r} in {directory}")
    return parse_statutory_rules(path)
