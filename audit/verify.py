"""Verify the access log: `python -m audit.verify [STORE_URL]` (exit 0 intact, 1 broken, 2 error).

Every chain is walked in seq order a page at a time: each record's hash is recomputed from
`AuditRecord.canonical()`, its prev_hash must be the previous record's hash, seqs must run
1, 2, 3, ... without gaps, and the last record must be the chain head (so a deleted tail shows).
The first broken record of each chain is named.
"""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import inspect, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.chain import GENESIS_HASH, Head, record_hash
from settings import get_settings
from store.audit_models import AuditChain, AuditRecord
from store.db import create_engine, sessionmaker

_RECORDS = AuditRecord.__table__

HASH_MISMATCH = "hash mismatch"
BROKEN_LINK = "prev_hash does not link"
MISSING_SEQ = "missing seq"
HEAD_MISMATCH = "head does not match last record"


@dataclass(frozen=True, slots=True)
class Break:
    """The first broken record of a chain: where, which record, what is wrong."""

    chain_id: str
    seq: int
    record_id: int | None  # None when the record that should be there is not
    what: str  # one of HASH_MISMATCH, BROKEN_LINK, MISSING_SEQ, HEAD_MISMATCH
    detail: str = ""

    def __str__(self) -> str:
        record = f"record id {self.record_id}" if self.record_id is not None else "no record"
        detail = f" ({self.detail})" if self.detail else ""
        return f"chain {self.chain_id} seq {self.seq} ({record}): {self.what}{detail}"


@dataclass(frozen=True, slots=True)
class ChainReport:
    chain_id: str
    head_seq: int
    records: int  # records walked
    broken: Break | None


@dataclass(frozen=True, slots=True)
class VerifyReport:
    chains: list[ChainReport] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(chain.broken is None for chain in self.chains)

    @property
    def breaks(self) -> list[Break]:
        return [chain.broken for chain in self.chains if chain.broken is not None]

    @property
    def records(self) -> int:
        return sum(chain.records for chain in self.chains)

    def summary(self) -> str:
        lines = [
            f"BROKEN chain {chain.chain_id}: {chain.records} good records, then a break "
            f"(head seq {chain.head_seq})"
            if chain.broken
            else f"ok     chain {chain.chain_id}: {chain.records} records, head {chain.head_seq}"
            for chain in self.chains
        ]
        lines += [f"first broken record: {broken}" for broken in self.breaks]
        verdict = "intact" if self.ok else f"BROKEN ({len(self.breaks)} chains)"
        lines.append(
            f"access log {verdict}: {len(self.chains)} chains, {self.records} records verified"
        )
        return "\n".join(lines)


async def verify(
    sessions: async_sessionmaker[AsyncSession], *, page_size: int = 5000
) -> VerifyReport:
    async with sessions() as session:
        chains = (await session.execute(select(AuditChain).order_by(AuditChain.id))).scalars()
        heads = {chain.id: Head(chain.head_seq, chain.head_hash) for chain in chains}
    reports = [await _verify_chain(sessions, id_, head, page_size) for id_, head in heads.items()]
    return VerifyReport(reports)


async def _verify_chain(
    sessions: async_sessionmaker[AsyncSession], chain_id: str, head: Head, page_size: int
) -> ChainReport:
    """Walk records 1..head.seq (later ones may be committing now), then check the head."""
    last = Head(0, GENESIS_HASH)
    last_id: int | None = None
    walked = 0
    while last.seq < head.seq:
        async with sessions() as session:
            # Core rows, not ORM objects: canonical() only reads attributes, and rows are ~3x
            # cheaper to load.
            page = (
                await session.execute(
                    select(_RECORDS)
                    .where(
                        _RECORDS.c.chain_id == chain_id,
                        _RECORDS.c.seq > last.seq,
                        _RECORDS.c.seq <= head.seq,
                    )
                    .order_by(_RECORDS.c.seq)
                    .limit(page_size)
                )
            ).all()
        if not page:
            break
        for row in page:
            record = cast(AuditRecord, row)
            broken = _check(record, last)
            if broken:
                return ChainReport(chain_id, head.seq, walked, broken)
            walked += 1
            last, last_id = Head(record.seq, record.hash), record.id
    if last != head:
        detail = f"last record seq {last.seq}, head seq {head.seq}"
        if last.seq == head.seq:
            detail = "head hash differs from the last record's hash"
        return ChainReport(
            chain_id, head.seq, walked, Break(chain_id, last.seq, last_id, HEAD_MISMATCH, detail)
        )
    beyond = await _records_beyond_head(sessions, chain_id)
    if beyond is not None:
        seq, record_id, head_seq = beyond
        detail = f"record seq {seq} lies beyond head seq {head_seq}"
        return ChainReport(
            chain_id, head.seq, walked, Break(chain_id, seq, record_id, HEAD_MISMATCH, detail)
        )
    return ChainReport(chain_id, head.seq, walked, None)


def _check(record: AuditRecord, previous: Head) -> Break | None:
    def broken(what: str, detail: str = "") -> Break:
        return Break(record.chain_id, record.seq, record.id, what, detail)

    if record.seq != previous.seq + 1:
        return broken(MISSING_SEQ, f"expected seq {previous.seq + 1}, found {record.seq}")
    if record_hash(record) != record.hash:
        return broken(HASH_MISMATCH, "the record's content does not give its stored hash")
    if record.prev_hash != previous.hash:
        return broken(BROKEN_LINK, f"the previous record (seq {previous.seq}) hashes differently")
    return None


async def _records_beyond_head(
    sessions: async_sessionmaker[AsyncSession], chain_id: str
) -> tuple[int, int, int] | None:
    """A record past the head (read in one statement: one snapshot), or None."""
    head_now = select(AuditChain.head_seq).where(AuditChain.id == chain_id).scalar_subquery()
    async with sessions() as session:
        row = (
            await session.execute(
                select(AuditRecord.seq, AuditRecord.id, head_now)
                .where(AuditRecord.chain_id == chain_id, AuditRecord.seq > head_now)
                .order_by(AuditRecord.seq)
                .limit(1)
            )
        ).first()
    return None if row is None else (row[0], row[1], row[2])


async def _main(url: str) -> int:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            tables = await connection.run_sync(lambda sync: inspect(sync).get_table_names())
        if not {"audit_chains", "audit_records"} <= set(tables):
            print("this store has no access log yet: migrate it (python -m store.migrate URL)")
            return 2
        report = await verify(sessionmaker(engine))
    finally:
        await engine.dispose()
    print(report.summary())
    return 0 if report.ok else 1


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args and args[0] in {"-h", "--help"}:
        print(__doc__)
        return 0
    url = args[0] if args else get_settings().store_url
    print(f"verifying the access log at {url.split('@')[-1]}")
    try:
        return asyncio.run(_main(url))
    except Exception as error:
        print(f"could not verify: {type(error).__name__}: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
