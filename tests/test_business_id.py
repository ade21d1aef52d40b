"""The BIN check digit, in Python and as the CEL rule in the contract, agree with the law."""

from __future__ import annotations

import protovalidate
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecopermit.applicants.v1 import resources_pb2
from ecopermit.domain.business_id import (
    check_digit,
    complete_bin,
    has_check_digit,
    is_valid_bin,
    structure_problem,
)
from ecopermit.type.v1 import kazakhstan_pb2

digits = st.text(alphabet="0123456789", min_size=11, max_size=11)


@pytest.mark.parametrize(
    ("first_eleven", "expected"),
    [
        # 9*1+9*2+0+3*4+4*5+0+0+0+0+1*10+2*11 = 91; 91 mod 11 = 3
        ("99034000012", 3),
        # 0+7*2+0+8*4+4*5+0+0+0+1*9+2*10+3*11 = 128; 128 mod 11 = 7
        ("07084000123", 7),
    ],
)
def test_check_digit_of_known_numbers(first_eleven: str, expected: int | None) -> None:
    assert check_digit(first_eleven) == expected


def test_second_weights_are_used_when_the_first_pass_gives_ten() -> None:
    # First pass: 1 * 10 = 10, so recompute with the second weights: 1 * 1 = 1.
    first_eleven = "00000000010"
    assert check_digit(first_eleven) == 1
    assert has_check_digit("000000000101")
    assert not has_check_digit("000000000100")


def test_numbers_whose_both_passes_give_ten_have_no_valid_bin() -> None:
    # First pass 1 + 2*10 + 8*11 = 109 = 10 mod 11; second 3 + 2*1 + 8*2 = 21 = 10 mod 11.
    assert check_digit("10000000028") is None
    assert not any(has_check_digit(f"10000000028{d}") for d in range(10))
    with pytest.raises(ValueError, match="no valid check digit"):
        complete_bin("10000000028")


@pytest.mark.parametrize(
    "candidate", ["", "99034000012", "9903400001234", "99034000012a", "٩٩٠٣٤٠٠٠٠١٢٣"]
)
def test_malformed_numbers_are_invalid(candidate: str) -> None:
    assert not is_valid_bin(candidate)


@given(digits)
def test_exactly_one_last_digit_completes_a_number_that_has_a_check_digit(first: str) -> None:
    valid_endings = [d for d in range(10) if has_check_digit(f"{first}{d}")]
    assert valid_endings == ([] if check_digit(first) is None else [check_digit(first)])


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_the_cel_rule_in_the_contract_agrees_with_the_python_rule(candidate: str) -> None:
    enterprise = resources_pb2.Enterprise(
        bin=candidate,
        display_name="Test LLP",
        region=kazakhstan_pb2.REGION_PAVLODAR,
        sector=kazakhstan_pb2.SECTOR_COAL_POWER_AND_HEAT,
    )
    rule_ids = {v.proto.rule_id for v in protovalidate.collect_violations(enterprise)}
    assert ("bin.check_digit" not in rule_ids) == has_check_digit(candidate)
    assert ("bin.structure" not in rule_ids) == (structure_problem(candidate) == "")
    assert {"bin.check_digit", "bin.structure"}.isdisjoint(rule_ids) == is_valid_bin(candidate)


@pytest.mark.parametrize(
    ("candidate", "problem"),
    [
        ("991340000126", "month of registration, 01 to 12, not 13"),
        ("990000000124", "month of registration, 01 to 12, not 00"),
        ("990370000127", "digit 5 is the type (4, 5 or 6), not 7"),
        ("990345000120", "digit 6 is the attribute (0 to 3), not 5"),
    ],
)
def test_a_bin_with_an_impossible_structure_is_refused_naming_the_digit(
    candidate: str, problem: str
) -> None:
    assert problem in structure_problem(candidate)
    assert not is_valid_bin(
        complete_bin(candidate[:11]) if check_digit(candidate[:11]) is not None else candidate
    )


def test_a_resident_head_unit_registered_in_march_1999_is_valid() -> None:
    assert structure_problem("990340000123") == ""
    assert is_valid_bin(complete_bin("99034000012"))
