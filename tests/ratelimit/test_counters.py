"""The counters under the limiter: the store's (leased) and Redis's, on their real servers."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from limits import RateLimitItemPerSecond
from limits.aio.strategies import FixedWindowRateLimiter
from sqlalchemy import func, select

from ratelimit import Hit, LeasedCounter, Limiter, Rate, RedisCounter
from ratelimit.leases import LEASE_SHARE
from store.db import create_engine, sessionmaker
from store.limit_models import MAX_COUNTER_KEY, RateCounter
from store.migrate import upgrade_async
from store.rate_counters import StoreStorage, counter_key
from tests.conftest import fresh_database
from tests.harness import free_port


@pytest.fixture(params=["sqlite", "postgres"])
async def storage(
    request: pytest.FixtureRequest, postgres_url: str, tmp_path: Path
) -> AsyncIterator[StoreStorage]:
    if request.param == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    else:
        url = await fresh_database(postgres_url, "darvazeh_rate_counters_test")
    await upgrade_async(url)
    engine = create_engine(url)
    storage = StoreStorage(sessionmaker(engine))
    try:
        yield storage
    finally:
        await storage.close()
        await engine.dispose()


def key() -> str:
    return f"test:{uuid.uuid4().hex}"


async def test_two_workers_never_let_more_than_the_limit_through(storage: StoreStorage) -> None:
    one, two = LeasedCounter(storage), LeasedCounter(storage)
    for limit in (10, 200):
        hit = Hit(key(), limit)
        takes = [(one if n % 2 else two).take([hit], 60) for n in range(2 * limit)]
        verdicts = [v for [v] in await asyncio.gather(*takes)]
        allowed = sum(v.allowed for v in verdicts)
        assert limit - 2 * max(1, limit // LEASE_SHARE) <= allowed <= limit, (limit, allowed)
        if limit < LEASE_SHARE:
            assert allowed == limit  # leases of one: exact
        assert all(1 <= v.retry_after <= 60 for v in verdicts if not v.allowed)


async def test_two_processes_counting_in_one_sqlite_file_count_every_increment(
    tmp_path: Path,
) -> None:
    """Each worker's counters go through a plain connection of its own (one hop off the loop);
    the transactions still serialise, so no increment is lost or counted twice."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    await upgrade_async(url)
    engines = [create_engine(url) for _ in range(2)]
    workers = [StoreStorage(sessionmaker(engine)) for engine in engines]
    try:
        shared, own = key(), key()
        increments = [
            workers[n % 2].incr_many([(shared, 1), (f"{own}{n % 2}", 2)], 60) for n in range(60)
        ]
        answers = await asyncio.gather(*increments)
        counts = sorted(answer[shared].count for answer in answers)
        assert counts == list(range(1, 61))  # every position handed out exactly once
        assert await workers[0].get(shared) == 60
        assert await workers[1].get(f"{own}1") == 60
    finally:
        for worker in workers:
            await worker.close()
        for engine in engines:
            await engine.dispose()


async def test_a_busy_key_costs_far_fewer_store_writes_than_requests(
    storage: StoreStorage,
) -> None:
    writes = 0
    incr_many = storage.incr_many

    async def counted(*args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        nonlocal writes
        writes += 1
        return await incr_many(*args, **kwargs)  # type: ignore[arg-type]

    storage.incr_many = counted  # type: ignore[method-assign]
    counter, hit = LeasedCounter(storage), Hit(key(), 1600)
    for _ in range(1000):
        [verdict] = await counter.take([hit], 60)
        assert verdict.allowed
    assert writes < 1000 // 50, writes  # leases grow to limit / LEASE_SHARE = 100


async def test_a_window_ends_and_the_key_is_allowed_again(storage: StoreStorage) -> None:
    counter, hit = LeasedCounter(storage), Hit(key(), 2)
    assert [v.allowed for v in [*(await counter.take([hit, hit, hit], 1))]] == [True, True, False]
    [refused] = await counter.take([hit], 1)
    assert not refused.allowed and refused.retry_after == 1
    await asyncio.sleep(1.1)
    assert (await counter.take([hit], 1))[0].allowed


async def test_give_back_and_purge(storage: StoreStorage) -> None:
    counter, hit = LeasedCounter(storage), Hit(key(), 1)
    assert (await counter.take([hit], 60))[0].allowed
    await counter.give_back(hit, 60)
    other = LeasedCounter(storage)  # another worker sees the freed place
    assert (await other.take([hit], 60))[0].allowed
    await storage.incr_many([(key(), 1)], 1)
    await asyncio.sleep(1.1)
    assert await storage.purge_expired() >= 1
    async with storage._sessions() as session:
        remaining = await session.scalar(
            select(func.count()).where(RateCounter.expires_at_ms <= int(time.time() * 1000))
        )
    assert remaining == 0


async def test_memory_and_key_sizes_are_bounded(storage: StoreStorage) -> None:
    counter = LeasedCounter(storage, max_leases=10)
    await counter.take([Hit(key(), 5) for _ in range(50)], 60)
    assert len(counter._leases) == 10
    long = "x" * 10_000
    assert len(counter_key(long)) <= MAX_COUNTER_KEY and counter_key("short") == "short"
    assert (await counter.take([Hit(long, 1)], 60))[0].allowed
    assert not (await LeasedCounter(storage).take([Hit(long, 1)], 60))[0].allowed


async def test_the_store_is_a_limits_storage(storage: StoreStorage) -> None:
    strategy, item, name = FixedWindowRateLimiter(storage), RateLimitItemPerSecond(2, 60), key()
    assert await strategy.hit(item, name) and await strategy.hit(item, name)
    assert not await strategy.hit(item, name)
    assert not await strategy.test(item, name)
    stats = await strategy.get_window_stats(item, name)
    assert stats.remaining == 0 and time.time() < stats.reset_time <= time.time() + 60
    await strategy.clear(item, name)
    assert await strategy.test(item, name)
    assert await storage.check()


async def test_redis_counts_exactly_and_windows_end(redis_url: str, key_prefix: str) -> None:
    one = RedisCounter(redis_url, key_prefix=key_prefix)
    two = RedisCounter(redis_url, key_prefix=key_prefix)
    try:
        hit = Hit(key(), 25)
        takes = [(one if n % 2 else two).take([hit], 60) for n in range(100)]
        assert sum(v.allowed for [v] in await asyncio.gather(*takes)) == 25
        short = Hit(key(), 1)
        assert (await one.take([short], 1))[0].allowed
        await two.give_back(short, 1)
        assert (await one.take([short], 1))[0].allowed
        [refused] = await two.take([short], 1)
        assert not refused.allowed and refused.retry_after == 1
        await asyncio.sleep(1.1)
        assert (await two.take([short], 1))[0].allowed
    finally:
        await one.close()
        await two.close()


async def test_without_redis_the_store_keeps_the_limit(storage: StoreStorage) -> None:
    """Redis unreachable (a closed port on this machine): the store counts instead, so neither
    are the limits lifted nor are requests failed or held up."""
    dead = RedisCounter(f"redis://127.0.0.1:{free_port()}/0", key_prefix="unused")
    limiter = Limiter(dead, window=60, prefix="test", fallback=LeasedCounter(storage))
    rate = Rate("client", uuid.uuid4().hex, 3)
    started = time.monotonic()
    outcomes = [await limiter.take("graphql", [rate]) for _ in range(4)]
    assert [outcome is None for outcome in outcomes] == [True, True, True, False]
    assert time.monotonic() - started < 2.0  # one failed connection, then the store only
    await limiter.close()
