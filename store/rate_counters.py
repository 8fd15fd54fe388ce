"""Rate-limit counters in the gateway store, as a `limits` storage: fixed windows kept by one
atomic upsert per batch of keys (INSERT ... ON CONFLICT DO UPDATE ... RETURNING on SQLite and
PostgreSQL), so every worker sharing the store counts against the same numbers.

On an SQLite file the upserts run on one plain sqlite3 connection in a thread of their own: a
batch is one hop off the event loop, where a pooled async connection takes some eight (check-out,
BEGIN, execute, fetch, close the cursor, COMMIT, the pool's reset). The transaction is the same
(BEGIN IMMEDIATE, so two workers never both take the last place)."""

from __future__ import annotations

import asyncio
import hashlib
import sqlite3
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from limits.aio.storage import Storage
from sqlalchemy import BigInteger, bindparam, case, delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.db import transaction
from store.limit_models import MAX_COUNTER_KEY, RateCounter

_TABLE = RateCounter.__table__


@dataclass(frozen=True, slots=True)
class Window:
    """A key's count in its current window after an increment, and when the window ends."""

    count: int
    expires_at: float  # seconds since the epoch


def counter_key(key: str) -> str:
    """Keys longer than the column are hashed (a client address or id is short; this only
    bounds what an unexpected input could make)."""
    if len(key) <= MAX_COUNTER_KEY:
        return key
    return "sha256:" + hashlib.sha256(key.encode()).hexdigest()


def _now_ms() -> int:
    return int(time.time() * 1000)


def _upsert(insert: Any) -> Any:
    """Add `count` to `key`'s window, or start a new window (ending at `expires_at_ms`) when its
    last one ended by `now`; returns the key's count and end."""
    inserting = insert(RateCounter)
    expired = _TABLE.c.expires_at_ms <= bindparam("now", type_=BigInteger)
    return inserting.on_conflict_do_update(
        index_elements=[_TABLE.c.key],
        set_={
            "count": case(
                (expired, inserting.excluded.count),
                else_=_TABLE.c.count + inserting.excluded.count,
            ),
            "expires_at_ms": case(
                (expired, inserting.excluded.expires_at_ms), else_=_TABLE.c.expires_at_ms
            ),
        },
    ).returning(_TABLE.c.key, _TABLE.c.count, _TABLE.c.expires_at_ms)


