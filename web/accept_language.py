"""Which of the pages' languages a browser prefers, from its Accept-Language header: the header's
ranges ordered by their weights (RFC 9110), matched by Babel's locale negotiation (`fa-IR` is
served `fa`).

The header is read only so far, in characters and in ranges (browsers send a few dozen
characters): a header of any size or shape costs the same bounded work, and malformed ranges are
skipped, never an error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from babel.core import negotiate_locale

MAX_HEADER_LENGTH = 512
MAX_RANGES = 16
# A language range (or *), then optionally a weight: q=0 to 1 with up to three decimals.
_RANGE = re.compile(
    r"\s*([A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*|\*)"
    r"\s*(?:;\s*[qQ]\s*=\s*(0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?))?\s*"
)


def preferred(header: str) -> list[str]:
    """The header's language ranges, most wanted first (by weight, then as listed); malformed
    ranges and those weighted 0 are left out."""
    if len(header) > MAX_HEADER_LENGTH:
        header = header[:MAX_HEADER_LENGTH].rpartition(",")[0]  # no range cut in two
    ranked: list[tuple[float, int, str]] = []
    for position, part in enumerate(header.split(",", MAX_RANGES)[:MAX_RANGES]):
        found = _RANGE.fullmatch(part)
        if found is None:
            continue
        language_range, weight = found.groups()
        quality = float(weight) if weight is not None else 1.0
        if quality > 0:
            ranked.append((-quality, position, language_range))
    return [language_range for _, _, language_range in sorted(ranked)]


def negotiate(header: str, available: Sequence[str], default: str) -> str:
    """The first of `available` (lower-case language codes) the header asks for, else `default`."""
    chosen = negotiate_locale(preferred(header), available, sep="-")
    language = chosen.lower() if chosen is not None else default
    return language if language in available else default
