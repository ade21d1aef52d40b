"""The portal's forms as contract messages: what a person typed and uploaded, checked and typed."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import PurePath

from google.protobuf import json_format
from google.type import date_pb2

from ecopermit.applicants.v1 import resources_pb2 as pb
from ecopermit.type.v1 import kazakhstan_pb2 as kz

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ALLOWED_SUFFIXES = frozenset({".pdf", ".docx", ".xlsx", ".zip", ".png", ".jpg", ".jpeg"})
# Rows a new form starts with, and the most a form takes (the request's field limit allows it).
SOURCE_ROWS = 2
MILESTONE_ROWS = 1
MAX_ROWS = 20
# The kinds the form asks for, in the order the rules of procedure list them.
DOCUMENT_KINDS = [
    pb.DOCUMENT_KIND_PROJECT_DOCUMENTATION,
    pb.DOCUMENT_KIND_DRAFT_EMISSION_STANDARDS,
    pb.DOCUMENT_KIND_WASTE_PROGRAMME,
    pb.DOCUMENT_KIND_PRODUCTION_CONTROL_PROGRAMME,
    pb.DOCUMENT_KIND_BAT_GAP_ANALYSIS,
    pb.DOCUMENT_KIND_EFFICIENCY_PROGRAMME,
]


_DOCUMENT_KIND_NAMES = frozenset(pb.DocumentKind.keys())
_POLLUTANT_NAMES = frozenset(kz.Pollutant.keys()[1:])
_REGION_NAMES = frozenset(kz.Region.keys()[1:])
_SECTOR_NAMES = frozenset(kz.Sector.keys()[1:])


class FormError(ValueError):
    """What is wrong with a form, in words for the person who filled it in."""


@dataclass(frozen=True)
class Problem:
    """One thing to put right, shown at its field and in the summary: the form field's name
    ("" for the form as a whole), the message's label key, and what the message names."""

    field: str
    key: str
    detail: str = ""


class FormProblemsError(FormError):
    """Everything wrong with a form at once, so the person fixes it in one round."""

    def __init__(self, problems: list[Problem]) -> None:
        super().__init__("; ".join(f"{p.field}: {p.key} {p.detail}".strip() for p in problems))
        self.problems = problems


@dataclass(frozen=True)
class Upload:
    """A file of the form, as the browser sent it: its field, name, hash and size. The bytes
    stay in the form's spooled file until they are uploaded."""

    field: str
    file_name: str
    sha256: str
    size_bytes: int


def document_of(kind: int, upload: Upload) -> pb.Document:
    """The document as the application cites it: kind, name, SHA-256 and size."""
    name = PurePath(upload.file_name).name
    if PurePath(name).suffix.lower() not in ALLOWED_SUFFIXES:
        allowed = ", ".join(sorted(ALLOWED_SUFFIXES))
        raise FormProblemsError([Problem(upload.field, "error_file_type", f"{name} ({allowed})")])
    if not upload.size_bytes:
        raise FormProblemsError([Problem(upload.field, "error_file_empty", name)])
    if upload.size_bytes > MAX_UPLOAD_BYTES:
        limit = f"{name} ({MAX_UPLOAD_BYTES // (1024 * 1024)} MiB)"
        raise FormProblemsError([Problem(upload.field, "error_file_too_big", limit)])
    return pb.Document(
        kind=kind,  # type: ignore[arg-type]
        file_name=name,
        sha256=upload.sha256,
        size_bytes=upload.size_bytes,
    )


def documents_of(uploads: Iterable[Upload]) -> list[pb.Document]:
    """The uploads as documents; every file's problem at once."""
    documents, problems = [], []
    for upload in uploads:
        kind_name = upload.field.removeprefix("document_")
        kind = pb.DocumentKind.Value(kind_name) if kind_name in _DOCUMENT_KIND_NAMES else 0
        try:
            if kind not in DOCUMENT_KINDS:
                raise FormProblemsError([Problem(upload.field, "error_file_field")])
            documents.append(document_of(kind, upload))
        except FormProblemsError as error:
            problems += error.problems
    if problems:
        raise FormProblemsError(problems)
    return documents


