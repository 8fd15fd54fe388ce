"""The national code's masked form, as the agency console shows whose case it is."""

from __future__ import annotations

from standard.national_id import masked


def test_only_the_last_three_digits_are_shown() -> None:
    assert masked("0012345679") == "•••••••679"
    assert masked("679") == "•••"
    assert masked("") == ""
