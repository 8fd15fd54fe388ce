"""What the engine works on and what it depends on, as plain values and small protocols.

The engine sits in `services/`, below `resolvers/` and beside `auth/` and `audit/`; the reads it
makes under a card's statute (the one access decision, the access log) and the end of a deceased
citizen's access are theirs. So the engine names what it needs here (`CaseReads`,
`DeathEffects`), and `resolvers/proactive_reads.py` implements it; the wiring hands it over.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import Enum
from typing import Any, Protocol

from standard.statuses import ProactiveMode
from store.models import ServiceCard
from store.proactive_models import LifeEventRecord


@dataclass(frozen=True, slots=True)
class OutboxEvent:
    """A life event as a worker claimed it: `attempts` counts this claim."""

    id: str
    agency_code: str
    source_event_id: str
    kind: str
    national_id: str
    occurred_at: datetime
    channel: str
    reported_at: datetime
    attempts: int

    @classmethod
    def of(cls, row: LifeEventRecord | Any) -> OutboxEvent:
        return cls(
            id=row.id,
            agency_code=row.agency_code,
            source_event_id=row.source_event_id,
            kind=row.kind,
            national_id=row.national_id,
            occurred_at=row.occurred_at,
            channel=row.channel,
            reported_at=row.reported_at,
            attempts=row.attempts,
        )


@dataclass(frozen=True, slots=True)
class ProactiveCard:
    """An enabled proactive service card, as the engine applies it."""

    id: str
    version: int
    agency: str
    name_fa: str
    name_en: str
    statute: str
    mode: ProactiveMode
    datasets: tuple[str, ...]
    life_event: str
    reference_date: str | None

    @classmethod
    def of(cls, row: ServiceCard) -> ProactiveCard:
        return cls(
            id=row.id,
            version=row.version,
            agency=row.agency_code,
            name_fa=row.name_fa,
            name_en=row.name_en,
            statute=row.statute or "",
            mode=ProactiveMode(row.proactive_mode or ""),  # ValueError for a card with none
            datasets=tuple(row.datasets),
            life_event=row.life_event or "",
            reference_date=row.reference_date,
        )


@dataclass(frozen=True, slots=True)
class ReadRequest:
    """The reads one case needs: the card's datasets about the event's subject, and the event's
    evidence record (who the case is for: a minor's parents; the facts that triggered it)."""

    card: ProactiveCard
    event: OutboxEvent

    @property
    def case_reference(self) -> str:
        """What the access log records as the read's case: the card and the event."""
        return f"{self.card.id}:{self.event.id}"


@dataclass(frozen=True, slots=True)
class RecordRead:
    """One standard record as read for a case: only the fields of the datasets read."""

    record_type: str
    subject: str
    values: Mapping[str, object]
    agency: str
    datasource: str
    retrieved_at: datetime
    last_updated: datetime | None
    available: bool  # False: the source holds no record (NO_RECORD)

    def as_json(self) -> dict[str, Any]:
        """The record as a case's `data.records` holds it (docs/proactive.md)."""
        return {
            "recordType": self.record_type,
            "subject": self.subject,
            "values": {name: json_value(value) for name, value in self.values.items()},
            "provenance": {
                "agency": self.agency,
                "datasource": self.datasource,
                "retrievedAt": self.retrieved_at.isoformat(),
                "lastUpdated": self.last_updated.isoformat() if self.last_updated else None,
                "status": "AVAILABLE" if self.available else "NO_RECORD",
            },
        }


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """What the reads of one request found."""

    records: tuple[RecordRead, ...]  # the card's datasets
    evidence: RecordRead | None  # the event's record (birth or death); None if not read
    born: date | None  # the subject's date of birth, from the evidence when it is a birth record
    parents: tuple[str, ...]  # the parents named by the birth record of a minor subject


@dataclass(frozen=True, slots=True)
class SubjectDeceased:
    """The subject of an age event has died since: the event makes no case."""


DECEASED = SubjectDeceased()


@dataclass(frozen=True, slots=True)
class ReadFailure:
    """A request whose reads could not be made or recorded: its case waits for a retry."""

    reason: str


# What the reads of one request come to: the facts of its case, no case, or a retry.
ReadOutcome = CaseFacts | SubjectDeceased | ReadFailure


class CaseReads(Protocol):
    async def read(self, requests: Sequence[ReadRequest]) -> list[ReadOutcome]:
        """Each request's facts (or failure), in order. One call to each source for the whole
        sequence; every read decided and recorded in the access log before it is returned."""
        ...


class DeathEffects(Protocol):
    async def deceased(self, national_id: str) -> None:
        """End what the citizen's own access rests on (logins, sessions, consents); idempotent."""
        ...


def json_value(value: object) -> object:
    """A record value as JSON holds it: dates and datetimes in ISO 8601, enums by value."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [json_value(item) for item in value]
    return value
