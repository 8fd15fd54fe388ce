"""Bounded label values: no caller, and no attacker behind a caller, can grow the series.

Every label value of every metric passes a `BoundedLabels`: a fixed safelist, plus at most
`capacity` other well-formed values, admitted first come first served in this process; anything
else is `other`. An attacker sending 10,000 distinct operation names therefore adds at most
`capacity` series per worker, however the names are made.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["OTHER", "BoundedLabels"]

OTHER = "other"
MAX_LENGTH = 64
# GraphQL names, OAuth error codes, route templates, source ids, status codes: nothing needs more.
_WELL_FORMED = re.compile(rf"[A-Za-z0-9_./{{}}:-]{{1,{MAX_LENGTH}}}")


class BoundedLabels:
    def __init__(self, safelist: Iterable[str] = (), capacity: int = 0) -> None:
        self._known = set(safelist)
        self._capacity = capacity
        self._admitted = 0

    def __call__(self, value: str) -> str:
        if value in self._known:
            return value
        if self._admitted >= self._capacity or not _WELL_FORMED.fullmatch(value):
            return OTHER
        self._admitted += 1
        self._known.add(value)
        return value

    @property
    def values(self) -> frozenset[str]:
        return frozenset(self._known)
