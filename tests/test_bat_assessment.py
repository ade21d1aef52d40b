"""Declared emissions meet the BAT-AEL catalogue: O2 normalisation, size bands, verdicts, data."""

from __future__ import annotations

import math
from pathlib import Path

import protovalidate
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecopermit.domain.bat_assessment import (
    CATALOGUE_PATH,
    BatAel,
    BatVerdict,
    Catalogue,
    DeclaredValue,
    _load_catalogue_file,
    assess,
    load_catalogue,
    normalise_to_reference_oxygen,
    verdict_for,
)
from ecopermit.reviews.v1 import resources_pb2 as reviews_pb
from ecopermit.type.v1 import kazakhstan_pb2 as kz

oxygen = st.floats(min_value=0, max_value=20.9)
concentration = st.floats(min_value=0, max_value=1e6)
CATALOGUE = load_catalogue()
ENTRIES_WITH_REFERENCE_OXYGEN = [e for e in CATALOGUE.entries if e.reference_oxygen_percent]
COAL = kz.SECTOR_COAL_POWER_AND_HEAT


def entry_id(entry: BatAel) -> str:
    sector = kz.Sector.Name(entry.sector).removeprefix("SECTOR_")
    pollutant = kz.Pollutant.Name(entry.pollutant).removeprefix("POLLUTANT_")
    return f"{sector}-{entry.source_type}-{pollutant}-{entry.min_thermal_input_mw:g}MW"


def kiln_nox_range(low: float = 200.0, high: float = 450.0) -> BatAel:
    return BatAel(
        sector=kz.SECTOR_CEMENT,
        source_type="kiln_preheater",
        pollutant=kz.POLLUTANT_NOX,
        low=low,
        high=high,
        unit="mg/Nm3",
        reference_oxygen_percent=10.0,
        averaging_period="daily average",
        source_document="Commission Implementing Decision 2013/163/EU",
        confidence="◐",
    )


def declared(
    source_type: str, pollutant: int, mg_nm3: float, oxygen_percent: float
) -> DeclaredValue:
    return DeclaredValue("stack-1", source_type, pollutant, mg_nm3, oxygen_percent)


def assess_one(
    sector: int, thermal_input_mw: float, value: DeclaredValue
) -> tuple[BatAel | None, float, int]:
    (row,) = assess(sector, thermal_input_mw, [value]).rows
    return row.bat_ael, row.normalised, row.verdict


# --- The O2 correction: C_ref = C_meas × (21 − O2_ref) / (21 − O2_meas) ---


@pytest.mark.parametrize(
    ("measured", "measured_o2", "reference_o2", "expected"),
    [
        # Flue gas diluted to 15% O2 carries 15/6 less pollutant per m3 than at 6%.
        (200.0, 15.0, 6.0, 500.0),
        # 520 × 11 / 13 = 440: a kiln measured drier than its 10% reference is normalised down.
        (520.0, 8.0, 10.0, 440.0),
        (50.0, 6.0, 15.0, 20.0),
        (100.0, 3.0, 3.0, 100.0),
    ],
)
def test_the_oxygen_correction_on_worked_examples(
    measured: float, measured_o2: float, reference_o2: float, expected: float
) -> None:
    assert normalise_to_reference_oxygen(measured, measured_o2, reference_o2) == pytest.approx(
        expected
    )


@pytest.mark.parametrize(
    ("measured_o2", "reference_o2"), [(21.0, 6.0), (6.0, 21.0), (-0.1, 6.0), (6.0, math.nan)]
)
def test_oxygen_outside_zero_to_air_is_refused(measured_o2: float, reference_o2: float) -> None:
    with pytest.raises(ValueError, match="below 21%"):
        normalise_to_reference_oxygen(100.0, measured_o2, reference_o2)


@given(concentration, oxygen)
def test_normalising_to_the_measured_oxygen_changes_nothing(value: float, o2: float) -> None:
    assert normalise_to_reference_oxygen(value, o2, o2) == pytest.approx(value)


