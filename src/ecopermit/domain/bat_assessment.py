"""Declared emissions held against the BAT-AEL catalogue: normalised, then given a verdict.

Each catalogue row says whose figure it is: a Kazakh BAT conclusion (the law here, EC Art. 113)
or an EU BAT conclusion, a benchmark only. The verdict is the same arithmetic for both; what a
permit makes of it differs (ecopermit.domain.emission_limits).

The catalogue is data (`bat_ael_catalogue.toml`, shipped beside this module). An entry is found by
sector, source type, pollutant and the facility's rated thermal input. Source types:

- coal power: `lcp_coal_new`, `lcp_coal_existing` below 300 MWth (any boiler);
  `lcp_coal_pc_*`, `lcp_coal_fbc_*`, `lcp_lignite_pc_*` (`_new` / `_existing`) from 300 MWth,
  where the boiler changes the NOx and SO2 ranges (a type from the wrong band finds no BAT-AEL);
- iron and steel: `sinter_strand_fabric_filter`, `sinter_strand_esp`, `blast_furnace_cast_house`,
  `blast_furnace_hot_stoves`, `bof_secondary_dedusting_fabric_filter`,
  `bof_secondary_dedusting_esp`, `electric_arc_furnace`;
- copper `smelter`; zinc and lead `smelter`, `lead_smelter`; ferro-alloys `smelting_furnace`;
- oil refining: `fcc_regenerator_new`, `fcc_regenerator_existing`, `gas_fired_unit`;
- cement: `kiln_preheater`, `kiln_lepol_long`, `cooler_and_mills`.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum
from functools import cache
from pathlib import Path
from typing import Any

from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.type.v1 import kazakhstan_pb2 as kz

CATALOGUE_PATH = Path(__file__).with_name("bat_ael_catalogue.toml")
CONFIDENCE_TAGS = frozenset({"✔", "◐", "?"})
MG_PER_NM3 = "mg/Nm3"
NG_I_TEQ_PER_NM3 = "ng I-TEQ/Nm3"
# Declared values are always mg/Nm3; this turns them into the BAT-AEL's unit.
_MG_TO_UNIT = {MG_PER_NM3: 1.0, NG_I_TEQ_PER_NM3: 1e6}
# The oxygen content of air: the O2 correction divides by (21 - O2), so 21% is a hard limit.
_AIR_OXYGEN_PERCENT = 21.0
# Unit conversion and O2 normalisation leave ~1e-15 relative noise; a value that sits on a bound
# must not be pushed over it by rounding, so bounds are compared with this relative tolerance.
_BOUND_TOLERANCE = 1e-9
# The same pattern as BatAssessmentRow.source_type in the reviews contract.
_SOURCE_TYPE = re.compile(r"^[a-z][a-z0-9_]{1,63}$")
# UNSPECIFIED (0) is a proto default, never a real sector or pollutant.
_SECTORS = {name: int(value) for name, value in kz.Sector.items() if value}
_POLLUTANTS = {name: int(value) for name, value in kz.Pollutant.items() if value}
_REQUIRED_KEYS = frozenset(
    {
        "sector",
        "source_type",
        "pollutant",
        "low",
        "high",
        "unit",
        "averaging_period",
        "source_document",
        "confidence",
        "basis",
    }
)
_OPTIONAL_KEYS = frozenset(
    {
        "reference_oxygen_percent",
        "min_thermal_input_mw",
        "max_thermal_input_mw",
        "yearly_low",
        "yearly_high",
        "low_below",
        "yearly_low_below",
    }
)
# Whose figure a row is: a Kazakh BAT conclusion adopted by the Government, or an EU one.
KZ_BAT_CONCLUSION = "kz_bat_conclusion"
EU_BENCHMARK = "eu_benchmark"
BASES = frozenset({KZ_BAT_CONCLUSION, EU_BENCHMARK})


class BatVerdict(IntEnum):
    """The verdict on one declared value; the values are those of the BatVerdict proto enum."""

    WITHIN_RANGE = reviews_pb.BAT_VERDICT_WITHIN_RANGE
    ABOVE_UPPER_BOUND = reviews_pb.BAT_VERDICT_ABOVE_UPPER_BOUND
    BELOW_RANGE = reviews_pb.BAT_VERDICT_BELOW_RANGE
    NO_BAT_AEL = reviews_pb.BAT_VERDICT_NO_BAT_AEL


@dataclass(frozen=True)
class Range:
    low: float
    high: float
    # "<X–Y": the lower end lies below X, so no value is below the range.
    low_below: bool = False


@dataclass(frozen=True)
class BatAel:
    """One BAT-associated emission level: a range for a source type and pollutant in a sector."""

    sector: int
    source_type: str
    pollutant: int
    low: float  # the daily range where there are daily and yearly ones
    high: float
    unit: str
    reference_oxygen_percent: float | None
    averaging_period: str
    source_document: str
    confidence: str
    basis: str = EU_BENCHMARK  # KZ_BAT_CONCLUSION or EU_BENCHMARK
    min_thermal_input_mw: float = 0.0
    # Exclusive; None for the top band.
    max_thermal_input_mw: float | None = None
    low_below: bool = False
    yearly: Range | None = None

    @property
    def binding(self) -> bool:
        """Whether the figure is law here: a Kazakh BAT conclusion's, not a benchmark."""
        return self.basis == KZ_BAT_CONCLUSION

    @property
    def assessed_range(self) -> Range:
        """The range a declared (annual) concentration is held against: the yearly one where
        the conclusion gives it, else the only one."""
        return self.yearly or Range(self.low, self.high, self.low_below)

    def covers(self, thermal_input_mw: float) -> bool:
        """True when the facility's rated thermal input falls in this entry's size band."""
        if thermal_input_mw < self.min_thermal_input_mw:
            return False
        return self.max_thermal_input_mw is None or thermal_input_mw < self.max_thermal_input_mw


