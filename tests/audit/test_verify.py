"""The log is append-only in the database itself, and verify names the first broken record."""

from __future__ import annotations

import asyncio
import sys

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from audit import AuditWriter
from audit.chain import record_hash
from audit.verify import BROKEN_LINK, HASH_MISMATCH, HEAD_MISMATCH, MISSING_SEQ, verify
from store.audit_models import AuditRecord
from tests.audit.conftest import Store
from tests.audit.sample import entries


async def _written(store: Store, requests: int = 4, chains: int = 2) -> list[AuditWriter]:
    """`chains` writers, each with `requests` requests of 3 entries."""
    writers = [AuditWriter(store.sessions) for _ in range(chains)]
    for writer in writers:
        await writer.start()
    for n in range(requests):
        await asyncio.gather(*(w.record(entries(f"{w.chain_id}-{n}", 3)) for w in writers))
    for writer in writers:
        await writer.close()
    return writers


async def _id(store: Store, chain_id: str, seq: int) -> int:
    async with store.sessions() as session:
        return (
            await session.execute(
                select(AuditRecord.id).where(
                    AuditRecord.chain_id == chain_id, AuditRecord.seq == seq
                )
            )
        ).scalar_one()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_records SET outcome = 'GRANTED'",
        "DELETE FROM audit_records WHERE seq = 2",
        "DELETE FROM audit_records",
    ],
)
async def test_the_database_refuses_update_and_delete(store: Store, statement: str) -> None:
    await _written(store, requests=1, chains=1)
    with pytest.raises(DBAPIError, match="append-only"):
        async with store.engine.begin() as connection:
            await connection.execute(text(statement))
    if store.dialect == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"):
            async with store.engine.begin() as connection:
                await connection.execute(text("TRUNCATE audit_records CASCADE"))
    assert (await verify(store.sessions)).records == 3


async def test_an_intact_log_verifies(store: Store) -> None:
    await _written(store)
    report = await verify(store.sessions, page_size=5)  # pages smaller than a chain
    assert report.ok and report.breaks == [] and report.records == 24
    assert "access log intact: 2 chains, 24 records verified" in report.summary()


async def test_a_changed_record_is_named(store: Store) -> None:
    writers = await _written(store)
    chain = writers[1].chain_id
    await store.tamper(
        "UPDATE audit_records SET subject = '0099999999' WHERE chain_id = :c AND seq = 7", c=chain
    )
    report = await verify(store.sessions, page_size=5)
    assert not report.ok and len(report.breaks) == 1
    broken = report.breaks[0]
    assert (broken.chain_id, broken.seq, broken.what) == (chain, 7, HASH_MISMATCH)
    assert broken.record_id == await _id(store, chain, 7)
    assert [c.broken is None for c in report.chains] == [c.chain_id != chain for c in report.chains]


async def test_a_changed_and_rehashed_record_breaks_the_next_link(store: Store) -> None:
    """Whoever recomputes the changed record's hash still cannot fix the next record's link."""
    writers = await _written(store, chains=1)
    chain = writers[0].chain_id
    await store.tamper(
        "UPDATE audit_records SET subject = '0099999999' WHERE chain_id = :c AND seq = 2", c=chain
    )
    async with store.sessions() as session:
        changed = (
            await session.execute(
                select(AuditRecord).where(AuditRecord.chain_id == chain, AuditRecord.seq == 2)
            )
        ).scalar_one()
    await store.tamper(
        "UPDATE audit_records SET hash = :h WHERE id = :id", h=record_hash(changed), id=changed.id
    )
    broken = (await verify(store.sessions)).breaks[0]
    assert (broken.seq, broken.record_id, broken.what) == (
        3,
        await _id(store, chain, 3),
        BROKEN_LINK,
    )


async def test_a_deleted_record_is_a_missing_seq(store: Store) -> None:
    writers = await _written(store, chains=1)
    chain = writers[0].chain_id
    following = await _id(store, chain, 6)
    await store.tamper("DELETE FROM audit_records WHERE chain_id = :c AND seq = 5", c=chain)
    broken = (await verify(store.sessions, page_size=3)).breaks[0]
    assert (broken.seq, broken.record_id, broken.what) == (6, following, MISSING_SEQ)


async def test_a_deleted_tail_is_caught_by_the_head(store: Store) -> None:
    writers = await _written(store)
    chain = writers[0].chain_id
    last_kept = await _id(store, chain, 9)
    await store.tamper("DELETE FROM audit_records WHERE chain_id = :c AND seq > 9", c=chain)
    report = await verify(store.sessions)
    assert len(report.breaks) == 1
    broken = report.breaks[0]
    assert (broken.chain_id, broken.seq, broken.record_id) == (chain, 9, last_kept)
    assert broken.what == HEAD_MISMATCH and "head seq 12" in broken.detail


async def test_a_head_moved_back_is_caught(store: Store) -> None:
    writers = await _written(store, chains=1)
    chain = writers[0].chain_id
    async with store.engine.begin() as connection:  # audit_chains has no trigger
        await connection.execute(
            text("UPDATE audit_chains SET head_seq = 3, head_hash = :h WHERE id = :c"),
            {"h": "0" * 64, "c": chain},
        )
    broken = (await verify(store.sessions)).breaks[0]
    assert (broken.seq, broken.what) == (3, HEAD_MISMATCH)


async def _cli(url: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "audit.verify",
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode is not None
    return process.returncode, output.decode()


async def test_the_command_exits_0_when_intact_and_1_naming_the_break(store: Store) -> None:
    writers = await _written(store, chains=1)
    code, output = await _cli(store.url)
    assert code == 0, output
    assert "access log intact: 1 chains, 12 records verified" in output
    await store.tamper("DELETE FROM audit_records WHERE seq = 12")
    code, output = await _cli(store.url)
    assert code == 1, output
    assert f"chain {writers[0].chain_id} seq 11" in output and HEAD_MISMATCH in output