@given(concentration, concentration, oxygen, oxygen)
def test_more_pollutant_measured_never_normalises_to_less(
    first: float, second: float, measured_o2: float, reference_o2: float
) -> None:
    low, high = sorted((first, second))
    assert normalise_to_reference_oxygen(
        low, measured_o2, reference_o2
    ) <= normalise_to_reference_oxygen(high, measured_o2, reference_o2)


@given(concentration, oxygen, oxygen)
def test_normalising_there_and_back_returns_the_measured_value(
    value: float, measured_o2: float, reference_o2: float
) -> None:
    there = normalise_to_reference_oxygen(value, measured_o2, reference_o2)
    back = normalise_to_reference_oxygen(there, reference_o2, measured_o2)
    assert back == pytest.approx(value, rel=1e-12, abs=1e-12)


# --- Verdicts ---


def test_verdict_values_are_the_contract_enum() -> None:
    ours = {f"BAT_VERDICT_{verdict.name}": int(verdict) for verdict in BatVerdict}
    assert ours == {name: value for name, value in reviews_pb.BatVerdict.items() if value}


@pytest.mark.parametrize(
    ("normalised", "expected"),
    [
        (200.0, BatVerdict.WITHIN_RANGE),
        (450.0, BatVerdict.WITHIN_RANGE),
        (200.001, BatVerdict.WITHIN_RANGE),
        (449.999, BatVerdict.WITHIN_RANGE),
        (450.001, BatVerdict.ABOVE_UPPER_BOUND),
        (199.999, BatVerdict.BELOW_RANGE),
        (0.0, BatVerdict.BELOW_RANGE),
    ],
)
def test_both_bounds_are_within_the_range_and_a_hair_beyond_is_not(
    normalised: float, expected: BatVerdict
) -> None:
    assert verdict_for(normalised, kiln_nox_range()) == expected


@given(st.floats(min_value=-1e-12, max_value=1e-12), st.floats(min_value=1e-3, max_value=1e4))
def test_rounding_noise_on_a_bound_does_not_flip_the_verdict(noise: float, bound: float) -> None:
    bat_ael = kiln_nox_range(low=bound, high=bound)
    assert verdict_for(bound * (1 + noise), bat_ael) == BatVerdict.WITHIN_RANGE


def test_a_source_without_a_bat_ael_gets_no_verdict_on_the_range() -> None:
    assert verdict_for(1e9, None) == BatVerdict.NO_BAT_AEL


@pytest.mark.parametrize("entry", ENTRIES_WITH_REFERENCE_OXYGEN, ids=entry_id)
@given(measured_o2=oxygen)
def test_a_declared_value_exactly_on_the_upper_bound_is_within_range_after_normalising(
    entry: BatAel, measured_o2: float
) -> None:
    assert entry.reference_oxygen_percent is not None
    to_mg = 1e-6 if entry.unit == "ng I-TEQ/Nm3" else 1.0
    high = entry.assessed_range.high
    on_bound = high * to_mg * (21 - measured_o2) / (21 - entry.reference_oxygen_percent)
    value = declared(entry.source_type, entry.pollutant, on_bound, measured_o2)
    assert assess_one(entry.sector, entry.min_thermal_input_mw, value)[2] == (
        BatVerdict.WITHIN_RANGE
    )


# --- Assessing an application's declared values ---


def test_a_cement_kiln_measured_at_8_percent_oxygen_is_normalised_down_to_its_10_percent() -> None:
    value = declared("kiln_preheater", kz.POLLUTANT_NOX, 520.0, 8.0)
    bat_ael, normalised, verdict = assess_one(kz.SECTOR_CEMENT, 0.0, value)
    assert bat_ael is not None
    assert (bat_ael.low, bat_ael.high, bat_ael.reference_oxygen_percent) == (200.0, 450.0, 10.0)
    assert normalised == pytest.approx(440.0)
    assert verdict == BatVerdict.WITHIN_RANGE


def test_an_unknown_source_type_gets_no_bat_ael_and_keeps_its_declared_value() -> None:
    value = declared("rotary_dryer", kz.POLLUTANT_DUST, 37.5, 12.0)
    assert assess_one(kz.SECTOR_CEMENT, 0.0, value) == (None, 37.5, BatVerdict.NO_BAT_AEL)


