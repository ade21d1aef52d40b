"""The public register of permits: what a search asks for, and the register as a CSV file."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC
from urllib.parse import urlencode

from starlette.requests import Request

from ecopermit.applicants.v1 import resources_pb2 as applicants_pb
from ecopermit.services.gateway.portal.labels import enum_label, labels, local_time
from ecopermit.type.v1 import kazakhstan_pb2 as kz

# A cell that a spreadsheet would read as a formula (CSV injection, OWASP): made text.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class RegisterQuery:
    """A search of the register: words in the facility's name or the permit's number, and a
    region and a sector by their names in the contract ("" for any)."""

    text: str = ""
    region: str = ""
    sector: str = ""

    @classmethod
    def of(cls, request: Request) -> RegisterQuery:
        params = request.query_params
        region = params.get("region", "")
        sector = params.get("sector", "")
        # An unknown region or sector is refused as the form's own mistake, not ignored.
        if region and region not in kz.Region.keys()[1:]:
            raise ValueError(f"no region {region!r}")
        if sector and sector not in kz.Sector.keys()[1:]:
            raise ValueError(f"no sector {sector!r}")
        return cls(" ".join(params.get("q", "").split())[:200], region, sector)

    def matches(self, application: applicants_pb.Application) -> bool:
        """Whether the words are in the facility's name or the permit's number (the region
        and the sector are asked of the service)."""
        if not self.text:
            return True
        words = f"{application.facility.display_name} {application.permit}".casefold()
        return all(word in words for word in self.text.casefold().split())

    def encoded(self) -> str:
        names = {"text": "q", "region": "region", "sector": "sector"}
        return urlencode({names[k]: v for k, v in vars(self).items() if v})


def written(entries: Sequence[applicants_pb.Application], lang: str) -> str:
    """The register as CSV in the person's language, with a byte-order mark so that a
    spreadsheet opens Kazakh and Russian text as UTF-8."""
    t = labels(lang)
    out = io.StringIO()
    out.write("\ufeff")
    table = csv.writer(out)
    table.writerow(
        [t[key] for key in ("permit", "facility", "address", "region", "sector", "issued")]
    )
    for entry in entries:
        issued = entry.update_time.ToDatetime(tzinfo=UTC) if entry.update_time.seconds else None
        table.writerow(
            [
                _as_text(entry.permit.removeprefix("permits/")),
                _as_text(entry.facility.display_name),
                _as_text(entry.facility.address),
                enum_label(lang, kz.Region, entry.facility.region),
                enum_label(lang, kz.Sector, entry.sector),
                local_time(lang, issued) if issued else "",
            ]
        )
    return out.getvalue()


def _as_text(cell: str) -> str:
    return f"'{cell}" if cell.startswith(_FORMULA_START) else cell
