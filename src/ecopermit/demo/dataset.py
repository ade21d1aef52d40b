"""The data set of the 22 pending applications, and the messages an enterprise would send; and
any number of applications like them, for load and fault runs."""

from __future__ import annotations

import dataclasses
import hashlib
import tomllib
import uuid
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from google.type import date_pb2

from ecopermit.applicants.v1 import resources_pb2 as pb
from ecopermit.demo.stand_in_documents import stand_in_pdf
from ecopermit.domain.business_id import check_digit, complete_bin, is_valid_bin
from ecopermit.type.v1 import kazakhstan_pb2 as kz

DATA = Path(__file__).with_name("pending_applications.toml")
# Request ids derive from the data set, so running the demo again finds the same applications.
_REQUESTS = uuid.UUID("3c0f8a52-1d7e-4b96-9e25-7a4d0c6b18f3")
_MG_PER_TONNE = 1e9
REQUIRED_DOCUMENTS = [
    "DOCUMENT_KIND_PROJECT_DOCUMENTATION",
    "DOCUMENT_KIND_DRAFT_EMISSION_STANDARDS",
    "DOCUMENT_KIND_WASTE_PROGRAMME",
    "DOCUMENT_KIND_PRODUCTION_CONTROL_PROGRAMME",
    "DOCUMENT_KIND_BAT_GAP_ANALYSIS",
]


@dataclass(frozen=True)
class Emission:
    pollutant: str
    mg_nm3: float  # dry, at the source's oxygen_percent
    oxygen_percent: float


@dataclass(frozen=True)
class Source:
    id: str
    type: str
    flow_nm3_h: float  # dry flue gas at the emissions' oxygen content
    hours: float  # operating hours a year
    emissions: list[Emission]

    def tonnes(self, emission: Emission) -> float:
        """Tonnes a year: concentration × flow × hours, so the three always agree."""
        return round(emission.mg_nm3 * self.flow_nm3_h * self.hours / _MG_PER_TONNE, 1)


@dataclass(frozen=True)
class Pending:
    """One enterprise's application and what its people will do along the way."""

    key: str
    enterprise: str
    bin: str
    region: str
    sector: str
    facility: str
    thermal_input_mw: float
    expected: str  # approved, refused or withdrawn
    sources: list[Source]
    missing: list[str] = field(default_factory=list)  # left out of the first submission
    programme: bool = False  # an efficiency programme comes with the first submission
    programme_on_return: bool = False
    expert_override: str = ""  # the BAT expert's reason to call an above-range value within
    public_comment: bool = False  # people ask questions at the public hearing
    remark: str = ""  # the reviewer's own remark to the enterprise
    disagree: str = ""  # the enterprise's disagreement with the remarks (EC Art. 115(6))
    transboundary: bool = False  # a neighbouring state is consulted (EC Art. 116)
    negative_expertise: bool = False
    withdraw: bool = False

    @property
    def request_id(self) -> str:
        return str(uuid.uuid5(_REQUESTS, self.key))

    def enterprise_message(self) -> pb.Enterprise:
        return pb.Enterprise(
            bin=self.bin, display_name=self.enterprise, region=self.region, sector=self.sector
        )

    def document_content(self, kind: str) -> bytes:
        """A stand-in for the scanned document: a one-page PDF of its own."""
        return stand_in_pdf(f"{self.key}: {kind}")

    def documents(self, kinds: list[str]) -> list[pb.Document]:
        """The documents of these kinds as the application cites them, by the stand-ins'
        real hashes and sizes."""
        documents = []
        for kind in kinds:
            content = self.document_content(kind)
            documents.append(
                pb.Document(
                    kind=kind,
                    file_name=f"{kind.removeprefix('DOCUMENT_KIND_').lower()}.pdf",
                    sha256=hashlib.sha256(content).hexdigest(),
                    size_bytes=len(content),
                )
            )
        return documents

    def sent_documents(self) -> list[str]:
        """The kinds the application is submitted with; the missing ones come later."""
        return [kind for kind in REQUIRED_DOCUMENTS if kind not in self.missing]

    def programme_milestones(self) -> list[pb.ProgrammeMilestone]:
        """One dated measure for each declared source: the ППЭЭ the law asks for."""
        return [
            pb.ProgrammeMilestone(
                description=f"Bring {source.id} within the BAT-AEL (best available techniques)",
                due_date=date_pb2.Date(year=2029, month=12, day=31),
                source_id=source.id,
            )
            for source in self.sources
        ]

    def application(self) -> pb.Application:
        sent = self.sent_documents()
        return pb.Application(
            enterprise=f"enterprises/{self.bin}",
            facility=pb.Facility(
                display_name=self.facility,
                address=f"{self.facility}, {self.region.removeprefix('REGION_').title()}",
                region=self.region,
                rated_thermal_input_mw=self.thermal_input_mw,
            ),
            sector=self.sector,
            emission_sources=[
                pb.EmissionSource(
                    source_id=source.id,
                    source_type=source.type,
                    emissions=[
                        pb.DeclaredEmission(
                            pollutant=e.pollutant,
                            concentration_mg_nm3=e.mg_nm3,
                            oxygen_percent=e.oxygen_percent,
                            annual_tonnes=source.tonnes(e),
                        )
                        for e in source.emissions
                    ],
                )
                for source in self.sources
            ],
            documents=self.documents(sent),
            efficiency_programme=self.programme_milestones() if self.programme else [],
            transboundary_impact=self.transboundary,
        )


def _pending(raw: dict[str, Any]) -> Pending:
    sources = [
        Source(
            s["id"], s["type"], s["flow_nm3_h"], s["hours"], [Emission(**e) for e in s["emissions"]]
        )
        for s in raw.pop("source")
    ]
    pending = Pending(sources=sources, **raw)
    if not is_valid_bin(pending.bin):
        raise ValueError(f"{pending.key}: {pending.bin} is not a valid BIN")
    for name, enum in (("region", kz.Region), ("sector", kz.Sector)):
        if getattr(pending, name) not in set(enum.keys()):
            raise ValueError(f"{pending.key}: unknown {name}")
    return pending


@cache
def pending_applications() -> tuple[Pending, ...]:
    data = tomllib.loads(DATA.read_text(encoding="utf-8"))
    return tuple(_pending(dict(raw)) for raw in data["application"])


def scaled_applications(count: int) -> tuple[Pending, ...]:
    """`count` applications: the 22 over and over, each copy a distinct enterprise (its own
    valid BIN, numbered name) that behaves as its original and so meets the same decision."""
    originals = pending_applications()
    # Resident head units registered in December 2013, a month no BIN of the data set has,
    # numbered on; serials with no check digit are skipped.
    prefixes = (f"131240{n:05d}" for n in range(1, 100_000))
    valid = (prefix for prefix in prefixes if check_digit(prefix) is not None)
    scaled = tuple(
        dataclasses.replace(
            original,
            key=f"{original.key}-{copy}",
            enterprise=f"{original.enterprise} No. {copy}",
            bin=complete_bin(prefix),
        )
        for (copy, original), prefix in zip(
            ((i // len(originals), originals[i % len(originals)]) for i in range(count)),
            valid,
            strict=False,
        )
    )
    if len(scaled) < count:
        raise ValueError(f"at most {len(scaled)} distinct enterprises, not {count}")
    return scaled
