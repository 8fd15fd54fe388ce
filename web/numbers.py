"""Numbers and moments as a page's reader reads them: a share as a percentage, milliseconds, an
instant in national time; each in the reader's digits (web.i18n.digits)."""

from __future__ import annotations

from datetime import datetime

from auth.consent.national_time import NATIONAL_TZ, national_date
from store.db import aware
from web.i18n import digits, format_date

PERCENT_SIGN = {"fa": "٪", "en": "%"}
DECIMAL_SEPARATOR = {"fa": "٫", "en": "."}


def _decimal(lang: str, value: float, places: int) -> str:
    shown = f"{value:.{places}f}"
    if "." in shown:
        shown = shown.rstrip("0").rstrip(".")
    return digits(lang, shown.replace(".", DECIMAL_SEPARATOR[lang]))


def percent(lang: str, share: float | None, places: int = 1) -> str:
    """0.632 -> "63.2%" (en), "۶۳٫۲٪" (fa); None -> "–"."""
    if share is None:
        return "–"
    return _decimal(lang, share * 100, places) + PERCENT_SIGN[lang]


def milliseconds(lang: str, value: float | None) -> str:
    """A latency, whole milliseconds ("–" when there is none)."""
    if value is None:
        return "–"
    return digits(lang, f"{round(value)}") + (" میلی‌ثانیه" if lang == "fa" else " ms")


def moment(lang: str, at: datetime | None) -> str:
    """An instant as the national date (Solar Hijri in Persian) and the time of day."""
    if at is None:
        return "–"
    local = aware(at).astimezone(NATIONAL_TZ)
    return f"{format_date(lang, national_date(at))} {digits(lang, local.strftime('%H:%M:%S'))}"
