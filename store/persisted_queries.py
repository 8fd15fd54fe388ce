"""Safelisted documents in the store, and the per-worker cache the GraphQL edge reads them
through (no store read per request; a removal reaches every worker within the cache's ttl)."""

from __future__ import annotations

import hashlib
import re
import time
from collections import OrderedDict
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.limit_models import PersistedQuery

SHA256_HEX = re.compile(r"[0-9a-f]{64}")
MAX_CACHED = 10_000  # (client, hash) pairs per worker, found or not


@dataclass(frozen=True, slots=True)
class SafelistBounds:
    """How much one client's safelist may hold (settings.safelist_max_*)."""

    max_documents: int
    max_bytes: int


def document_hash(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def is_hash(value: object) -> bool:
    return isinstance(value, str) and SHA256_HEX.fullmatch(value) is not None


async def count_for(session: AsyncSession, client_id: str) -> int:
    query = select(func.count()).where(PersistedQuery.client_id == client_id)
    return int(await session.scalar(query) or 0)


async def listed(session: AsyncSession, client_id: str) -> list[PersistedQuery]:
    query = (
        select(PersistedQuery)
        .where(PersistedQuery.client_id == client_id)
        .order_by(PersistedQuery.created_at, PersistedQuery.sha256)
    )
    return list((await session.scalars(query)).all())


async def hashes_of(session: AsyncSession, client_id: str) -> list[str]:
    query = (
        select(PersistedQuery.sha256)
        .where(PersistedQuery.client_id == client_id)
        .order_by(PersistedQuery.sha256)
    )
    return list((await session.scalars(query)).all())


async def remove(session: AsyncSession, client_id: str, sha256: str) -> bool:
    result = await session.execute(
        delete(PersistedQuery).where(
            PersistedQuery.client_id == client_id, PersistedQuery.sha256 == sha256
        )
    )
    return bool(getattr(result, "rowcount", 0))


class SafelistCache:
    """(client, hash) -> document or None, each answer kept for `ttl` seconds."""

    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], ttl: float, size: int = MAX_CACHED
    ) -> None:
        self._sessions = sessions
        self._ttl = ttl
        self._size = size
        self._found: OrderedDict[tuple[str, str], tuple[str | None, float]] = OrderedDict()

    async def document(self, client_id: str, sha256: str) -> str | None:
        key = (client_id, sha256)
        cached = self._found.get(key)
        now = time.monotonic()
        if cached is not None and now - cached[1] < self._ttl:
            self._found.move_to_end(key)
            return cached[0]
        async with self._sessions() as session:
            document = await session.scalar(
                select(PersistedQuery.document).where(
                    PersistedQuery.client_id == client_id, PersistedQuery.sha256 == sha256
                )
            )
        self._found[key] = (document, now)
        self._found.move_to_end(key)
        while len(self._found) > self._size:
            self._found.popitem(last=False)
        return document