@dataclass(frozen=True)
class Catalogue:
    """A versioned set of BAT-AELs in which at most one entry applies to any declared source."""

    version: str
    entries: tuple[BatAel, ...]

    def find(
        self, sector: int, source_type: str, pollutant: int, thermal_input_mw: float
    ) -> BatAel | None:
        """The BAT-AEL for this source and pollutant at this thermal input, or None."""
        for entry in self.entries:
            if (
                entry.sector == sector
                and entry.source_type == source_type
                and entry.pollutant == pollutant
                and entry.covers(thermal_input_mw)
            ):
                return entry
        return None


@dataclass(frozen=True)
class DeclaredValue:
    """A concentration the applicant proposes for one emission source, as measured (dry)."""

    source_id: str
    source_type: str
    pollutant: int
    concentration_mg_nm3: float
    oxygen_percent: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.concentration_mg_nm3) and self.concentration_mg_nm3 >= 0):
            raise ValueError(
                f"source {self.source_id}: concentration must be a finite number >= 0, "
                f"got {self.concentration_mg_nm3}"
            )
        _check_oxygen(self.oxygen_percent, f"source {self.source_id}: oxygen")


@dataclass(frozen=True)
class AssessedValue:
    """A declared value, its BAT-AEL and, in that BAT-AEL's unit and reference O2, its verdict."""

    declared: DeclaredValue
    bat_ael: BatAel | None
    normalised: float
    verdict: BatVerdict


@dataclass(frozen=True)
class BatAssessmentResult:
    """Every declared value assessed against one catalogue version."""

    catalogue_version: str
    rows: tuple[AssessedValue, ...]

    @property
    def programme_required(self) -> bool:
        """A value above its BAT-AEL means approval needs an efficiency improvement programme."""
        return any(row.verdict == BatVerdict.ABOVE_UPPER_BOUND for row in self.rows)


def normalise_to_reference_oxygen(
    concentration: float, measured_oxygen_percent: float, reference_oxygen_percent: float
) -> float:
    """C_ref = C_meas × (21 − O2_ref) / (21 − O2_meas): the dilution by excess air taken out."""
    _check_oxygen(measured_oxygen_percent, "measured oxygen")
    _check_oxygen(reference_oxygen_percent, "reference oxygen")
    return (
        concentration
        * (_AIR_OXYGEN_PERCENT - reference_oxygen_percent)
        / (_AIR_OXYGEN_PERCENT - measured_oxygen_percent)
    )


def verdict_for(normalised: float, bat_ael: BatAel | None) -> BatVerdict:
    """Where a normalised value sits in the BAT-AEL's assessed range; both bounds count as
    within, and nothing is below a range whose lower end is only known to lie below X."""
    if bat_ael is None:
        return BatVerdict.NO_BAT_AEL
    assessed = bat_ael.assessed_range
    if normalised > assessed.high and not _on_bound(normalised, assessed.high):
        return BatVerdict.ABOVE_UPPER_BOUND
    if (
        not assessed.low_below
        and normalised < assessed.low
        and not _on_bound(normalised, assessed.low)
    ):
        return BatVerdict.BELOW_RANGE
    return BatVerdict.WITHIN_RANGE