class StoreStorage(Storage):
    """A `limits.aio.storage.Storage` over the gateway store (fixed windows only).

    `incr_many` is what the gateway uses: one statement for every key of a request.
    """

    STORAGE_SCHEME = None  # built from a session factory, not from a URI

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        super().__init__(wrap_exceptions=True)
        self._sessions = sessions
        dialect = sessions.kw["bind"].dialect.name
        if dialect not in ("sqlite", "postgresql"):
            raise ValueError(f"rate-limit counters need SQLite or PostgreSQL, not {dialect}")
        self._engine = sessions.kw["bind"]
        self._upsert = _upsert(sqlite.insert if dialect == "sqlite" else postgresql.insert)
        self._plain = _PlainSqlite.of(self._engine, self._upsert)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return SQLAlchemyError

    async def incr_many(
        self, increments: Sequence[tuple[str, int]], expiry: int
    ) -> dict[str, Window]:
        """Add `amount` to each key's current window (a window of `expiry` seconds starts at
        a key's first hit, or at the first hit after its last window ended)."""
        merged: dict[str, int] = {}
        for key, amount in increments:
            stored = counter_key(key)
            merged[stored] = merged.get(stored, 0) + amount
        if not merged:
            return {}
        now = _now_ms()
        ends = now + expiry * 1000
        # Sorted: two workers upserting overlapping keys lock them in the same order.
        rows = [
            {"key": key, "count": amount, "expires_at_ms": ends, "now": now}
            for key, amount in sorted(merged.items())
        ]
        # One statement built and compiled once, executed with a row of parameters per key
        # (Core, not the ORM: this runs on every request that reads a new citizen).
        if self._plain is not None:
            counted = await self._plain.upsert(rows)
        else:
            async with self._engine.begin() as connection:
                counted = list((await connection.execute(self._upsert, rows)).all())
        found = {key: Window(count, ends_ms / 1000) for key, count, ends_ms in counted}
        return {key: found[counter_key(key)] for key, _ in increments}

    async def close(self) -> None:
        """Close the plain SQLite connection, if any (the gateway's shutdown)."""
        if self._plain is not None:
            await self._plain.close()
            self._plain = None

    async def purge_expired(self) -> int:
        """Delete windows that have ended; returns how many."""
        async with transaction(self._sessions) as session:
            result = await session.execute(
                delete(RateCounter).where(RateCounter.expires_at_ms <= _now_ms())
            )
        return int(getattr(result, "rowcount", 0) or 0)

    # -- the `limits` storage interface ----------------------------------------------------------

    async def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return (await self.incr_many([(key, amount)], expiry))[key].count

    async def get(self, key: str) -> int:
        async with self._sessions() as session:
            count = await session.scalar(
                select(RateCounter.count).where(
                    RateCounter.key == counter_key(key), RateCounter.expires_at_ms > _now_ms()
                )
            )
        return int(count or 0)

    async def get_expiry(self, key: str) -> float:
        async with self._sessions() as session:
            ends = await session.scalar(
                select(RateCounter.expires_at_ms).where(RateCounter.key == counter_key(key))
            )
        return max(ends or 0, _now_ms()) / 1000

    async def check(self) -> bool:
        try:
            async with self._sessions() as session:
                await session.scalar(select(RateCounter.key).limit(1))
        except SQLAlchemyError:
            return False
        return True

    async def reset(self) -> int | None:
        async with transaction(self._sessions) as session:
            result = await session.execute(delete(RateCounter))
        return int(getattr(result, "rowcount", 0) or 0)

    async def clear(self, key: str) -> None:
        async with transaction(self._sessions) as session:
            await session.execute(delete(RateCounter).where(RateCounter.key == counter_key(key)))


class _PlainSqlite:
    """The upsert on one plain sqlite3 connection, in a thread of its own."""

    def __init__(self, path: str, sql: str, order: Sequence[str]) -> None:
        self._path = path
        self._sql = sql
        self._order = tuple(order)
        self._connection: sqlite3.Connection | None = None
        self._lock = threading.Lock()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rate-counters")

    @classmethod
    def of(cls, engine: Any, upsert: Any) -> _PlainSqlite | None:
        """For an SQLite file; None for another database or one in memory (not shareable)."""
        url = engine.url
        if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
            return None
        compiled = upsert.compile(dialect=engine.dialect)
        return cls(url.database, str(compiled), compiled.positiontup or ())

    async def upsert(self, rows: list[dict[str, Any]]) -> list[tuple[str, int, int]]:
        values = [tuple(row[name] for name in self._order) for row in rows]
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._executor, self._run, values)

    def _run(self, values: list[tuple[Any, ...]]) -> list[tuple[str, int, int]]:
        with self._lock:
            if self._connection is None:
                # As the store's engine connects (store.db): a busy store waits, never fails.
                self._connection = sqlite3.connect(
                    self._path, timeout=30, isolation_level=None, check_same_thread=False
                )
                self._connection.execute("PRAGMA synchronous=NORMAL")
            connection = self._connection
            connection.execute("BEGIN IMMEDIATE")
            try:
                # fetchall, not fetchone: each statement runs to its end before the COMMIT.
                counted = [connection.execute(self._sql, row).fetchall()[0] for row in values]
                connection.execute("COMMIT")
            except BaseException:
                connection.execute("ROLLBACK")
                raise
        return counted

    async def close(self) -> None:
        await asyncio.get_running_loop().run_in_executor(self._executor, self._disconnect)
        self._executor.shutdown(wait=False)

    def _disconnect(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None