def test_a_pollutant_the_catalogue_has_no_range_for_gets_no_bat_ael() -> None:
    value = declared("kiln_preheater", kz.POLLUTANT_CO, 500.0, 10.0)
    assert assess_one(kz.SECTOR_CEMENT, 0.0, value)[2] == BatVerdict.NO_BAT_AEL


def test_a_source_type_from_another_sector_gets_no_bat_ael() -> None:
    value = declared("kiln_preheater", kz.POLLUTANT_NOX, 300.0, 10.0)
    assert assess_one(kz.SECTOR_OIL_REFINING, 0.0, value)[2] == BatVerdict.NO_BAT_AEL


@pytest.mark.parametrize(
    ("thermal_input_mw", "source_type", "expected_range"),
    [
        # Daily averages for NOx, new plants: <100, 100–300, >=300 PC.
        (99.9, "lcp_coal_new", (155.0, 200.0)),
        (100.0, "lcp_coal_new", (80.0, 130.0)),
        (299.9, "lcp_coal_new", (80.0, 130.0)),
        (300.0, "lcp_coal_pc_new", (80.0, 125.0)),
        (300.0, "lcp_coal_fbc_existing", (140.0, 165.0)),
        # The footnote for existing lignite PC boilers raises the upper end to 220.
        (2400.0, "lcp_lignite_pc_existing", (140.0, 220.0)),
    ],
)
def test_a_coal_plant_gets_the_nox_range_of_its_size_band(
    thermal_input_mw: float, source_type: str, expected_range: tuple[float, float]
) -> None:
    value = declared(source_type, kz.POLLUTANT_NOX, 100.0, 6.0)
    bat_ael, _, _ = assess_one(COAL, thermal_input_mw, value)
    assert bat_ael is not None
    assert (bat_ael.low, bat_ael.high) == expected_range


@pytest.mark.parametrize(
    ("thermal_input_mw", "source_type"),
    [(300.0, "lcp_coal_new"), (299.9, "lcp_coal_pc_new"), (50.0, "lcp_coal_fbc_existing")],
)
def test_the_boiler_split_exists_only_from_300_megawatts(
    thermal_input_mw: float, source_type: str
) -> None:
    value = declared(source_type, kz.POLLUTANT_NOX, 100.0, 6.0)
    assert assess_one(COAL, thermal_input_mw, value)[0] is None


def test_lignite_pc_boilers_take_the_fbc_nox_range_but_the_pc_so2_range() -> None:
    def found(source_type: str, pollutant: int) -> tuple[float, float]:
        entry = CATALOGUE.find(COAL, source_type, pollutant, 500.0)
        assert entry is not None
        return entry.low, entry.high

    nox, so2 = kz.POLLUTANT_NOX, kz.POLLUTANT_SO2
    # The FBC row's lower end; the upper end is the footnote's for existing lignite PC boilers.
    assert found("lcp_lignite_pc_existing", nox)[0] == found("lcp_coal_fbc_existing", nox)[0]
    assert found("lcp_lignite_pc_new", nox) == found("lcp_coal_fbc_new", nox)
    assert found("lcp_lignite_pc_existing", so2) == found("lcp_coal_pc_existing", so2)
    assert found("lcp_coal_pc_existing", so2) != found("lcp_coal_fbc_existing", so2)


@pytest.mark.parametrize(
    ("thermal_input_mw", "band"),
    [(300.0, (300.0, 1000.0)), (999.9, (300.0, 1000.0)), (1000.0, (1000.0, None))],
)
def test_coal_dust_bands_split_again_at_1000_megawatts(
    thermal_input_mw: float, band: tuple[float, float | None]
) -> None:
    entry = CATALOGUE.find(COAL, "lcp_coal_fbc_existing", kz.POLLUTANT_DUST, thermal_input_mw)
    assert entry is not None
    assert (entry.min_thermal_input_mw, entry.max_thermal_input_mw) == band
    assert (entry.low, entry.high) == (3.0, 11.0)


