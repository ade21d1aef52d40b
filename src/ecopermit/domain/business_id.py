"""Kazakhstan's business identification number (BIN): its structure and its check digit.

A BIN is YYMM of registration, a type digit (4 resident legal entity, 5 non-resident, 6 joint
individual entrepreneurship), an attribute digit (0 head unit, 1 branch, 2 representative
office, 3 peasant farm), five serial digits and a check digit (bcc.kz, ✔).
"""

from __future__ import annotations

_FIRST_WEIGHTS = (1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)
_SECOND_WEIGHTS = (3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2)
BIN_LENGTH = 12


def check_digit(first_eleven: str) -> int | None:
    """The check digit for the first 11 digits, or None when no digit makes a valid BIN.

    Weights 1..11 modulo 11; a result of 10 is recomputed with weights 3..11,1,2, and a second
    10 means the 11 digits cannot start a valid number.
    """
    if len(first_eleven) != BIN_LENGTH - 1 or not first_eleven.isascii():
        raise ValueError("a BIN check digit is computed from exactly 11 ASCII digits")
    digits = [int(character) for character in first_eleven]
    for weights in (_FIRST_WEIGHTS, _SECOND_WEIGHTS):
        remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        if remainder != 10:
            return remainder
    return None


_TYPES = frozenset("456")
_ATTRIBUTES = frozenset("0123")


def _twelve_digits(candidate: str) -> bool:
    return len(candidate) == BIN_LENGTH and candidate.isascii() and candidate.isdigit()


def has_check_digit(candidate: str) -> bool:
    """True for 12 ASCII digits whose last is the check digit of the first 11 (a rule that
    personal IINs share)."""
    return _twelve_digits(candidate) and check_digit(candidate[:-1]) == int(candidate[-1])


def structure_problem(candidate: str) -> str:
    """What is wrong with the BIN's structure, its check digit aside, or "" when nothing is."""
    if not _twelve_digits(candidate):
        return "a BIN is 12 digits"
    if not 1 <= int(candidate[2:4]) <= 12:
        return f"digits 3-4 are the month of registration, 01 to 12, not {candidate[2:4]}"
    if candidate[4] not in _TYPES:
        return f"digit 5 is the type (4, 5 or 6), not {candidate[4]}"
    if candidate[5] not in _ATTRIBUTES:
        return f"digit 6 is the attribute (0 to 3), not {candidate[5]}"
    return ""


def is_valid_bin(candidate: str) -> bool:
    """True for a BIN of valid structure whose last digit is the check digit of the first 11."""
    return has_check_digit(candidate) and not structure_problem(candidate)


def complete_bin(first_eleven: str) -> str:
    """Appends the check digit; raises ValueError when the 11 digits have none."""
    digit = check_digit(first_eleven)
    if digit is None:
        raise ValueError(f"{first_eleven} has no valid check digit")
    return f"{first_eleven}{digit}"
