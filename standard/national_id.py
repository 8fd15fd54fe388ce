"""The national code: ten digits, the last a check digit over the first nine.

The key of the data standard. Every national code that enters the gateway (a GraphQL argument, a
form field, a key or value read from an agency) passes `parse`, which reads Persian (U+06F0-U+06F9)
and Arabic-Indic (U+0660-U+0669) digits as 0-9 and refuses every other character, other Unicode
digits included: Python's `\\d`, `int()` and `str.isdigit()` accept all of them, so none of those
is used here. Sources and the access log only ever see the canonical code `parse` returns.

No GraphQL, no I/O: everyone imports it.
"""

from __future__ import annotations

import re

from standard.errors import DarvazehError, ErrorCode

# The canonical spelling: ten ASCII digits. (`[0-9]`, never `\d`: see the module docstring.)
_CANONICAL = re.compile(r"[0-9]{10}")
_LATIN = "0123456789"
# The two digit sets Iranians type; each maps to 0-9.
_TO_LATIN = str.maketrans("۰۱۲۳۴۵۶۷۸۹" + "٠١٢٣٤٥٦٧٨٩", _LATIN * 2)
# Invisible marks that copying a code out of right-to-left text brings along (LRM, RLM, ALM,
# the bidi embeddings and isolates): they carry no meaning, so they are dropped at the edges.
_EDGE_MARKS = " \t\r\n\u00a0\u061c\u200e\u200f" + "".join(
    map(chr, (*range(0x202A, 0x202F), *range(0x2066, 0x206A)))
)
# Longer input is refused before any work, and never echoed whole.
MAX_INPUT_LENGTH = 40
_SHOWN = 24


class InvalidNationalId(DarvazehError):
    """A string that is not a well-formed national code (`nationalId`: the part shown)."""

    code = ErrorCode.INVALID_NATIONAL_ID

    def __init__(self, value: str, reason: str) -> None:
        shown = value if len(value) <= _SHOWN else value[:_SHOWN] + "…"
        super().__init__(f"{shown!r} is not a valid national code: {reason}", nationalId=shown)
        self.value = shown
        self.reason = reason


def check_digit(first_nine: str) -> int:
    total = sum(_LATIN.index(digit) * (10 - position) for position, digit in enumerate(first_nine))
    remainder = total % 11
    return remainder if remainder < 2 else 11 - remainder


def latin_digits(value: str) -> str:
    """Persian and Arabic-Indic digits as 0-9; every other character unchanged."""
    return value.translate(_TO_LATIN)


def is_latin_digits(value: str) -> bool:
    """Only the ASCII digits 0-9 (not `str.isdigit()`, which takes any script's digits)."""
    return bool(value) and value.isascii() and value.isdigit()


def parse(value: object) -> str:
    """The canonical code from what a client sent: Persian and Arabic-Indic digits read as 0-9.
    Raises InvalidNationalId for anything else (blanks and direction marks included), naming
    the fault."""
    if not isinstance(value, str):
        raise InvalidNationalId(str(value), "it must be a string of 10 digits")
    if len(value) > MAX_INPUT_LENGTH:
        raise InvalidNationalId(value, "it must be exactly 10 digits")
    return validate(latin_digits(value))


def parse_typed(value: str) -> str:
    """`parse` for what a person typed into a form: the blanks and direction marks that copying
    from right-to-left text leaves around a code are dropped first."""
    if len(value) > MAX_INPUT_LENGTH:
        raise InvalidNationalId(value, "it must be exactly 10 digits")
    return parse(value.strip(_EDGE_MARKS))


def is_valid(value: object) -> bool:
    """Whether `parse` accepts `value`."""
    try:
        parse(value)
    except InvalidNationalId:
        return False
    return True


def validate(value: str) -> str:
    """Return the code unchanged if it is already canonical; raise InvalidNationalId naming the
    fault. Input from outside goes through `parse` instead."""
    if not isinstance(value, str) or not _CANONICAL.fullmatch(value):
        raise InvalidNationalId(str(value), "it must be exactly 10 digits")
    if len(set(value)) == 1:
        raise InvalidNationalId(value, "a code of one repeated digit is never issued")
    if check_digit(value[:9]) != _LATIN.index(value[9]):
        raise InvalidNationalId(value, "the check digit does not match")
    return value


def from_agency(value: str) -> str | None:
    """A code as an agency stores it (maybe in Persian digits, maybe having lost its leading
    zeros in a numeric column), zero-padded to ten Latin digits; None when it is not up to ten
    digits. The check digit is not asked for: a key that is no valid code simply matches
    nothing."""
    text = latin_digits(value.strip(_EDGE_MARKS))
    if len(text) > 10 or not is_latin_digits(text):
        return None
    return text.zfill(10)


def with_check_digit(first_nine: str) -> str:
    """Complete nine digits into a valid code (the demo generator issues codes this way)."""
    if len(first_nine) != 9 or not is_latin_digits(first_nine):
        raise ValueError("need exactly nine digits")
    return first_nine + str(check_digit(first_nine))


MASK = "•"
SHOWN_DIGITS = 3


def masked(code: str) -> str:
    """A code with only its last three digits shown (`•••••••789`): enough for staff to tell
    two cases apart on a page, not enough to say whose they are."""
    shown = code[-SHOWN_DIGITS:] if len(code) > SHOWN_DIGITS else ""
    return MASK * (len(code) - len(shown)) + shown
