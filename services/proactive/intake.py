"""Life events in: a report checked, then written to the outbox (store.proactive_models.
LifeEventRecord) exactly once, before anyone is told it was taken.

The same path for every channel (GraphQL, NATS, the age scan). A report is refused, with its own
code, when it is malformed (LIFE_EVENT_INVALID, every problem named), of a kind the reporting
agency does not own (LIFE_EVENT_NOT_OWNED: the owner is the agency whose registered source serves
the event's evidence record), about a citizen that source does not hold (LIFE_EVENT_NOT_HELD:
asked through `EvidenceCheck`, an audited system read), or under an event id the agency already
used for another event (LIFE_EVENT_CONFLICT). The same report sent again is answered with the
event it made the first time, and creates nothing.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

from sqlalchemy import select, tuple_
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from datasources.registry import Registry
from standard import national_id as national_codes
from standard.datasets import RecordType
from standard.errors import DarvazehError, ErrorCode, Refused
from standard.life_events import EVENT_ID_PATTERN, MAX_EVENT_ID, LifeEvent, life_event
from standard.statuses import EventChannel, OutboxStatus
from store.db import transaction
from store.proactive_models import LifeEventRecord
from store.types import as_utc

# When an event may have happened: not before the registries' records begin, and not later than
# now (a reporter's clock may run a little ahead).
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
CLOCK_SKEW = timedelta(minutes=5)
MAX_TIMESTAMP = 40  # '2024-05-01T10:00:00.123456+03:30' is 32
MAX_KIND = 32


class LifeEventInvalid(Refused):
    code = ErrorCode.LIFE_EVENT_INVALID


class LifeEventNotOwned(DarvazehError):
    code = ErrorCode.LIFE_EVENT_NOT_OWNED


class LifeEventNotHeld(DarvazehError):
    code = ErrorCode.LIFE_EVENT_NOT_HELD


class LifeEventConflict(DarvazehError):
    code = ErrorCode.LIFE_EVENT_CONFLICT


class EvidenceCheck(Protocol):
    """Whether the registered source of `record_type` holds a record for `national_id`: a read
    under the access decision, recorded in the access log (resolvers.life_events)."""

    async def held(self, record_type: RecordType, national_id: str, event_id: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class LifeEventReport:
    """A report as it arrived (GraphQL input, a NATS message): nothing in it is trusted yet."""

    kind: object
    national_id: object
    event_id: object
    occurred_at: object


@dataclass(frozen=True, slots=True)
class CheckedEvent:
    kind: LifeEvent
    national_id: str
    event_id: str
    occurred_at: datetime


@dataclass(frozen=True, slots=True)
class Reported:
    """The outbox row a report made (`created`) or had made before (`created` False)."""

    id: str
    kind: LifeEvent
    national_id: str
    event_id: str
    occurred_at: datetime
    agency: str
    status: OutboxStatus
    created: bool

    @classmethod
    def of(cls, row: LifeEventRecord, *, created: bool) -> Reported:
        return cls(
            row.id, LifeEvent(row.kind), row.national_id, row.source_event_id,
            as_utc(row.occurred_at), row.agency_code, OutboxStatus(row.status), created,
        )  # fmt: skip


def check(report: LifeEventReport, *, now: datetime | None = None) -> CheckedEvent:
    """The report's values, canonical, or LifeEventInvalid naming every problem. Sizes are
    checked before anything is parsed; messages never quote what was sent."""
    problems: list[str] = []
    kind = None
    if isinstance(report.kind, str) and len(report.kind) <= MAX_KIND:
        kind = life_event(report.kind)
    if kind is None:
        problems.append("kind: not a life event")
    code = None
    if national_codes.is_valid(report.national_id):
        code = national_codes.parse(report.national_id)
    else:  # the message never quotes it: a citizen's code
        problems.append("nationalId: not a national code (10 digits, its check digit last)")
    event_id = report.event_id
    if (
        not isinstance(event_id, str)
        or len(event_id) > MAX_EVENT_ID
        or not EVENT_ID_PATTERN.fullmatch(event_id)
    ):
        problems.append(
            f"eventId: 1 to {MAX_EVENT_ID} characters: letters, digits and . _ : / - (not first)"
        )
    occurred = _moment(report.occurred_at, problems, now or datetime.now(UTC))
    if problems:
        raise LifeEventInvalid(problems)
    assert kind is not None and code is not None and isinstance(event_id, str)
    assert occurred is not None
    return CheckedEvent(kind, code, event_id, occurred)


def _moment(value: object, problems: list[str], now: datetime) -> datetime | None:
    moment = value if isinstance(value, datetime) else None
    if isinstance(value, str) and len(value) <= MAX_TIMESTAMP:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            moment = None
    if moment is None or moment.tzinfo is None:
        problems.append("occurredAt: an ISO 8601 date-time with its offset")
        return None
    moment = moment.astimezone(UTC)
    if not EARLIEST <= moment <= now + CLOCK_SKEW:
        problems.append(f"occurredAt: between {EARLIEST.date()} and now")
        return None
    return moment


def owner(registry: Registry, kind: LifeEvent) -> str | None:
    """The agency that reports `kind`: the one whose registered source serves its evidence."""
    if kind.evidence is None:
        return None
    source = registry.source_for(kind.evidence)
    return source.agency if source is not None else None


async def report(
    sessions: async_sessionmaker[AsyncSession],
    registry: Registry,
    evidence: EvidenceCheck,
    sent: LifeEventReport,
    *,
    agency: str,
    reported_by: str,
    channel: EventChannel,
    now: datetime | None = None,
) -> Reported:
    """Check `sent` from `agency` and record it in the outbox (committed when this returns);
    raises LifeEventInvalid, LifeEventNotOwned, LifeEventNotHeld or LifeEventConflict, or the
    evidence check's error when the registry cannot be read (nothing is recorded then)."""
    event = check(sent, now=now)
    if not event.kind.reported:
        raise LifeEventNotOwned(f"{event.kind} is made by the gateway's age scan, not reported")
    assert event.kind.evidence is not None
    owning = owner(registry, event.kind)
    if owning != agency:
        # Whoever owns it, the reporter is told only that it is not theirs.
        raise LifeEventNotOwned(f"agency {agency!r} does not report {event.kind}")
    earlier = await _existing(sessions, agency, event.event_id)
    if earlier is not None:  # sent again: answered from the store, no source read
        return _same(earlier, event)
    if not await evidence.held(event.kind.evidence, event.national_id, event.event_id):
        raise LifeEventNotHeld(
            f"the registry's {event.kind.evidence} records hold no record for this national code"
        )
    row = _row(event, agency=agency, reported_by=reported_by, channel=channel)
    try:
        async with transaction(sessions) as session:
            session.add(row)
    except IntegrityError:
        # The same id, recorded meanwhile by another worker (or a redelivered message).
        earlier = await _existing(sessions, agency, event.event_id)
        if earlier is None:
            raise
        return _same(earlier, event)
    return Reported.of(row, created=True)