def assess(
    sector: int,
    thermal_input_mw: float,
    declared: Sequence[DeclaredValue],
    catalogue: Catalogue | None = None,
) -> BatAssessmentResult:
    """Assesses each declared value against the catalogue (the shipped one unless given)."""
    if not (math.isfinite(thermal_input_mw) and thermal_input_mw >= 0):
        raise ValueError(f"thermal input must be a finite number >= 0 MW, got {thermal_input_mw}")
    if catalogue is None:
        catalogue = load_catalogue()
    rows = []
    for value in declared:
        bat_ael = catalogue.find(sector, value.source_type, value.pollutant, thermal_input_mw)
        normalised = _normalised(value, bat_ael)
        rows.append(AssessedValue(value, bat_ael, normalised, verdict_for(normalised, bat_ael)))
    return BatAssessmentResult(catalogue.version, tuple(rows))


@cache
def load_catalogue() -> Catalogue:
    """The catalogue shipped with the code, read and checked once per process."""
    return _load_catalogue_file(CATALOGUE_PATH)


def _normalised(value: DeclaredValue, bat_ael: BatAel | None) -> float:
    if bat_ael is None:
        return value.concentration_mg_nm3
    in_unit = value.concentration_mg_nm3 * _MG_TO_UNIT[bat_ael.unit]
    if bat_ael.reference_oxygen_percent is None:
        return in_unit
    return normalise_to_reference_oxygen(
        in_unit, value.oxygen_percent, bat_ael.reference_oxygen_percent
    )


def _on_bound(value: float, bound: float) -> bool:
    return math.isclose(value, bound, rel_tol=_BOUND_TOLERANCE)


def _check_oxygen(percent: float, what: str) -> None:
    # Written so that NaN fails too: every comparison with NaN is false.
    if not 0 <= percent < _AIR_OXYGEN_PERCENT:
        raise ValueError(f"{what} must be at least 0% and below 21%, got {percent}")


def _load_catalogue_file(path: Path) -> Catalogue:
    """Reads a catalogue TOML file; ValueError naming the first bad entry."""
    with path.open("rb") as file:
        data = tomllib.load(file)
    return _parse_catalogue(data, str(path))


def _parse_catalogue(data: Mapping[str, Any], origin: str) -> Catalogue:
    version = data.get("version")
    if not isinstance(version, str) or not 0 < len(version) <= 64:
        raise ValueError(f"{origin}: version must be a string of 1 to 64 characters")
    raw_entries = data.get("bat_ael")
    if not isinstance(raw_entries, list) or not raw_entries:
        raise ValueError(f"{origin}: no [[bat_ael]] entries")
    entries = tuple(
        _parse_entry(raw, f"{origin}: bat_ael entry {index}")
        for index, raw in enumerate(raw_entries, start=1)
    )
    _check_no_overlap(entries, origin)
    return Catalogue(version=version, entries=entries)


def _parse_entry(raw: object, where: str) -> BatAel:
    if not isinstance(raw, dict):
        raise ValueError(f"{where}: not a table")
    # Name the entry by what a reader would search the file for, once we know it is a table.
    where = f"{where} ({raw.get('sector')} / {raw.get('source_type')} / {raw.get('pollutant')})"
    missing = _REQUIRED_KEYS - raw.keys()
    unknown = raw.keys() - _REQUIRED_KEYS - _OPTIONAL_KEYS
    if missing or unknown:
        raise ValueError(f"{where}: missing keys {sorted(missing)}, unknown keys {sorted(unknown)}")
    entry = BatAel(
        sector=_enum_value(_SECTORS, raw["sector"], where, "sector"),
        source_type=_text(raw["source_type"], where, "source_type"),
        pollutant=_enum_value(_POLLUTANTS, raw["pollutant"], where, "pollutant"),
        low=_number(raw["low"], where, "low"),
        high=_number(raw["high"], where, "high"),
        unit=_text(raw["unit"], where, "unit"),
        reference_oxygen_percent=_optional_number(raw, "reference_oxygen_percent", where),
        averaging_period=_text(raw["averaging_period"], where, "averaging_period"),
        source_document=_text(raw["source_document"], where, "source_document"),
        confidence=_text(raw["confidence"], where, "confidence"),
        basis=_text(raw["basis"], where, "basis"),
        min_thermal_input_mw=_number(
            raw.get("min_thermal_input_mw", 0.0), where, "min_thermal_input_mw"
        ),
        max_thermal_input_mw=_optional_number(raw, "max_thermal_input_mw", where),
        low_below=_flag(raw, "low_below", where),
        yearly=_yearly(raw, where),
    )
    problem = _problem_with(entry)
    if problem:
        raise ValueError(f"{where}: {problem}")
    return entry