def test_dioxins_declared_in_mg_are_compared_in_nanograms() -> None:
    # 0.05–0.1 ng I-TEQ/Nm3 at 10% O2; 0.08 ng is 8e-8 mg.
    within = declared("kiln_lepol_long", kz.POLLUTANT_PCDD_F, 8e-8, 10.0)
    above = declared("kiln_lepol_long", kz.POLLUTANT_PCDD_F, 2e-7, 10.0)
    result = assess(kz.SECTOR_CEMENT, 0.0, [within, above])
    assert [row.normalised for row in result.rows] == [pytest.approx(0.08), pytest.approx(0.2)]
    assert [row.verdict for row in result.rows] == [
        BatVerdict.WITHIN_RANGE,
        BatVerdict.ABOVE_UPPER_BOUND,
    ]
    assert {row.bat_ael.unit for row in result.rows if row.bat_ael} == {"ng I-TEQ/Nm3"}


def test_sinter_dioxins_without_a_reference_oxygen_are_converted_but_not_normalised() -> None:
    value = declared("sinter_strand_esp", kz.POLLUTANT_PCDD_F, 1.5e-7, 17.0)
    bat_ael, normalised, verdict = assess_one(kz.SECTOR_IRON_AND_STEEL, 0.0, value)
    assert bat_ael is not None
    assert bat_ael.reference_oxygen_percent is None
    assert normalised == pytest.approx(0.15)
    assert verdict == BatVerdict.WITHIN_RANGE


def test_a_range_without_a_reference_oxygen_is_compared_as_declared() -> None:
    value = declared("fcc_regenerator_existing", kz.POLLUTANT_DUST, 50.0, 17.0)
    assert assess_one(kz.SECTOR_OIL_REFINING, 0.0, value)[1:] == (50.0, BatVerdict.WITHIN_RANGE)


def test_an_application_needs_a_programme_when_one_value_is_above_its_range() -> None:
    kiln_dust = [
        declared("kiln_preheater", kz.POLLUTANT_DUST, 15.0, 10.0),
        declared("kiln_preheater", kz.POLLUTANT_HG, 0.01, 10.0),
        declared("rotary_dryer", kz.POLLUTANT_DUST, 900.0, 10.0),
    ]
    assert not assess(kz.SECTOR_CEMENT, 0.0, kiln_dust).programme_required
    too_much_nox = declared("kiln_preheater", kz.POLLUTANT_NOX, 800.0, 10.0)
    assert assess(kz.SECTOR_CEMENT, 0.0, [*kiln_dust, too_much_nox]).programme_required


@given(st.lists(st.tuples(st.sampled_from(["kiln_preheater", "kiln_x"]), concentration)))
def test_a_programme_is_required_exactly_when_some_verdict_is_above(
    sources: list[tuple[str, float]],
) -> None:
    values = [declared(kind, kz.POLLUTANT_SO2, mg, 10.0) for kind, mg in sources]
    result = assess(kz.SECTOR_CEMENT, 0.0, values)
    assert [row.declared for row in result.rows] == values
    assert result.programme_required == any(
        kind == "kiln_preheater" and mg > 400.0 for kind, mg in sources
    )


def test_the_result_names_the_catalogue_version_it_was_assessed_against() -> None:
    assert assess(kz.SECTOR_CEMENT, 0.0, []).catalogue_version == "bat-2026.2"
    stricter = Catalogue(version="test-1", entries=(kiln_nox_range(high=300.0),))
    value = declared("kiln_preheater", kz.POLLUTANT_NOX, 400.0, 10.0)
    result = assess(kz.SECTOR_CEMENT, 0.0, [value], catalogue=stricter)
    assert result.catalogue_version == "test-1"
    assert result.rows[0].verdict == BatVerdict.ABOVE_UPPER_BOUND