def _row(
    event: CheckedEvent, *, agency: str, reported_by: str, channel: EventChannel
) -> LifeEventRecord:
    now = datetime.now(UTC)
    return LifeEventRecord(
        id=str(uuid.uuid4()),
        agency_code=agency,
        source_event_id=event.event_id,
        kind=event.kind.value,
        national_id=event.national_id,
        occurred_at=event.occurred_at,
        channel=channel.value,
        reported_by=reported_by[:64],
        reported_at=now,
        status=OutboxStatus.PENDING.value,
        attempts=0,
        next_attempt_at=now,
    )


async def _existing(
    sessions: async_sessionmaker[AsyncSession], agency: str, event_id: str
) -> LifeEventRecord | None:
    async with sessions() as session:
        query = select(LifeEventRecord).where(
            LifeEventRecord.agency_code == agency, LifeEventRecord.source_event_id == event_id
        )
        return (await session.scalars(query)).first()


def _same(row: LifeEventRecord, event: CheckedEvent) -> Reported:
    """The earlier event, if it is this one; LifeEventConflict if the id named another."""
    if (
        row.kind != event.kind.value
        or row.national_id != event.national_id
        or as_utc(row.occurred_at) != event.occurred_at
    ):
        raise LifeEventConflict(
            f"event id {event.event_id!r} was already used for another event; use a new id"
        )
    return Reported.of(row, created=False)


async def record_scanned(
    session: AsyncSession,
    events: Sequence[CheckedEvent],
    *,
    agency: str,
    reported_by: str,
) -> int:
    """Add the age scan's events to the outbox in `session` (the caller's transaction, with
    its day's mark), skipping those already there; how many were new."""
    if not events:
        return 0
    ids = [event.event_id for event in events]
    taken: set[str] = set()
    for start in range(0, len(ids), 1000):
        chunk = ids[start : start + 1000]
        query = select(LifeEventRecord.source_event_id).where(
            tuple_(LifeEventRecord.agency_code, LifeEventRecord.source_event_id).in_(
                [(agency, event_id) for event_id in chunk]
            )
        )
        taken.update((await session.scalars(query)).all())
    unique = {event.event_id: event for event in events}
    new = [event for event_id, event in unique.items() if event_id not in taken]
    session.add_all(
        _row(event, agency=agency, reported_by=reported_by, channel=EventChannel.AGE_SCAN)
        for event in new
    )
    await session.flush()
    return len(new)
