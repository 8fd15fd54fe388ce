"""The national code: ten digits, the last a check digit over the first nine.

The key of the data standard. A malformed code is refused before any source is called.
"""

from __future__ import annotations

import re

_DIGITS = re.compile(r"\d{10}")


class InvalidNationalId(ValueError):
    """A string that is not a well-formed national code."""

    def __init__(self, value: str, reason: str) -> None:
        super().__init__(f"{value!r} is not a valid national code: {reason}")
        self.value = value
        self.reason = reason


def check_digit(first_nine: str) -> int:
    total = sum(int(digit) * (10 - position) for position, digit in enumerate(first_nine))
    remainder = total % 11
    return remainder if remainder < 2 else 11 - remainder


def is_valid(value: str) -> bool:
    try:
        validate(value)
    except InvalidNationalId:
        return False
    return True


def validate(value: str) -> str:
    """Return the code unchanged if well-formed; raise InvalidNationalId naming the fault."""
    if not isinstance(value, str) or not _DIGITS.fullmatch(value):
        raise InvalidNationalId(str(value), "it must be exactly 10 digits")
    if len(set(value)) == 1:
        raise InvalidNationalId(value, "a code of one repeated digit is never issued")
    if check_digit(value[:9]) != int(value[9]):
        raise InvalidNationalId(value, "the check digit does not match")
    return value


def with_check_digit(first_nine: str) -> str:
    """Complete nine digits into a valid code (the demo generator issues codes this way)."""
    if len(first_nine) != 9 or not first_nine.isdigit():
        raise ValueError("need exactly nine digits")
    return first_nine + str(check_digit(first_nine))
