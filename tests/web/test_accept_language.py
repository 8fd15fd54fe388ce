"""The pages' language from Accept-Language: weights, order, regions and unknown languages
negotiated by Babel; malformed ranges skipped; the default when nothing fits."""

from __future__ import annotations

from datetime import date

import pytest

from web.accept_language import MAX_RANGES, negotiate, preferred
from web.i18n import DEFAULT, DIRECTION, LANGUAGE_NAME, LANGUAGES, format_date


def chosen(header: str) -> str:
    return negotiate(header, LANGUAGES, DEFAULT)


@pytest.mark.parametrize(
    ("header", "language"),
    [
        ("", "fa"),
        ("en", "en"),
        ("EN-us", "en"),
        ("fa-IR, en;q=0.8", "fa"),
        ("en-GB,en;q=0.9,fa;q=0.5", "en"),
        ("fa;q=0.5, en;q=0.9", "en"),  # by weight, not by place
        ("en;q=0.7, fa;q=0.7", "en"),  # equal weights: as listed
        ("de, en;q=0.3", "en"),  # an unknown language is passed over
        ("de-CH, fr;q=0.9, ja;q=0.8", "fa"),  # none known: the default
        ("*", "fa"),
        ("en;q=0, fa;q=0.1", "fa"),  # q=0 means "not this"
        ("en;q=0.000", "fa"),
        ("en ; Q = 0.5, de", "en"),
        ("zh-Hant-TW, en-Latn-US;q=0.4", "en"),
    ],
)
def test_negotiated_by_weight_then_order(header: str, language: str) -> None:
    assert chosen(header) == language


@pytest.mark.parametrize(
    "header",
    [
        "en;q=abc",
        "en;q=2",
        "en;q=0.5555",
        "en;q=-1",
        "en;level=1",
        "en_US",
        "e n",
        "toolonglanguage",
        "en-toolongsubtag",
        ";;;,,,",
        "\x00en",
        "فارسی",
    ],
)
def test_malformed_ranges_are_skipped(header: str) -> None:
    assert preferred(header) == []
    assert chosen(header) == "fa"
    assert chosen(f"{header}, en;q=0.2") == "en"  # the well-formed ranges still count


def test_ranges_past_the_bound_are_not_read() -> None:
    many = ",".join(["de"] * (MAX_RANGES - 1) + ["en"])
    assert chosen(many) == "en"
    assert chosen(",".join(["de"] * MAX_RANGES + ["en"])) == "fa"


def test_babel_names_the_languages_and_writes_english_dates() -> None:
    assert DIRECTION == {"fa": "rtl", "en": "ltr"}
    assert LANGUAGE_NAME == {"fa": "فارسی", "en": "English"}
    assert format_date("en", date(2027, 2, 27)) == "27 February 2027"
    assert format_date("fa", date(2027, 2, 27)) == "۱۴۰۵/۱۲/۰۸"