@pytest.mark.parametrize(
    ("mg_nm3", "oxygen_percent"), [(-1.0, 6.0), (math.inf, 6.0), (math.nan, 6.0), (10.0, 21.0)]
)
def test_a_declared_value_that_cannot_be_measured_is_refused(
    mg_nm3: float, oxygen_percent: float
) -> None:
    with pytest.raises(ValueError, match="stack-1"):
        declared("kiln_preheater", kz.POLLUTANT_NOX, mg_nm3, oxygen_percent)


@pytest.mark.parametrize("thermal_input_mw", [-1.0, math.inf, math.nan])
def test_a_thermal_input_that_cannot_be_rated_is_refused(thermal_input_mw: float) -> None:
    with pytest.raises(ValueError, match="thermal input"):
        assess(kz.SECTOR_COAL_POWER_AND_HEAT, thermal_input_mw, [])


# --- The shipped catalogue ---


def test_the_catalogue_is_read_once() -> None:
    assert load_catalogue() is load_catalogue()
    assert CATALOGUE.version == "bat-2026.2"


@pytest.mark.parametrize("entry", CATALOGUE.entries, ids=entry_id)
def test_every_catalogue_entry_is_well_formed(entry: BatAel) -> None:
    assert entry.sector in set(kz.Sector.values()) - {kz.SECTOR_UNSPECIFIED}
    assert entry.pollutant in set(kz.Pollutant.values()) - {kz.POLLUTANT_UNSPECIFIED}
    assert 0 <= entry.low <= entry.high
    assert entry.unit == ("ng I-TEQ/Nm3" if entry.pollutant == kz.POLLUTANT_PCDD_F else "mg/Nm3")
    assert entry.confidence in {"✔", "◐", "?"}
    assert entry.reference_oxygen_percent in {None, 3.0, 6.0, 10.0}
    assert entry.averaging_period
    assert entry.source_document.startswith("Commission Implementing Decision")
    is_coal = entry.sector == kz.SECTOR_COAL_POWER_AND_HEAT
    assert entry.source_type.startswith("lcp_") == is_coal
    assert (entry.reference_oxygen_percent == 6.0) == is_coal
    assert entry.averaging_period == "daily average" or not is_coal


@pytest.mark.parametrize("entry", CATALOGUE.entries, ids=entry_id)
def test_every_catalogue_entry_can_be_recorded_in_the_reviews_contract(entry: BatAel) -> None:
    value = declared(entry.source_type, entry.pollutant, entry.high, 5.0)
    (row,) = assess(entry.sector, entry.min_thermal_input_mw, [value]).rows
    assert row.bat_ael == entry
    message = reviews_pb.BatAssessmentRow(
        source_id=value.source_id,
        source_type=value.source_type,
        pollutant=value.pollutant,  # type: ignore[arg-type]
        declared_mg_nm3=value.concentration_mg_nm3,
        declared_oxygen_percent=value.oxygen_percent,
        normalised_mg_nm3=row.normalised,
        reference_oxygen_percent=entry.reference_oxygen_percent or 0.0,
        bat_ael_low=entry.low,
        bat_ael_high=entry.high,
        unit=entry.unit,
        averaging_period=entry.averaging_period,
        source_document=entry.source_document,
        confidence=entry.confidence,
        verdict=row.verdict,  # type: ignore[arg-type]
    )
    assert protovalidate.collect_violations(message) == []


def test_every_sector_with_figures_in_the_brief_has_ranges() -> None:
    # docs/domain.md section 3 has no figures for alumina/aluminium or for oil and gas production.
    without_figures = {kz.SECTOR_UNSPECIFIED, kz.SECTOR_ALUMINA_ALUMINIUM, kz.SECTOR_OIL_AND_GAS}
    covered = {entry.sector for entry in CATALOGUE.entries}
    assert covered == set(kz.Sector.values()) - without_figures


