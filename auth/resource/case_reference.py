"""The case reference a statutory read names (the `Darvazeh-Case-Reference` header): checked
against the operator's pattern and length before any read, since it is written into every audit
record of the request."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from standard.errors import DarvazehError, ErrorCode

CASE_REFERENCE_HEADER = "Darvazeh-Case-Reference"


class InvalidCaseReference(DarvazehError):
    """A case reference that does not fit the configured format."""

    code = ErrorCode.INVALID_CASE_REFERENCE


@dataclass(frozen=True, slots=True)
class CaseReferencePolicy:
    pattern: str  # matched against the whole value
    max_length: int
    _compiled: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_compiled", re.compile(self.pattern))

    def check(self, value: str | None) -> str | None:
        """The reference (surrounding blanks dropped), None when absent; raises
        InvalidCaseReference when it does not fit. The length is checked first, so the pattern
        never runs over a long value."""
        if value is None:
            return None
        reference = value.strip()
        if not reference:
            return None
        if len(reference) > self.max_length:
            raise InvalidCaseReference(
                f"the case reference is longer than {self.max_length} characters"
            )
        if not self._compiled.fullmatch(reference):
            raise InvalidCaseReference(
                f"the case reference must match {self.pattern} (e.g. EDU-1405/000123)"
            )
        return reference
