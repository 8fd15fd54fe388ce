"""The outbox of life events: workers claim due events, finish them, retry them later or let
them die into the dead letter, from which an agency replays them.

- **Claims** take up to `batch_size` due events in one statement: on PostgreSQL the rows are
  picked `FOR UPDATE SKIP LOCKED`, so workers never wait for each other nor take the same row; on
  SQLite the one `UPDATE … RETURNING` holds the database's write lock while it picks.
- **Leases**: a claimed event is PROCESSING until `claimed_until`, and its `next_attempt_at` is
  set to the same moment, so a claim whose worker died (killed mid-batch) is simply due again
  when the lease ends: one index (status, next_attempt_at) finds both kinds of due rows. A worker
  renews the lease of the batch it is working on (`extend`).
- **Attempts** are counted at the claim, so an event that kills its workers still runs out of
  attempts. A failure waits a full-jitter backoff: uniform(0, min(cap, base * 2^(n-1))).
- **Fencing**: finishing and failing name the worker; a worker whose lease was taken over changes
  nothing (its cases, if any, are kept out twice by their unique idempotency key).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, cast

from sqlalchemy import ColumnElement, CursorResult, Result, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.proactive.ports import OutboxEvent
from settings.proactive import ProactiveSettings
from standard.statuses import OutboxStatus
from store.db import transaction
from store.proactive_models import LifeEventRecord

E = LifeEventRecord
MAX_ERROR = 500  # LifeEventRecord.last_error
_COLUMNS = (
    E.id, E.agency_code, E.source_event_id, E.kind, E.national_id,
    E.occurred_at, E.channel, E.reported_at, E.attempts,
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class OutboxPolicy:
    """How workers claim and retry (settings.proactive; docs/configuration.md)."""

    batch_size: int = 100
    lease: float = 60.0  # seconds
    max_attempts: int = 8
    backoff_base: float = 2.0  # seconds
    backoff_max: float = 600.0  # seconds

    @classmethod
    def of(cls, settings: ProactiveSettings) -> OutboxPolicy:
        return cls(
            batch_size=settings.batch_size,
            lease=settings.lease,
            max_attempts=settings.max_attempts,
            backoff_base=settings.backoff_base,
            backoff_max=settings.backoff_max,
        )

    def backoff(self, attempts: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after the `attempts`-th failure: full jitter over an exponential cap,
        so failing events spread out instead of retrying in step."""
        ceiling = min(self.backoff_max, self.backoff_base * 2 ** max(0, attempts - 1))
        return (rng or random).uniform(0.0, ceiling)


def _now() -> datetime:
    return datetime.now(UTC)


def _due(now: datetime) -> list[ColumnElement[bool]]:
    return [E.status.in_((OutboxStatus.PENDING, OutboxStatus.PROCESSING)), E.next_attempt_at <= now]