def _problem_with(entry: BatAel) -> str | None:
    # The limits mirror BatAssessmentRow in the reviews contract, so every entry can be recorded.
    if not _SOURCE_TYPE.fullmatch(entry.source_type):
        return f"source_type {entry.source_type!r} is not lower_snake_case"
    if not 0 <= entry.low <= entry.high:
        return f"needs 0 <= low <= high, got low {entry.low}, high {entry.high}"
    if entry.unit not in _MG_TO_UNIT:
        return f"unit {entry.unit!r} is not one of {sorted(_MG_TO_UNIT)}"
    oxygen = entry.reference_oxygen_percent
    if oxygen is not None and not 0 <= oxygen < _AIR_OXYGEN_PERCENT:
        return f"reference_oxygen_percent {oxygen} is not in [0, 21)"
    if not 0 < len(entry.averaging_period) <= 64:
        return "averaging_period must have 1 to 64 characters"
    if not 0 < len(entry.source_document) <= 500:
        return "source_document must have 1 to 500 characters"
    if entry.confidence not in CONFIDENCE_TAGS:
        return f"confidence {entry.confidence!r} is not one of ✔ ◐ ?"
    if entry.basis not in BASES:
        return f"basis {entry.basis!r} is not one of {sorted(BASES)}"
    yearly = entry.yearly
    if yearly is not None and not 0 <= yearly.low <= yearly.high:
        return f"needs 0 <= yearly_low <= yearly_high, got {yearly.low}, {yearly.high}"
    if entry.min_thermal_input_mw < 0:
        return f"min_thermal_input_mw {entry.min_thermal_input_mw} is negative"
    top = entry.max_thermal_input_mw
    if top is not None and top <= entry.min_thermal_input_mw:
        return f"max_thermal_input_mw {top} is not above min {entry.min_thermal_input_mw}"
    return None


def _check_no_overlap(entries: tuple[BatAel, ...], origin: str) -> None:
    # find() returns the first match, so two entries that could both match would hide one.
    for index, entry in enumerate(entries, start=1):
        for other_index, other in enumerate(entries[: index - 1], start=1):
            if (entry.sector, entry.source_type, entry.pollutant) == (
                other.sector,
                other.source_type,
                other.pollutant,
            ) and _bands_overlap(entry, other):
                raise ValueError(
                    f"{origin}: bat_ael entry {index} ({kz.Sector.Name(entry.sector)} / "
                    f"{entry.source_type} / {kz.Pollutant.Name(entry.pollutant)}) overlaps "
                    f"entry {other_index} in thermal input"
                )


def _bands_overlap(first: BatAel, second: BatAel) -> bool:
    first_top = math.inf if first.max_thermal_input_mw is None else first.max_thermal_input_mw
    second_top = math.inf if second.max_thermal_input_mw is None else second.max_thermal_input_mw
    return first.min_thermal_input_mw < second_top and second.min_thermal_input_mw < first_top


def _enum_value(values: Mapping[str, int], name: object, where: str, key: str) -> int:
    if not isinstance(name, str) or name not in values:
        raise ValueError(f"{where}: {key} {name!r} is not one of {sorted(values)}")
    return values[name]


def _text(value: object, where: str, key: str) -> str:
    if not isinstance(value, str):
        raise ValueError(f"{where}: {key} must be a string")
    return value


def _number(value: object, where: str, key: str) -> float:
    # bool is an int in Python; "low = true" is a typo, not 1.0.
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"{where}: {key} must be a finite number, got {value!r}")
    return float(value)


def _optional_number(raw: Mapping[str, object], key: str, where: str) -> float | None:
    return None if key not in raw else _number(raw[key], where, key)


def _flag(raw: Mapping[str, object], key: str, where: str) -> bool:
    value = raw.get(key, False)
    if not isinstance(value, bool):
        raise ValueError(f"{where}: {key} must be true or false")
    return value


def _yearly(raw: Mapping[str, object], where: str) -> Range | None:
    low = _optional_number(raw, "yearly_low", where)
    high = _optional_number(raw, "yearly_high", where)
    if (low is None) != (high is None):
        raise ValueError(f"{where}: yearly_low and yearly_high come together")
    if low is None or high is None:
        return None
    return Range(low, high, _flag(raw, "yearly_low_below", where))
