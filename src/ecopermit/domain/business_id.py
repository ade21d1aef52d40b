"""Kazakhstan's business identification number (BIN) and its check digit."""

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


def is_valid_bin(candidate: str) -> bool:
    """True for 12 ASCII digits whose last is the check digit of the first 11."""
    if len(candidate) != BIN_LENGTH or not (candidate.isascii() and candidate.isdigit()):
        return False
    return check_digit(candidate[:-1]) == int(candidate[-1])


def complete_bin(first_eleven: str) -> str:
    """Appends the check digit; raises ValueError when the 11 digits have none."""
    digit = check_digit(first_eleven)
    if digit is None:
        raise ValueError(f"{first_eleven} has no valid check digit")
    return f"{first_eleven}{digit}"