@pytest.mark.parametrize(
    ("sector", "source_type", "pollutant", "thermal_input_mw", "expected"),
    [
        # Cells copied from docs/domain.md section 3, with their tags.
        (COAL, "lcp_coal_existing", kz.POLLUTANT_NOX, 50, (155, 310, "?")),
        (COAL, "lcp_coal_existing", kz.POLLUTANT_SO2, 50, (170, 400, "◐")),
        (COAL, "lcp_coal_existing", kz.POLLUTANT_DUST, 150, (4, 22, "?")),
        (COAL, "lcp_coal_fbc_existing", kz.POLLUTANT_SO2, 400, (50, 220, "◐")),
        (kz.SECTOR_IRON_AND_STEEL, "sinter_strand_esp", kz.POLLUTANT_DUST, 0, (20, 40, "◐")),
        (kz.SECTOR_IRON_AND_STEEL, "sinter_strand_esp", kz.POLLUTANT_NOX, 0, (0, 500, "?")),
        (kz.SECTOR_IRON_AND_STEEL, "blast_furnace_hot_stoves", kz.POLLUTANT_SO2, 0, (0, 200, "◐")),
        (kz.SECTOR_ZINC_LEAD, "smelter", kz.POLLUTANT_DUST, 0, (2, 5, "?")),
        (kz.SECTOR_ZINC_LEAD, "lead_smelter", kz.POLLUTANT_DUST, 0, (2, 4, "◐")),
        (kz.SECTOR_FERRO_ALLOYS, "smelting_furnace", kz.POLLUTANT_DUST, 0, (2, 5, "◐")),
        (kz.SECTOR_OIL_REFINING, "fcc_regenerator_new", kz.POLLUTANT_SO2, 0, (0, 300, "◐")),
        (kz.SECTOR_OIL_REFINING, "gas_fired_unit", kz.POLLUTANT_SO2, 0, (5, 35, "◐")),
        (kz.SECTOR_CEMENT, "kiln_lepol_long", kz.POLLUTANT_NOX, 0, (400, 800, "◐")),
        (kz.SECTOR_CEMENT, "cooler_and_mills", kz.POLLUTANT_DUST, 0, (10, 20, "✔")),
    ],
)
def test_the_catalogue_carries_the_brief_s_figures_and_tags(
    sector: int,
    source_type: str,
    pollutant: int,
    thermal_input_mw: float,
    expected: tuple[float, float, str],
) -> None:
    entry = CATALOGUE.find(sector, source_type, pollutant, thermal_input_mw)
    assert entry is not None
    assert (entry.low, entry.high, entry.confidence) == expected


# --- A hand-broken catalogue fails the load, naming the entry ---

GOOD_ENTRY = """
[[bat_ael]]
sector = "SECTOR_CEMENT"
source_type = "kiln_preheater"
pollutant = "POLLUTANT_DUST"
low = 10.0
high = 20.0
unit = "mg/Nm3"
reference_oxygen_percent = 10.0
averaging_period = "daily average"
source_document = "Commission Implementing Decision 2013/163/EU"
confidence = "◐"
basis = "eu_benchmark"
"""


def write_catalogue(tmp_path: Path, second_entry: str) -> Path:
    path = tmp_path / "catalogue.toml"
    path.write_text(f'version = "test-1"\n{GOOD_ENTRY}{second_entry}', encoding="utf-8")
    return path


def test_a_well_formed_file_loads(tmp_path: Path) -> None:
    catalogue = _load_catalogue_file(write_catalogue(tmp_path, ""))
    assert catalogue.version == "test-1"
    assert len(catalogue.entries) == 1


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        (("low = 10.0", "low = 30.0"), "low <= high"),
        (("low = 10.0", "low = -1.0"), "low <= high"),
        (('"SECTOR_CEMENT"', '"SECTOR_CEMENTS"'), "sector 'SECTOR_CEMENTS'"),
        (('"POLLUTANT_DUST"', '"POLLUTANT_UNSPECIFIED"'), "pollutant 'POLLUTANT_UNSPECIFIED'"),
        (('confidence = "◐"', 'confidence = "high"'), "confidence 'high'"),
        (('unit = "mg/Nm3"', 'unit = "ppm"'), "unit 'ppm'"),
        (("high = 20.0", "hihg = 20.0"), r"missing keys \['high'\], unknown keys \['hihg'\]"),
        (("high = 20.0", 'high = "20"'), "high must be a finite number"),
        (("high = 20.0", "high = true"), "high must be a finite number"),
        (("reference_oxygen_percent = 10.0", "reference_oxygen_percent = 21.0"), r"\[0, 21\)"),
        (('"kiln_preheater"', '"Kiln Preheater"'), "lower_snake_case"),
        (("low = 10.0", "low = 10.0\nmax_thermal_input_mw = 0.0"), "not above min"),
    ],
)
def test_a_broken_entry_fails_the_load_and_is_named(
    tmp_path: Path, change: tuple[str, str], complaint: str
) -> None:
    broken = GOOD_ENTRY.replace(*change).replace("DUST", "NOX")
    with pytest.raises(ValueError, match=rf"bat_ael entry 2 \(SECTOR_CEMENT.*{complaint}"):
        _load_catalogue_file(write_catalogue(tmp_path, broken))


