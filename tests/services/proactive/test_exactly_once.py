"""Two workers, each with its own connections, over 10,000 life events on PostgreSQL: every case
exists exactly once: with leases that hold (the claims never overlap), and with a batch taken over
from a stalled worker while it still makes its cases (only the unique key keeps cases single)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from services.proactive.engine import Engine
from services.proactive.outbox import Outbox, OutboxPolicy, counts
from services.proactive.worker import Worker
from standard.life_events import LifeEvent
from standard.statuses import OutboxStatus
from store.db import create_engine, sessionmaker, transaction
from store.migrate import upgrade_async
from store.models import Agency
from store.proactive_models import ServiceCasePerson, ServiceCaseRecord
from tests.conftest import fresh_database
from tests.services.proactive.conftest import FakeReads, add_cards, proactive, report, subject_code

pytestmark = pytest.mark.postgres
EVENTS = 10_000
STOLEN_EVENTS = 2_000
CARDS = ("newborn-insurance", "newborn-offer")


@dataclass
class Store:
    url: str
    sessions: async_sessionmaker[AsyncSession]


class StalledOutbox(Outbox):
    """An outbox whose worker never renews its lease in time (a long pause, a slow store): its
    batches run out and the other worker takes them over while it is still making their cases."""

    async def extend(self, event_ids: Sequence[str]) -> None:
        return None


@pytest.fixture
async def store(postgres_url: str) -> AsyncIterator[Store]:
    url = await fresh_database(postgres_url, "darvazeh_exactly_once")
    await upgrade_async(url)
    engine = create_engine(url)
    sessions = sessionmaker(engine)
    async with transaction(sessions) as session:
        session.add(Agency(code="civil", name_fa="ثبت احوال", name_en="Civil registry"))
    await add_cards(
        sessions,
        proactive(CARDS[0], LifeEvent.BIRTH_REGISTERED),
        proactive(CARDS[1], LifeEvent.BIRTH_REGISTERED, "CONFIRM"),
    )
    try:
        yield Store(url, sessions)
    finally:
        await engine.dispose()


async def run_two(
    store: Store, policy: OutboxPolicy, delay: float, *, stalled: bool = False
) -> list[Worker]:
    """Two workers, each on its own engine (own connections), until nothing is due."""
    kind = StalledOutbox if stalled else Outbox
    engines: list[AsyncEngine] = [create_engine(store.url) for _ in range(2)]
    workers = []
    for number, engine in enumerate(engines):
        sessions = sessionmaker(engine)
        outbox = kind(sessions, f"worker-{number}", policy)
        workers.append(Worker(outbox, Engine(sessions, FakeReads(delay=delay)), keep_ids=True))
    stop = asyncio.Event()
    try:
        deadline = time.monotonic() + 240
        while True:
            await asyncio.gather(*(w.run(stop, until_idle=True) for w in workers))
            left = await counts(store.sessions)
            if left[OutboxStatus.PENDING] + left[OutboxStatus.PROCESSING] == 0:
                break
            assert time.monotonic() < deadline, left
            await asyncio.sleep(policy.lease)  # leases still running out
    finally:
        for engine in engines:
            await engine.dispose()
    return workers


async def assert_exactly_once(store: Store, events: int) -> None:
    async with store.sessions() as session:
        cases = await session.scalar(select(func.count()).select_from(ServiceCaseRecord))
        keys = await session.scalar(
            select(func.count(func.distinct(ServiceCaseRecord.idempotency_key)))
        )
        per_pair = await session.execute(
            select(func.count())
            .select_from(ServiceCaseRecord)
            .group_by(ServiceCaseRecord.event_id, ServiceCaseRecord.card_id)
            .having(func.count() > 1)
        )
        people = await session.scalar(select(func.count()).select_from(ServiceCasePerson))
    assert cases == keys == events * len(CARDS)
    assert per_pair.all() == []
    assert people == cases * 3  # the newborn and both parents, once each
    left = await counts(store.sessions)
    assert left[OutboxStatus.DONE] == events and left[OutboxStatus.DEAD] == 0


async def test_two_workers_create_each_case_exactly_once(store: Store) -> None:
    await report(store.sessions, [subject_code(n % 3000) for n in range(EVENTS)])
    policy = OutboxPolicy(batch_size=100, lease=60.0, max_attempts=8)
    started = time.monotonic()
    workers = await run_two(store, policy, delay=0.002)
    seconds = time.monotonic() - started
    await assert_exactly_once(store, EVENTS)
    taken = [set(w.stats.processed) for w in workers]
    assert all(taken) and not taken[0] & taken[1]  # both worked; no event claimed twice
    assert sum(len(t) for t in taken) == EVENTS
    print(f"{EVENTS} events, 2 workers: {seconds:.1f} s, {EVENTS / seconds:.0f} events/s")


async def test_stolen_batches_still_make_each_case_once(store: Store) -> None:
    # The first worker stalls past its lease (no renewal): the second takes the same batch over
    # while the first is still making its cases. Both make them; the unique key keeps each case
    # single, and only the lease holder may mark the events done.
    await report(store.sessions, [subject_code(n) for n in range(STOLEN_EVENTS)])
    policy = OutboxPolicy(batch_size=STOLEN_EVENTS, lease=2.0, max_attempts=1000)
    engines = [create_engine(store.url) for _ in range(2)]
    try:
        sessions = [sessionmaker(engine) for engine in engines]
        first = StalledOutbox(sessions[0], "worker-0", policy)
        second = Outbox(sessions[1], "worker-1", policy)
        held = await first.claim()
        assert len(held) == STOLEN_EVENTS
        assert await second.claim() == []  # the lease still holds
        await asyncio.sleep(policy.lease * 1.5)
        stolen = await second.claim()
        assert {e.id for e in stolen} == {e.id for e in held}  # the whole batch, taken over
        results = await asyncio.gather(
            Engine(sessions[0], FakeReads(delay=0.05)).process(first, held),
            Engine(sessions[1], FakeReads(delay=0.05)).process(second, stolen),
        )
    finally:
        for engine in engines:
            await engine.dispose()
    await assert_exactly_once(store, STOLEN_EVENTS)
    assert sum(result.cases for result in results) == STOLEN_EVENTS * len(CARDS)
    assert results[0].done == 0 and results[1].done == STOLEN_EVENTS  # fenced: only the holder
