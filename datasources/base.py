"""What every adapter shares: the mapped record, the adapter protocol and the errors."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol


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


class SourceError(Exception):
    """A source could not be read: unreachable, failing, slow, or no longer matching its mapping."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"data source {source!r}: {message}")
        self.source = source
        self.reason = message


class SourceTimeout(SourceError):
    """The source did not answer within its timeout."""


class MappingError(ValueError):
    """A mapping that cannot work; `problems` names every fault found, not just the first."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("invalid mapping: " + "; ".join(problems))
        self.problems = problems


class RecordError(ValueError):
    """One stored value that its mapping cannot turn into the standard's value.

    The message names the field and column but never the value: it may be personal data.
    """

    def __init__(self, field: str, column: str, reason: str) -> None:
        super().__init__(f"field {field!r} (from {column!r}): {reason}")
        self.field = field
        self.column = column


# What a fetch yields per citizen: the record, or why their row could not be read.
RecordOrError = MappedRecord | RecordError