class Outbox:
    """One worker's hold on the outbox (`worker` names it in the claims it makes)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        worker: str,
        policy: OutboxPolicy | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.sessions = sessions
        self.worker = worker
        self.policy = policy or OutboxPolicy()
        self._rng = rng or random.Random()

    async def claim(
        self, limit: int | None = None, now: datetime | None = None
    ) -> list[OutboxEvent]:
        """Up to `limit` due events, oldest due first, now this worker's until the lease ends.
        Events whose workers died with no attempt left go to the dead letter instead."""
        now = now or _now()
        limit = limit or self.policy.batch_size
        until = now + timedelta(seconds=self.policy.lease)
        async with self.sessions() as session:
            # A read first: an idle worker polling takes no write lock (SQLite has only one).
            if await session.scalar(select(E.id).where(*_due(now)).limit(1)) is None:
                return []
        async with transaction(self.sessions) as session:
            postgres = session.get_bind().dialect.name == "postgresql"
            await self._bury_abandoned(session, now)
            pick = (
                select(E.id)
                .where(
                    *_due(now),
                    or_(E.status == OutboxStatus.PENDING, E.attempts < self.policy.max_attempts),
                )
                .order_by(E.next_attempt_at)
                .limit(limit)
            )
            if postgres:
                pick = pick.with_for_update(skip_locked=True)
            claimed = await session.execute(
                update(E)
                .where(E.id.in_(pick.scalar_subquery()))
                .values(
                    status=OutboxStatus.PROCESSING,
                    claimed_by=self.worker,
                    claimed_until=until,
                    next_attempt_at=until,
                    attempts=E.attempts + 1,
                )
                .returning(*_COLUMNS)
                .execution_options(synchronize_session=False)
            )
            events = [OutboxEvent.of(row) for row in claimed]
        events.sort(key=lambda event: (event.reported_at, event.id))
        return events

    async def _bury_abandoned(self, session: AsyncSession, now: datetime) -> None:
        """Claims that ran out their lease as often as an event may be tried: dead."""
        await session.execute(
            update(E)
            .where(
                E.status == OutboxStatus.PROCESSING,
                E.next_attempt_at <= now,
                E.attempts >= self.policy.max_attempts,
            )
            .values(
                status=OutboxStatus.DEAD,
                claimed_by=None,
                claimed_until=None,
                last_error="its worker stopped before finishing it, every attempt",
            )
            .execution_options(synchronize_session=False)
        )

    async def extend(self, event_ids: Sequence[str], now: datetime | None = None) -> int:
        """Renew the lease on this worker's events; how many are still its own."""
        if not event_ids:
            return 0
        until = (now or _now()) + timedelta(seconds=self.policy.lease)
        async with transaction(self.sessions) as session:
            result = await session.execute(
                update(E)
                .where(*self._mine(event_ids))
                .values(claimed_until=until, next_attempt_at=until)
                .execution_options(synchronize_session=False)
            )
        return _changed(result)

    def _mine(self, event_ids: Sequence[str]) -> list[ColumnElement[bool]]:
        return [
            E.id.in_(list(event_ids)),
            E.claimed_by == self.worker,
            E.status == OutboxStatus.PROCESSING,
        ]

    async def finish(
        self, session: AsyncSession, event_ids: Sequence[str], now: datetime | None = None
    ) -> int:
        """Mark this worker's `event_ids` done, in the caller's transaction (the one that made
        their cases); how many were still its own."""
        if not event_ids:
            return 0
        result = await session.execute(
            update(E)
            .where(*self._mine(event_ids))
            .values(
                status=OutboxStatus.DONE,
                processed_at=now or _now(),
                claimed_by=None,
                claimed_until=None,
                last_error=None,
            )
            .execution_options(synchronize_session=False)
        )
        return _changed(result)

    async def fail(
        self,
        session: AsyncSession,
        event: OutboxEvent,
        error: str,
        now: datetime | None = None,
    ) -> OutboxStatus:
        """Put this worker's `event` back for a later attempt, or into the dead letter after its
        last one (in the caller's transaction). The status it is left in."""
        now = now or _now()
        dead = event.attempts >= self.policy.max_attempts
        status = OutboxStatus.DEAD if dead else OutboxStatus.PENDING
        retry_at = now + timedelta(seconds=self.policy.backoff(event.attempts, self._rng))
        await session.execute(
            update(E)
            .where(*self._mine([event.id]))
            .values(
                status=status,
                next_attempt_at=now if dead else retry_at,
                claimed_by=None,
                claimed_until=None,
                last_error=error[:MAX_ERROR],
            )
            .execution_options(synchronize_session=False)
        )
        return status


async def replay(session: AsyncSession, event_id: str, now: datetime | None = None) -> bool:
    """Put a dead event back in the outbox with its attempts reset, in the caller's transaction;
    False when it is not dead. (Who may replay which event is the caller's rule: the agencies it
    concerns, services.proactive.cases.replay_dead_letter.) The cases' idempotency keys keep a
    replay from making a case twice."""
    result = await session.execute(
        update(E)
        .where(E.id == event_id, E.status == OutboxStatus.DEAD)
        .values(
            status=OutboxStatus.PENDING,
            attempts=0,
            next_attempt_at=now or _now(),
            claimed_by=None,
            claimed_until=None,
            last_error=None,
        )
        .execution_options(synchronize_session=False)
    )
    return _changed(result) > 0


def _changed(result: Result[Any]) -> int:
    """Rows an UPDATE changed: its result is a CursorResult, which the session's typing hides."""
    return int(cast(CursorResult[Any], result).rowcount)


async def counts(sessions: async_sessionmaker[AsyncSession]) -> dict[OutboxStatus, int]:
    """How many events are in each status (metrics, the bench, tests)."""
    async with sessions() as session:
        rows = await session.execute(select(E.status, func.count()).group_by(E.status))
    found = {OutboxStatus(status): int(number) for status, number in rows}
    return {status: found.get(status, 0) for status in OutboxStatus}
