from __future__ import annotations

import pytest

from standard.national_id import (
    InvalidNationalId,
    check_digit,
    is_valid,
    validate,
    with_check_digit,
)


@pytest.mark.parametrize("first_nine", ["049937089", "008457594", "111111112", "999999998"])
def test_codes_with_their_check_digit_are_valid(first_nine: str) -> None:
    code = with_check_digit(first_nine)
    assert validate(code) == code


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("123", "exactly 10 digits"),
        ("12345678901", "exactly 10 digits"),
        ("12345678a0", "exactly 10 digits"),
        (" 0499370899", "exactly 10 digits"),  # `validate` takes canonical codes only
        ("0000000000", "repeated digit"),
        ("5555555555", "repeated digit"),
        ("0499370898", "check digit"),
    ],
)
def test_malformed_codes_are_refused_naming_the_fault(value: str, reason: str) -> None:
    with pytest.raises(InvalidNationalId, match=reason):
        validate(value)
    if value == value.strip():
        assert not is_valid(value)


def test_check_digit_rule() -> None:
    # 0·10 + 4·9 + 9·8 + 9·7 + 3·6 + 7·5 + 0·4 + 8·3 + 9·2 = 266; 266 % 11 = 2; 11 - 2 = 9
    assert check_digit("049937089") == 9
    assert check_digit("000000001") == 9  # 1·2 = 2; remainder 2 → 11 - 2
    assert check_digit("000000005") == 1  # 5·2 = 10; remainder 10 → 11 - 10
    assert check_digit("000000050") == 7  # 5·3 = 15; remainder 4 → 11 - 4