def test_two_entries_that_would_both_match_fail_the_load(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"entry 2 \(.*POLLUTANT_DUST\) overlaps entry 1"):
        _load_catalogue_file(write_catalogue(tmp_path, GOOD_ENTRY))


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ('version = ""\n' + GOOD_ENTRY, "version"),
        ('version = "test-1"\n', "no \\[\\[bat_ael\\]\\] entries"),
    ],
)
def test_a_catalogue_without_a_version_or_entries_fails_the_load(
    tmp_path: Path, text: str, complaint: str
) -> None:
    path = tmp_path / "catalogue.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError, match=complaint):
        _load_catalogue_file(path)


def test_the_shipped_catalogue_sits_beside_the_module() -> None:
    assert CATALOGUE_PATH.name == "bat_ael_catalogue.toml"
    assert _load_catalogue_file(CATALOGUE_PATH) == CATALOGUE


# --- Whose figure, which range ---


def test_every_row_says_whose_figure_it_is_and_none_is_passed_off_as_kazakh_law() -> None:
    assert {entry.basis for entry in CATALOGUE.entries} == {"eu_benchmark"}
    assert not any(entry.binding for entry in CATALOGUE.entries)


def test_a_declared_annual_value_is_held_against_the_yearly_range_where_there_is_one() -> None:
    # Existing PC boiler from 300 MWth, NOx: 65-150 yearly, 85-165 daily.
    value = declared("lcp_coal_pc_existing", kz.POLLUTANT_NOX, 160.0, 6.0)
    bat_ael, _, verdict = assess_one(COAL, 420.0, value)
    assert bat_ael is not None
    assert bat_ael.yearly is not None
    assert (bat_ael.yearly.low, bat_ael.yearly.high) == (65.0, 150.0)
    assert (bat_ael.low, bat_ael.high) == (85.0, 165.0)
    assert verdict == BatVerdict.ABOVE_UPPER_BOUND  # within the daily range, above the yearly


def test_below_a_lower_end_known_only_to_lie_below_x_is_not_below_range() -> None:
    # Cement kiln dust "<10-20": 4 mg/Nm3 is within, not below.
    value = declared("kiln_preheater", kz.POLLUTANT_DUST, 4.0, 10.0)
    assert assess_one(kz.SECTOR_CEMENT, 0.0, value)[2] == BatVerdict.WITHIN_RANGE


def test_the_large_combustion_plant_conclusions_apply_from_50_megawatts() -> None:
    value = declared("lcp_coal_existing", kz.POLLUTANT_NOX, 400.0, 6.0)
    assert assess_one(COAL, 49.9, value)[2] == BatVerdict.NO_BAT_AEL
    assert assess_one(COAL, 50.0, value)[2] == BatVerdict.ABOVE_UPPER_BOUND


def test_fcc_regenerators_are_assessed_at_3_percent_oxygen() -> None:
    for source_type in ("fcc_regenerator_new", "fcc_regenerator_existing"):
        entry = CATALOGUE.find(kz.SECTOR_OIL_REFINING, source_type, kz.POLLUTANT_NOX, 0.0)
        assert entry is not None
        assert entry.reference_oxygen_percent == 3.0
