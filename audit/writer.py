"""Group commit: callers wait until their entries are committed; concurrent callers share one
transaction.

One background task per writer drains a queue. While one transaction is in flight, new entries
queue up and all go into the next one together, so the number of commits falls as load rises
without any timer or added latency. Each transaction inserts its records with one executemany and
moves the chain head in the same transaction; only then are the waiters released.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, cast

from sqlalchemy import CursorResult, Table, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.chain import GENESIS_HASH, ChainConflict, Head, link
from audit.entry import AuditEntry
from audit.sqlite_appender import SqliteAppender
from observability import metrics
from store.audit_models import AuditChain, AuditRecord

log = logging.getLogger(__name__)
_RECORDS = cast(Table, AuditRecord.__table__)
_CHAINS = cast(Table, AuditChain.__table__)
_HASH_INLINE = 100  # records hashed on the loop; a bigger batch is hashed in a thread


@dataclass(slots=True)
class _Waiter:
    entries: Sequence[AuditEntry]
    done: asyncio.Future[None]
    queued_at: float = field(default_factory=time.perf_counter)


@dataclass(slots=True)
class WriterStats:
    transactions: int = 0
    records: int = 0
    failures: int = 0


class AuditWriter:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        *,
        chain_id: str | None = None,
        max_batch: int = 2000,
    ) -> None:
        if max_batch < 1:
            raise ValueError("max_batch must be at least 1")
        self.sessions = sessions
        self._appender = _sqlite_appender(sessions)
        # The SQLite commits' own thread: never queued behind other work in the default pool.
        self._executor = (
            ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit-commit")
            if self._appender is not None
            else None
        )
        self.chain_id = chain_id or uuid.uuid4().hex
        self.max_batch = max_batch
        self.stats = WriterStats()
        self._head: Head | None = None  # None: unknown (not started, or after a failed commit)
        self._pending: list[_Waiter] = []
        self._wakeup = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._closing = False

    async def start(self) -> None:
        """Create this writer's chain (or continue it, if the given chain id exists)."""
        if self._task is not None:
            raise RuntimeError("AuditWriter already started")
        async with self.sessions() as session, session.begin():
            chain = await session.get(AuditChain, self.chain_id)
            if chain is None:
                session.add(AuditChain(id=self.chain_id, head_seq=0, head_hash=GENESIS_HASH))
                self._head = Head()
            else:
                self._head = Head(chain.head_seq, chain.head_hash)
        self._task = asyncio.create_task(self._run(), name=f"audit-writer-{self.chain_id}")

    async def record(self, entries: Sequence[AuditEntry]) -> None:
        """Return once `entries` are committed; raise if their transaction failed."""
        if not entries:
            return
        if self._task is None or self._closing or self._task.done():
            raise RuntimeError("AuditWriter is not running")
        waiter = _Waiter(entries, asyncio.get_running_loop().create_future())
        self._pending.append(waiter)
        self._wakeup.set()
        # A cancelled caller cancels only its wait: its entries are still written.
        await waiter.done

    async def close(self) -> None:
        """Commit everything queued, then stop."""
        if self._task is None:
            return
        self._closing = True
        self._wakeup.set()
        await self._task
        if self._appender is not None:
            self._appender.close()
        if self._executor is not None:
            self._executor.shutdown(wait=False)

    async def _run(self) -> None:
        try:
            while True:
                if not self._pending:
                    if self._closing:
                        return
                    self._wakeup.clear()
                    await self._wakeup.wait()
                    continue
                batch = self._take()
                entries = [entry for waiter in batch for entry in waiter.entries]
                try:
                    await self._commit(entries)
                except Exception as error:
                    self.stats.failures += 1
                    metrics.record_audit_failure()
                    log.exception("audit commit failed; %d requests fail", len(batch))
                    _settle(batch, error)
                else:
                    # The lag is what the longest-waiting request of the batch waited.
                    lag = time.perf_counter() - batch[0].queued_at
                    metrics.record_audit_commit(len(entries), lag)
                    _settle(batch, None)
        finally:
            # Only reached early if this task itself is cancelled: nobody may wait forever.
            self._closing = True
            _settle(self._pending, RuntimeError("AuditWriter stopped"))
            self._pending = []

    def _take(self) -> list[_Waiter]:
        """Whole callers, oldest first, up to max_batch entries (a larger caller goes alone)."""
        taken, count = 0, 0
        for waiter in self._pending:
            if taken and count + len(waiter.entries) > self.max_batch:
                break
            taken += 1
            count += len(waiter.entries)
        batch, self._pending = self._pending[:taken], self._pending[taken:]
        return batch

    async def _commit(self, entries: list[AuditEntry]) -> None:
        head = self._head or await self._read_head()
        self._head = None  # unknown until this commit is known to have landed
        rows = [entry.row() for entry in entries]
        if self._appender is not None:
            # SQLite: hash, insert, move the head and commit in one trip to a worker thread.
            values, new_head = self._appender.prepare(self.chain_id, head, rows)
            await asyncio.get_running_loop().run_in_executor(
                self._executor, self._appender.commit, self.chain_id, head, new_head, values
            )
            self._head = new_head
            self.stats.transactions += 1
            self.stats.records += len(rows)
            return
        if len(rows) > _HASH_INLINE:  # ~14 µs a record: keep the event loop free for big batches
            rows, new_head = await asyncio.to_thread(link, self.chain_id, head, rows)
        else:
            rows, new_head = link(self.chain_id, head, rows)
        async with self.sessions() as session, session.begin():
            # Tables, not mapped classes: plain Core statements, several times cheaper than the
            # ORM's bulk paths (the insert stays one executemany).
            await session.execute(insert(_RECORDS), rows)
            # An UPDATE's result is a CursorResult, which counts the rows it changed.
            moved = cast(
                CursorResult[Any],
                await session.execute(
                    update(_CHAINS)
                    .where(_CHAINS.c.id == self.chain_id, _CHAINS.c.head_seq == head.seq)
                    .values(head_seq=new_head.seq, head_hash=new_head.hash)
                ),
            )
            if moved.rowcount != 1:
                raise ChainConflict(f"audit chain {self.chain_id} head moved under this writer")
        self._head = new_head
        self.stats.transactions += 1
        self.stats.records += len(rows)

    async def _read_head(self) -> Head:
        async with self.sessions() as session:
            row = (
                await session.execute(
                    select(AuditChain.head_seq, AuditChain.head_hash).where(
                        AuditChain.id == self.chain_id
                    )
                )
            ).one()
        return Head(row.head_seq, row.head_hash)


def _settle(waiters: list[_Waiter], error: BaseException | None) -> None:
    for waiter in waiters:
        if waiter.done.done():
            continue  # the caller was cancelled
        if error is None:
            waiter.done.set_result(None)
        else:
            waiter.done.set_exception(error)


def _sqlite_appender(sessions: async_sessionmaker[AsyncSession]) -> SqliteAppender | None:
    url = sessions.kw["bind"].url
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    return SqliteAppender(url.database)
