"""What the national window's pages read, and how it is kept cheap.

The catalogue view and its figures come from services (the same functions `Query.catalogue`
uses); they are computed once per change of cards, sources or health. What reads history (the
daily snapshots, 30 days of source health, the access log's counts) is read at most once a
minute per worker and store: the pages say "today's figures", not "this millisecond's". A page
is rendered again only when what it shows changed (`KeptPages`): rendering is most of its cost.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request

from audit.usage import agency_reads
from datasources.health_days import SourcePeriod, periods
from services.catalogue import CatalogueView, catalogue_view
from services.coverage import served_by
from services.window import DayFigures, WindowFigures, figures, keep_today, trend
from standard.national_time import national_day
from web.gateway import gateway

TREND_DAYS = 90
PERFORMANCE_DAYS = 30
REFRESH_SECONDS = 60.0

T = TypeVar("T")
Sessions = async_sessionmaker[AsyncSession]


class Minutely(Generic[T]):
    """One value per store, read again once it is `REFRESH_SECONDS` old (concurrent requests
    wait for the one read)."""

    def __init__(self, read: Callable[[AsyncSession], Awaitable[T]]) -> None:
        self._read = read
        self._kept: weakref.WeakKeyDictionary[Sessions, tuple[float, T]] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = asyncio.Lock()

    async def get(self, sessions: Sessions) -> T:
        kept = self._kept.get(sessions)
        if kept is not None and time.monotonic() - kept[0] < REFRESH_SECONDS:
            return kept[1]
        async with self._lock:
            kept = self._kept.get(sessions)
            if kept is not None and time.monotonic() - kept[0] < REFRESH_SECONDS:
                return kept[1]
            async with sessions() as session:
                value = await self._read(session)
            self._kept[sessions] = (time.monotonic(), value)
            return value

    def forget(self) -> None:
        """Read again on the next request (tests)."""
        self._kept.clear()


async def _trend(session: AsyncSession) -> list[DayFigures]:
    return await trend(session, since=national_day() - timedelta(days=TREND_DAYS - 1))


@dataclass(frozen=True, slots=True)
class Performance:
    """30 days of each source's health and of reads of each agency's data, by outcome."""

    sources: list[SourcePeriod]
    reads: dict[str, dict[str, int]]


async def _performance(session: AsyncSession) -> Performance:
    since = national_day() - timedelta(days=PERFORMANCE_DAYS - 1)
    moment = datetime.now(UTC) - timedelta(days=PERFORMANCE_DAYS)
    return Performance(
        await periods(session, since=since), await agency_reads(session, since=moment)
    )


TREND: Minutely[list[DayFigures]] = Minutely(_trend)
PERFORMANCE: Minutely[Performance] = Minutely(_performance)


async def current_view(request: Request) -> CatalogueView:
    """The catalogue as of this request (as `Query.catalogue` reads it)."""
    services = gateway(request)
    registry = services.registry
    served = served_by(registry.specs.values())
    return await catalogue_view(services.sessions, registry.shared_health, served)


async def window_figures(request: Request) -> tuple[CatalogueView, WindowFigures]:
    """The view, its figures, and today's snapshot kept if this worker has not seen it yet."""
    view = await current_view(request)
    found = figures(view)
    await keep_today(gateway(request).sessions, found)
    return view, found


def today() -> date:
    return national_day()


class KeptPages:
    """The last page rendered per key (the language, and the agency on an agency's page), with
    what it was made from: while those are the same objects or equal, the page is too. Only
    keys the caller has validated are kept, so the number of pages is bounded."""

    def __init__(self) -> None:
        self._kept: dict[tuple[str, ...], tuple[tuple[object, ...], str]] = {}

    def get(self, key: tuple[str, ...], made_of: tuple[object, ...]) -> str | None:
        kept = self._kept.get(key)
        if kept is None or len(kept[0]) != len(made_of):
            return None
        same = all(was is now or was == now for was, now in zip(kept[0], made_of, strict=True))
        return kept[1] if same else None

    def keep(self, key: tuple[str, ...], made_of: tuple[object, ...], html: str) -> str:
        self._kept[key] = (made_of, html)
        return html

    def forget(self) -> None:
        self._kept.clear()
