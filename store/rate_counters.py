"""Rate-limit counters in the gateway store, as a `limits` storage: fixed windows kept by one
atomic upsert per batch of keys (INSERT ... ON CONFLICT DO UPDATE ... RETURNING on SQLite and
PostgreSQL), so every worker sharing the store counts against the same numbers."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
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
        async with self._engine.begin() as connection:
            result = await connection.execute(self._upsert, rows)
            found = {key: Window(count, ends_ms / 1000) for key, count, ends_ms in result.all()}
        return {key: found[counter_key(key)] for key, _ in increments}

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
