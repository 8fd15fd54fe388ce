"""Solar Hijri (Jalali) calendar conversion, after the jalaali-js algorithm (Borkowski's breaks).

Agencies store dates as Solar Hijri strings; the standard speaks Gregorian ISO dates.
"""

from __future__ import annotations

import re
from datetime import date

_BREAKS = (-61, 9, 38, 199, 426, 686, 756, 818, 1111, 1181, 1210, 1635, 2060, 2097, 2192,
           2262, 2324, 2394, 2456, 3178)  # fmt: skip
_PATTERN = re.compile(r"\s*(\d{3,4})[/\-.](\d{1,2})[/\-.](\d{1,2})\s*")


def _div(a: int, b: int) -> int:
    """Integer division truncating toward zero, as the reference algorithm expects."""
    return int(a / b)


def _mod(a: int, b: int) -> int:
    return a - _div(a, b) * b


def _year_facts(jy: int) -> tuple[int, int, int]:
    """(leap index, Gregorian year, day in March of Farvardin 1st) for Solar Hijri year jy."""
    if not _BREAKS[0] <= jy < _BREAKS[-1]:
        raise ValueError(f"Solar Hijri year {jy} is out of range")
    gy = jy + 621
    leap_j = -14
    jp = _BREAKS[0]
    jump = 0
    for jm in _BREAKS[1:]:
        jump = jm - jp
        if jy < jm:
            break
        leap_j += _div(jump, 33) * 8 + _div(_mod(jump, 33), 4)
        jp = jm
    n = jy - jp
    leap_j += _div(n, 33) * 8 + _div(_mod(n, 33) + 3, 4)
    if _mod(jump, 33) == 4 and jump - n == 4:
        leap_j += 1
    leap_g = _div(gy, 4) - _div((_div(gy, 100) + 1) * 3, 4) - 150
    march = 20 + leap_j - leap_g
    if jump - n < 6:
        n = n - jump + _div(jump + 4, 33) * 33
    leap = _mod(_mod(n + 1, 33) - 1, 4)
    if leap == -1:
        leap = 4
    return leap, gy, march


def is_leap(jy: int) -> bool:
    return _year_facts(jy)[0] == 0


def month_length(jy: int, jm: int) -> int:
    if jm <= 6:
        return 31
    if jm <= 11:
        return 30
    return 30 if is_leap(jy) else 29


def to_gregorian(jy: int, jm: int, jd: int) -> date:
    if not 1 <= jm <= 12 or not 1 <= jd <= month_length(jy, jm):
        raise ValueError(f"{jy}/{jm}/{jd} is not a Solar Hijri date")
    _, gy, march = _year_facts(jy)
    start = date(gy, 3, march).toordinal()
    return date.fromordinal(start + (jm - 1) * 31 - _div(jm, 7) * (jm - 7) + jd - 1)


def from_gregorian(day: date) -> tuple[int, int, int]:
    jy = day.year - 621
    leap, gy, march = _year_facts(jy)
    k = day.toordinal() - date(gy, 3, march).toordinal()
    if k >= 0:
        if k <= 185:
            return jy, 1 + _div(k, 31), _mod(k, 31) + 1
        k -= 186
    else:
        # leap index of the year we started from, as in the reference algorithm
        jy -= 1
        k += 179
        if leap == 1:
            k += 1
    return jy, 7 + _div(k, 30), _mod(k, 30) + 1


def parse(text: str) -> date:
    """'1402/05/12', '1402-5-12' or '1402.05.12' to a Gregorian date; ValueError otherwise."""
    match = _PATTERN.fullmatch(text)
    if not match:
        raise ValueError(f"{text!r} is not a Solar Hijri date (expected YYYY/MM/DD)")
    return to_gregorian(*(int(part) for part in match.groups()))


def format(day: date, separator: str = "/") -> str:
    jy, jm, jd = from_gregorian(day)
    return f"{jy:04d}{separator}{jm:02d}{separator}{jd:02d}"