@dataclass
class ApplicationForm:
    """The submission form as typed so far: its values, how many source and milestone rows it
    shows, the documents uploaded on an earlier round, and what is wrong with it."""

    values: dict[str, str]
    source_rows: int = SOURCE_ROWS
    milestone_rows: int = MILESTONE_ROWS
    carried: list[pb.Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Which form row each declared emission went to, by (source, emission) index: where a
    # contract rule broken in the application points back to.
    source_of_row: dict[tuple[int, int], int] = field(default_factory=dict)

    @classmethod
    def read(cls, fields: Mapping[str, str]) -> ApplicationForm:
        """The form as sent, with its add-a-row or remove-a-row button applied."""
        typed = cls(
            values=dict(fields),
            source_rows=row_count(fields.get("source_rows"), SOURCE_ROWS),
            milestone_rows=row_count(fields.get("milestone_rows"), MILESTONE_ROWS),
            carried=_carried(fields.get("carried", "")),
        )
        action = fields.get("action", "")
        if action == "add_source":
            typed.source_rows = min(typed.source_rows + 1, MAX_ROWS)
        elif action == "add_milestone":
            typed.milestone_rows = min(typed.milestone_rows + 1, MAX_ROWS)
        elif action.startswith("remove_source:"):
            typed.source_rows = typed._removed(_SOURCE_FIELDS, action, typed.source_rows)
        elif action.startswith("remove_milestone:"):
            typed.milestone_rows = typed._removed(_MILESTONE_FIELDS, action, typed.milestone_rows)
        return typed

    @property
    def editing(self) -> bool:
        """Whether the person asked for another row or one less, not to submit."""
        return bool(self.values.get("action"))

    def carried_json(self) -> str:
        return json.dumps([json_format.MessageToDict(d) for d in self.carried])

    def _removed(self, names: tuple[str, ...], action: str, rows: int) -> int:
        """One row fewer: the rows below move up, so what was typed in them stays."""
        gone = action.partition(":")[2]
        if not gone.isdigit() or int(gone) >= rows or rows == 1:
            return rows
        for row in range(int(gone), rows - 1):
            for name in names:
                self.values[f"{name}_{row}"] = self.values.get(f"{name}_{row + 1}", "")
        for name in names:
            self.values.pop(f"{name}_{rows - 1}", None)
        return rows - 1

    def keep(self, uploaded: Iterable[pb.Document]) -> None:
        """Documents uploaded this round join those of earlier rounds; a new upload of a kind
        replaces the earlier one."""
        kept = {d.kind: d for d in self.carried} | {d.kind: d for d in uploaded}
        self.carried = list(kept.values())

    def application(self, enterprise_bin: str) -> tuple[pb.Application, list[Problem]]:
        """The application the form describes, and everything wrong with it (the portal's own
        checks; the contract's rules are checked by problems_of on the request)."""
        problems: list[Problem] = []
        form = self.values
        for name in ("facility_name", "facility_address"):
            if not form.get(name, "").strip():
                problems.append(Problem(name, "error_required"))
        for name, allowed in (("region", _REGION_NAMES), ("sector", _SECTOR_NAMES)):
            if form.get(name) not in allowed:
                problems.append(Problem(name, "error_choose"))
        thermal_input = _number(form, "thermal_input", problems)
        application = pb.Application(
            enterprise=f"enterprises/{enterprise_bin}",
            facility=pb.Facility(
                display_name=form.get("facility_name", "").strip(),
                address=form.get("facility_address", "").strip(),
                region=form.get("region") if form.get("region") in _REGION_NAMES else None,
                rated_thermal_input_mw=thermal_input,
            ),
            sector=form.get("sector") if form.get("sector") in _SECTOR_NAMES else None,
            emission_sources=self._sources(problems),
            documents=self.carried,
            efficiency_programme=self.milestones(problems),
        )
        if not application.emission_sources and not any(p.field for p in problems):
            problems.append(Problem("source_id_0", "error_no_source"))
        return application, problems

    def _sources(self, problems: list[Problem]) -> list[pb.EmissionSource]:
        """Rows of (source, type, pollutant, values); rows of one source id form one source.
        Where each row went is kept, so a rule the contract finds broken points at its row."""
        form = self.values
        sources: dict[str, pb.EmissionSource] = {}
        self.source_of_row = {}
        for row in range(self.source_rows):
            source_id = form.get(f"source_id_{row}", "").strip()
            if not source_id:
                continue
            source = sources.setdefault(
                source_id,
                pb.EmissionSource(
                    source_id=source_id, source_type=form.get(f"source_type_{row}", "").strip()
                ),
            )
            pollutant = form.get(f"pollutant_{row}", "")
            if pollutant not in _POLLUTANT_NAMES:
                problems.append(Problem(f"pollutant_{row}", "error_choose"))
                continue
            place = (list(sources).index(source_id), len(source.emissions))
            self.source_of_row[place] = row
            source.emissions.add(
                pollutant=kz.Pollutant.Value(pollutant),
                concentration_mg_nm3=_number(form, f"concentration_{row}", problems),
                oxygen_percent=_number(form, f"oxygen_{row}", problems),
                annual_tonnes=_number(form, f"tonnes_{row}", problems),
            )
        return list(sources.values())

    def milestones(self, problems: list[Problem]) -> list[pb.ProgrammeMilestone]:
        """The efficiency programme's dated milestones, each closing a source's and
        pollutant's gap to the BAT-AEL where one is named; empty rows are left out."""
        form = self.values
        found = []
        for row in range(self.milestone_rows):
            description = form.get(f"milestone_description_{row}", "").strip()
            due = form.get(f"milestone_due_{row}", "").strip()
            if not description and not due:
                continue
            if not description:
                problems.append(Problem(f"milestone_description_{row}", "error_required"))
            milestone = pb.ProgrammeMilestone(
                description=description,
                source_id=form.get(f"milestone_source_{row}", "").strip(),
            )
            pollutant = form.get(f"milestone_pollutant_{row}", "")
            if pollutant in _POLLUTANT_NAMES:
                milestone.pollutant = kz.Pollutant.Value(pollutant)  # type: ignore[assignment]
            try:
                day = date.fromisoformat(due)
            except ValueError:
                problems.append(Problem(f"milestone_due_{row}", "error_date"))
            else:
                milestone.due_date.CopyFrom(
                    date_pb2.Date(year=day.year, month=day.month, day=day.day)
                )
            found.append(milestone)
        return found

    def field_of(self, path: str) -> str:
        """The form field a contract rule's path points at ("" when it is the whole form)."""
        path = path.removeprefix("application.")
        if path in _FACILITY_FIELDS:
            return _FACILITY_FIELDS[path]
        if found := _SOURCE_PATH.match(path):
            source, emission = int(found["source"]), int(found["emission"] or 0)
            row = self.source_of_row.get((source, emission))
            if row is not None:
                return f"{_EMISSION_FIELDS.get(found['field'], 'source_id')}_{row}"
        if found := _MILESTONE_PATH.match(path):
            name = _MILESTONE_PATH_FIELDS.get(found["field"], "description")
            return f"milestone_{name}_{found['row']}"
        return ""


def row_count(sent: str | None, default: int) -> int:
    return min(max(int(sent), 1), MAX_ROWS) if sent and sent.isdigit() else default


def _carried(sent: str) -> list[pb.Document]:
    """The documents uploaded on an earlier round of the form, as the form carries them; what
    does not parse is dropped (the person uploads it again), never trusted further: the
    service checks every cited document is the enterprise's own upload."""
    try:
        listed = json.loads(sent) if sent else []
        documents = [json_format.ParseDict(item, pb.Document()) for item in listed]
        return documents[: len(DOCUMENT_KINDS)]
    except (ValueError, TypeError, json_format.ParseError):
        return []


def _number(form: Mapping[str, str], key: str, problems: list[Problem]) -> float:
    typed = form.get(key, "").strip().replace(",", ".").replace(" ", "")
    try:
        return float(typed) if typed else 0.0
    except ValueError:
        problems.append(Problem(key, "error_number"))
        return 0.0


_SOURCE_FIELDS = ("source_id", "source_type", "pollutant", "concentration", "oxygen", "tonnes")
_MILESTONE_FIELDS = (
    "milestone_description",
    "milestone_due",
    "milestone_source",
    "milestone_pollutant",
)
_FACILITY_FIELDS = {
    "facility.display_name": "facility_name",
    "facility.address": "facility_address",
    "facility.region": "region",
    "facility.rated_thermal_input_mw": "thermal_input",
    "sector": "sector",
}
_SOURCE_PATH = re.compile(
    r"^emission_sources\[(?P<source>\d+)\](?:\.emissions\[(?P<emission>\d+)\])?"
    r"\.?(?P<field>\w*)"
)
_EMISSION_FIELDS = {
    "source_id": "source_id",
    "source_type": "source_type",
    "pollutant": "pollutant",
    "concentration_mg_nm3": "concentration",
    "oxygen_percent": "oxygen",
    "annual_tonnes": "tonnes",
}
_MILESTONE_PATH = re.compile(r"^efficiency_programme\[(?P<row>\d+)\]\.?(?P<field>\w*)")
_MILESTONE_PATH_FIELDS = {
    "description": "description",
    "due_date": "due",
    "source_id": "source",
    "pollutant": "pollutant",
}
