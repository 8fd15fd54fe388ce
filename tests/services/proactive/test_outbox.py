"""The outbox on SQLite and PostgreSQL: claims, leases, backoff, dead letter and replay."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.proactive.outbox import Outbox, OutboxPolicy, counts, replay
from standard.statuses import OutboxStatus
from store.db import transaction
from store.proactive_models import LifeEventRecord
from tests.services.proactive.conftest import report, subject_code

POLICY = OutboxPolicy(batch_size=10, lease=30.0, max_attempts=3, backoff_base=2.0, backoff_max=60.0)


async def row(sessions: async_sessionmaker[AsyncSession], event_id: str) -> LifeEventRecord:
    async with sessions() as session:
        found = await session.get(LifeEventRecord, event_id)
        assert found is not None
        return found


def test_backoff_is_full_jitter_under_an_exponential_cap() -> None:
    rng = random.Random(5)
    for attempts, cap in [(1, 2.0), (2, 4.0), (3, 8.0), (6, 60.0), (40, 60.0)]:
        waits = [POLICY.backoff(attempts, rng) for _ in range(500)]
        assert min(waits) >= 0.0 and max(waits) <= cap
        assert max(waits) > cap * 0.9 and min(waits) < cap * 0.1  # spread over the whole range


async def test_claims_are_disjoint_and_leased(sessions: async_sessionmaker[AsyncSession]) -> None:
    ids = await report(sessions, [subject_code(n) for n in range(25)])
    one, two = Outbox(sessions, "one", POLICY), Outbox(sessions, "two", POLICY)
    first, second = await one.claim(), await two.claim()
    assert len(first) == len(second) == 10
    assert not {e.id for e in first} & {e.id for e in second}
    assert all(event.attempts == 1 for event in first)
    claimed = await row(sessions, first[0].id)
    assert claimed.status == OutboxStatus.PROCESSING and claimed.claimed_by == "one"
    assert len(await one.claim()) == 5 and await two.claim() == []
    assert len(ids) == 25


async def test_an_expired_lease_is_claimed_again_and_the_old_worker_is_fenced(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    (event_id,) = await report(sessions, [subject_code(1)])
    dead_worker, other = Outbox(sessions, "killed", POLICY), Outbox(sessions, "other", POLICY)
    (claimed,) = await dead_worker.claim()
    assert await other.claim() == []  # leased
    later = datetime.now(UTC) + timedelta(seconds=POLICY.lease + 1)
    (taken,) = await other.claim(now=later)
    assert taken.id == event_id and taken.attempts == 2
    async with transaction(sessions) as session:  # the first worker wakes up: changes nothing
        assert await dead_worker.finish(session, [event_id]) == 0
        await dead_worker.fail(session, claimed, "late")
    assert (await row(sessions, event_id)).claimed_by == "other"
    async with transaction(sessions) as session:
        assert await other.finish(session, [event_id]) == 1
    assert (await row(sessions, event_id)).status == OutboxStatus.DONE


async def test_a_renewed_lease_keeps_the_batch(sessions: async_sessionmaker[AsyncSession]) -> None:
    await report(sessions, [subject_code(1)])
    worker, other = Outbox(sessions, "slow", POLICY), Outbox(sessions, "other", POLICY)
    (event,) = await worker.claim()
    soon = datetime.now(UTC) + timedelta(seconds=POLICY.lease - 1)
    assert await worker.extend([event.id], now=soon) == 1
    assert await other.claim(now=soon + timedelta(seconds=2)) == []


async def test_failures_back_off_then_die_and_replay_resets(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    (event_id,) = await report(sessions, [subject_code(1)])
    outbox = Outbox(sessions, "w", POLICY, rng=random.Random(1))
    now = datetime.now(UTC)
    for attempt in range(1, POLICY.max_attempts + 1):
        (event,) = await outbox.claim(now=now)
        assert event.attempts == attempt
        async with transaction(sessions) as session:
            status = await outbox.fail(session, event, f"source down ({attempt})", now=now)
        stored = await row(sessions, event_id)
        if attempt < POLICY.max_attempts:
            assert status is OutboxStatus.PENDING
            wait = (stored.next_attempt_at - now).total_seconds()
            assert 0 <= wait <= POLICY.backoff_base * 2 ** (attempt - 1)
            assert await outbox.claim(now=now - timedelta(seconds=1)) == []  # not due before
            now = stored.next_attempt_at
        else:
            assert status is OutboxStatus.DEAD
    stored = await row(sessions, event_id)
    assert stored.status == OutboxStatus.DEAD and stored.last_error == "source down (3)"
    assert await outbox.claim(now=now + timedelta(days=1)) == []
    assert (await counts(sessions))[OutboxStatus.DEAD] == 1
    async with transaction(sessions) as session:
        assert await replay(session, event_id) is True
    async with transaction(sessions) as session:
        assert await replay(session, event_id) is False  # no longer dead
    (again,) = await outbox.claim()
    assert again.attempts == 1


async def test_an_event_whose_workers_keep_dying_goes_to_the_dead_letter(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    (event_id,) = await report(sessions, [subject_code(1)])
    now = datetime.now(UTC)
    for number in range(POLICY.max_attempts):
        claimed = await Outbox(sessions, f"killed-{number}", POLICY).claim(now=now)
        assert len(claimed) == 1
        now += timedelta(seconds=POLICY.lease + 1)  # killed: the lease runs out
    assert await Outbox(sessions, "next", POLICY).claim(now=now) == []
    async with sessions() as session:
        stored = await session.scalar(select(LifeEventRecord).where(LifeEventRecord.id == event_id))
    assert stored is not None and stored.status == OutboxStatus.DEAD
    assert "stopped before finishing" in (stored.last_error or "")
