"""The writer: records are committed before record() returns, concurrent callers share commits,
the chain links, and a failed commit fails only its waiters."""

from __future__ import annotations

import asyncio
from datetime import datetime
from itertools import pairwise

import pytest
from sqlalchemy import func, select

from audit import AuditEntry, AuditWriter
from audit.chain import GENESIS_HASH, record_hash
from audit.verify import verify
from store.audit_models import AuditChain, AuditRecord
from tests.audit.conftest import Store
from tests.audit.sample import entries


async def _records(store: Store, request_id: str | None = None) -> list[AuditRecord]:
    query = select(AuditRecord).order_by(AuditRecord.chain_id, AuditRecord.seq)
    if request_id is not None:
        query = query.where(AuditRecord.request_id == request_id)
    async with store.sessions() as session:
        return list((await session.execute(query)).scalars())


async def test_record_returns_after_commit_and_links_the_chain(store: Store) -> None:
    writer = AuditWriter(store.sessions)
    await writer.start()
    try:
        await writer.record(entries("req-1", 3))
        # Visible to another session at once: committed, not merely flushed.
        first = await _records(store, "req-1")
        assert [r.seq for r in first] == [1, 2, 3]
        await writer.record(entries("req-2", 2))
    finally:
        await writer.close()
    records = await _records(store)
    assert [r.seq for r in records] == [1, 2, 3, 4, 5]
    assert records[0].prev_hash == GENESIS_HASH
    for previous, record in pairwise(records):
        assert record.prev_hash == previous.hash
    assert all(record_hash(r) == r.hash for r in records)
    assert records[0].reason == "نیاز به رضایت" and records[0].datasets == ["dataset0"]
    async with store.sessions() as session:
        chain = await session.get(AuditChain, writer.chain_id)
    assert chain is not None and (chain.head_seq, chain.head_hash) == (5, records[-1].hash)
    assert (await verify(store.sessions)).ok


async def test_concurrent_callers_share_transactions(store: Store) -> None:
    writer = AuditWriter(store.sessions)
    await writer.start()
    try:
        await writer.record(entries("warm-up", 1))
        before = writer.stats.transactions
        await asyncio.gather(*(writer.record(entries(f"req-{n}")) for n in range(64)))
        transactions = writer.stats.transactions - before
    finally:
        await writer.close()
    assert transactions <= 4, transactions  # typically 2: the first caller alone, then the rest
    async with store.sessions() as session:
        counts = dict(
            (
                await session.execute(
                    select(AuditRecord.request_id, func.count()).group_by(AuditRecord.request_id)
                )
            ).all()
        )
    assert counts == {"warm-up": 1} | {f"req-{n}": 7 for n in range(64)}
    assert (await verify(store.sessions)).ok


async def test_max_batch_splits_between_callers_never_inside_one(store: Store) -> None:
    writer = AuditWriter(store.sessions, max_batch=10)
    await writer.start()
    try:
        await asyncio.gather(*(writer.record(entries(f"r{n}", 7)) for n in range(4)))
        await writer.record(entries("big", 25))  # larger than max_batch: goes alone
    finally:
        await writer.close()
    assert writer.stats.transactions == 5 and writer.stats.records == 53
    assert (await verify(store.sessions)).ok


async def test_writers_keep_separate_chains(store: Store) -> None:
    writers = [AuditWriter(store.sessions) for _ in range(3)]
    for writer in writers:
        await writer.start()
    try:
        await asyncio.gather(
            *(w.record(entries(f"{i}-{n}", 2)) for n in range(5) for i, w in enumerate(writers))
        )
    finally:
        for writer in writers:
            await writer.close()
    report = await verify(store.sessions)
    assert report.ok and len(report.chains) == 3 and report.records == 30


async def test_a_restarted_writer_with_its_chain_id_continues_the_chain(store: Store) -> None:
    first = AuditWriter(store.sessions, chain_id="worker-1")
    await first.start()
    await first.record(entries("a", 2))
    await first.close()
    second = AuditWriter(store.sessions, chain_id="worker-1")
    await second.start()
    await second.record(entries("b", 2))
    await second.close()
    assert [r.seq for r in await _records(store)] == [1, 2, 3, 4]
    assert (await verify(store.sessions)).ok


async def test_a_failed_commit_fails_its_waiters_and_the_writer_goes_on(store: Store) -> None:
    writer = AuditWriter(store.sessions)
    await writer.start()
    await writer.record(entries("before", 2))
    # Another process claims the chain's next seq: this writer's next insert collides.
    rogue = AuditWriter(store.sessions, chain_id=writer.chain_id)
    await rogue.start()
    await rogue.record(entries("rogue", 1))
    await rogue.close()
    try:
        with pytest.raises(Exception) as failure:
            await writer.record(entries("collides", 2))
        assert writer.stats.failures == 1, failure.value
        # The writer re-reads its head after a failure and carries on.
        await writer.record(entries("after", 2))
    finally:
        await writer.close()
    assert await _records(store, "collides") == []
    assert [r.seq for r in await _records(store, "after")] == [4, 5]
    assert (await verify(store.sessions)).ok


async def test_a_cancelled_caller_still_gets_its_records(store: Store) -> None:
    writer = AuditWriter(store.sessions)
    await writer.start()
    try:
        blocker = asyncio.create_task(writer.record(entries("first", 1)))
        cancelled = asyncio.create_task(writer.record(entries("cancelled", 3)))
        await asyncio.sleep(0)
        cancelled.cancel()
        await blocker
    finally:
        await writer.close()
    assert len(await _records(store, "cancelled")) == 3


async def test_close_drains_the_queue_and_then_refuses(store: Store) -> None:
    writer = AuditWriter(store.sessions)
    await writer.start()
    pending = [asyncio.create_task(writer.record(entries(f"q{n}", 2))) for n in range(10)]
    await asyncio.sleep(0)
    await writer.close()
    await asyncio.gather(*pending)
    assert len(await _records(store)) == 20
    with pytest.raises(RuntimeError):
        await writer.record(entries("late", 1))


def test_entries_the_store_would_refuse_are_refused_up_front() -> None:
    good = entries("r", 1)[0]
    fields = {name: getattr(good, name) for name in AuditEntry.__slots__}
    with pytest.raises(ValueError, match="timezone-aware"):
        AuditEntry(**fields | {"occurred_at": datetime(2026, 1, 1)})
    with pytest.raises(ValueError, match="subject"):
        AuditEntry(**fields | {"subject": "0" * 11})
    with pytest.raises(TypeError, match="datasets"):
        AuditEntry(**fields | {"datasets": "civil"})
