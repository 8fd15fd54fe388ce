"""Solar Hijri (Jalali) dates, the calendar Iranian agencies write dates in, over jdatetime.

Agencies store dates as Solar Hijri strings and the citizens' pages show them; the standard speaks
Gregorian dates. The conversion is jdatetime's (the 33-year-cycle arithmetic of jalaali-js, exact
for every year an agency holds); this module only reads an agency's spelling and writes ours.

No I/O: the datasources' transforms, the pages and the demo world all import it from here.
"""

from __future__ import annotations

import re
from datetime import date

import jdatetime

# Longer input (blanks around it aside: fixed-width columns pad) is refused before any matching.
MAX_INPUT_LENGTH = 32
# Year, month and day, separated by '/', '-' or '.': '1402/05/12', '1402-5-12', '1402.05.12'.
# Digits are ASCII, Persian or Arabic-Indic (never `\d`, which takes every script's digits).
_DIGIT = "[0-9\u06f0-\u06f9\u0660-\u0669]"
_PATTERN = re.compile(rf"({_DIGIT}{{3,4}})[/\-.]({_DIGIT}{{1,2}})[/\-.]({_DIGIT}{{1,2}})")
_TO_LATIN = str.maketrans("۰۱۲۳۴۵۶۷۸۹" + "٠١٢٣٤٥٦٧٨٩", "0123456789" * 2)


def to_gregorian(year: int, month: int, day: int) -> date:
    """ValueError for a day the Solar Hijri calendar does not have (1402/12/30, 1402/13/01)."""
    gregorian = jdatetime.date(year, month, day).togregorian()
    return date(gregorian.year, gregorian.month, gregorian.day)


def from_gregorian(day: date) -> tuple[int, int, int]:
    """(year, month, day) in the Solar Hijri calendar; ValueError before its year 1 (622 CE)."""
    solar = jdatetime.date.fromgregorian(date=day)
    return int(solar.year), int(solar.month), int(solar.day)


def parse(text: str) -> date:
    """An agency's Solar Hijri date ('1402/05/12', '1402-5-12', '۱۴۰۲/۰۵/۱۲') as a Gregorian
    date; ValueError for anything else (the message never quotes the input)."""
    written = text.strip()
    if len(written) > MAX_INPUT_LENGTH:
        raise ValueError("not a Solar Hijri date (too long)")
    found = _PATTERN.fullmatch(written)
    if found is None:
        raise ValueError("not a Solar Hijri date (expected YYYY/MM/DD)")
    year, month, day = (int(part.translate(_TO_LATIN)) for part in found.groups())
    return to_gregorian(year, month, day)


def format(day: date, separator: str = "/") -> str:
    """A Gregorian date in Solar Hijri, zero-padded: '1402/05/12'."""
    year, month, day_of_month = from_gregorian(day)
    return f"{year:04d}{separator}{month:02d}{separator}{day_of_month:02d}"
