"""The portal's forms as contract messages: what a person typed and uploaded, checked and typed."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePath

from ecopermit.applicants.v1 import resources_pb2 as pb
from ecopermit.type.v1 import kazakhstan_pb2 as kz

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
ALLOWED_SUFFIXES = frozenset({".pdf", ".docx", ".xlsx", ".zip", ".png", ".jpg", ".jpeg"})
SOURCE_ROWS = 4
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
        raise FormError(f"{name}: only {allowed} files are accepted")
    if not upload.size_bytes:
        raise FormError(f"{name} is empty")
    if upload.size_bytes > MAX_UPLOAD_BYTES:
        raise FormError(f"{name} is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MiB")
    return pb.Document(
        kind=kind,  # type: ignore[arg-type]
        file_name=name,
        sha256=upload.sha256,
        size_bytes=upload.size_bytes,
    )


def documents_of(uploads: Iterable[Upload]) -> list[pb.Document]:
    documents = []
    for upload in uploads:
        kind_name = upload.field.removeprefix("document_")
        kind = pb.DocumentKind.Value(kind_name) if kind_name in _DOCUMENT_KIND_NAMES else 0
        if kind not in DOCUMENT_KINDS:
            raise FormError(f"unknown document field {upload.field}")
        documents.append(document_of(kind, upload))
    return documents


def _number(form: Mapping[str, str], key: str, label: str) -> float:
    try:
        return float(form.get(key, "").replace(",", "."))
    except ValueError:
        raise FormError(f"{label}: a number is needed") from None


def sources_of(form: Mapping[str, str]) -> list[pb.EmissionSource]:
    """Rows of (source, type, pollutant, values); rows of one source id form one source."""
    sources: dict[str, pb.EmissionSource] = {}
    for row in range(SOURCE_ROWS):
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
            raise FormError(f"row {row + 1}: choose a pollutant")
        source.emissions.add(
            pollutant=kz.Pollutant.Value(pollutant),
            concentration_mg_nm3=_number(form, f"concentration_{row}", f"row {row + 1}"),
            oxygen_percent=_number(form, f"oxygen_{row}", f"row {row + 1}"),
            annual_tonnes=_number(form, f"tonnes_{row}", f"row {row + 1}"),
        )
    if not sources:
        raise FormError("declare at least one emission source")
    return list(sources.values())


def application_of(
    form: Mapping[str, str], enterprise_bin: str, uploads: Iterable[Upload]
) -> pb.Application:
    if form.get("region") not in _REGION_NAMES:
        raise FormError("choose a region")
    if form.get("sector") not in _SECTOR_NAMES:
        raise FormError("choose a sector")
    return pb.Application(
        enterprise=f"enterprises/{enterprise_bin}",
        facility=pb.Facility(
            display_name=form.get("facility_name", "").strip(),
            address=form.get("facility_address", "").strip(),
            region=form["region"],
            rated_thermal_input_mw=_number(form, "thermal_input", "thermal input"),
        ),
        sector=form["sector"],
        emission_sources=sources_of(form),
        documents=documents_of(uploads),
    )
