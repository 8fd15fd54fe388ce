"""Numbers and percentages as the reader writes them: Persian digits and separators in Persian
(۵٬۲۰۰ and ۶۳٫۲٪), Latin in English (5,200 and 63.2%). Every page shows shares through
`percent`, so nothing shows a raw fraction like 0.632."""

from __future__ import annotations

from web.i18n import digits

_PERSIAN_MARKS = str.maketrans({",": "٬", ".": "٫", "%": "٪"})


def number(lang: str, value: int) -> str:
    shown = f"{value:,}"
    return digits(lang, shown).translate(_PERSIAN_MARKS) if lang == "fa" else shown


def percent(lang: str, share: float | None, *, empty: str = "—") -> str:
    """`share` (0 to 1) as a percentage with one decimal at most. Rounding never makes a part
    look like none or all: 0.0004 is 0.1%, 0.9996 is 99.9%. None (nothing to count) is `empty`."""
    if share is None:
        return empty
    value = round(share * 100, 1)
    if share > 0 and value == 0:
        value = 0.1
    elif share < 1 and value == 100:
        value = 99.9
    shown = f"{value:.1f}".removesuffix(".0") + "%"
    return digits(lang, shown).translate(_PERSIAN_MARKS) if lang == "fa" else shown
