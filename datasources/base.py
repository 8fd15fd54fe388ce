"""What every adapter shares: the mapped record, the adapter protocol and the errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol

from standard.errors import DarvazehError, ErrorCode, Refused


@dataclass(frozen=True, slots=True)
class MappedRecord:
    """One citizen's standard record as read from a source: standard field name -> value."""

    values: dict[str, Any]
    last_updated: datetime | None = None


class Adapter(Protocol):
    name: str

    async def fetch(self, national_ids: Sequence[str]) -> dict[str, RecordOrError]:
        """Records of those ids that have one; an id with no record is simply absent.

        A row that does not fit the mapping is that citizen's RecordError, not the batch's.
        """
        ...

    async def probe(self) -> None:
        """Raise SourceError unless the source answers and still matches its mapping."""
        ...

    async def close(self) -> None: ...


class Fault(StrEnum):
    """What kind of fault a source has, in words any client may read: never a URL, host, path
    or driver message."""

    UNREACHABLE = "could not be reached"
    TIMEOUT = "did not answer in time"
    FAILED = "answered with an error"
    BAD_ANSWER = "answered in a form the gateway cannot read"
    MISMATCH = "no longer matches its mapping"
    RECORD = "holds a record for this citizen that does not fit its mapping"
    CIRCUIT_OPEN = "is left alone after repeated failures (circuit open)"
    REFUSED = "is outside what the gateway's connection policy allows"


class SourceError(DarvazehError):
    """A source could not be read: unreachable, failing, slow, or no longer matching its mapping.

    Three views of one fault: `str()` and `reason` carry every detail, for the log only;
    `public` (also its `message`, what clients are told) names the source and the kind of fault;
    `for_agency` adds `hint`, a detail about the agency's own mapping or answer (a missing
    column, an HTTP status, its GraphQL service's message) that never names where or how the
    source is reached.
    """

    code = ErrorCode.SOURCE_UNAVAILABLE

    def __init__(
        self, source: str, message: str, fault: Fault = Fault.FAILED, *, hint: str | None = None
    ) -> None:
        self.source = source
        self.reason = message
        self.fault = fault
        self.hint = hint
        super().__init__(self.public)  # what clients are told
        self.args = (f"data source {source!r}: {message}",)  # str(): every detail, for the log

    @property
    def public(self) -> str:
        return f"data source {self.source!r} {self.fault.value}"

    @property
    def for_agency(self) -> str:
        return f"{self.public}: {self.hint}" if self.hint else self.public


class RegistrationError(Refused):
    """A registration the gateway refuses before touching the source (bad kind, agency, ...)."""

    def __init__(self, message: str) -> None:
        super().__init__([message])


class SourceTimeout(SourceError):
    """The source did not answer within its timeout."""


class MappingError(Refused):
    """A mapping that cannot work; `problems` names every fault found, not just the first."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems, "invalid mapping: " + "; ".join(problems))


class RecordError(DarvazehError):
    """One stored value that its mapping cannot turn into the standard's value.

    The message names the field and column but never the value: it may be personal data.
    """

    code = ErrorCode.SOURCE_UNAVAILABLE

    def __init__(self, field: str, column: str, reason: str) -> None:
        super().__init__(f"field {field!r} (from {column!r}): {reason}")
        self.field = field
        self.column = column


# What a fetch yields per citizen: the record, or why their row could not be read.
RecordOrError = MappedRecord | RecordError
