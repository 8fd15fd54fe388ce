"""The national window's figures: coverage overall and per agency, the share of services that run
with no request (proactive) or no visit (connected: every dataset read from the agencies), and
why the others are not connected, by dataset (the programme office's to-do list).

They come from the catalogue (services.catalogue), computed once per catalogue view, which
changes only when cards, sources or their health do. Once a day they are kept in the store
(`CoverageSnapshot`) so the window can show a trend: by the maintenance loop (`daily_snapshot`)
and, should that not have run yet today, by the first view of the dashboard (`keep_today`).
Taking a day's snapshot twice keeps the first.
"""

from __future__ import annotations

import logging
import weakref
from collections import Counter
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from datasources.registry import Registry
from services.catalogue import CatalogueView, Coverage, catalogue_view
from services.coverage import MissingReason, served_by
from standard.national_time import national_day
from store.db import transaction
from store.window_models import CoverageSnapshot

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AgencyFigures:
    code: str
    name_fa: str
    name_en: str
    cards: int
    connected: int
    proactive: int

    @property
    def coverage(self) -> Coverage:
        return Coverage(self.connected, self.cards)


@dataclass(frozen=True, slots=True)
class Gap:
    """How many enabled cards lack one dataset, and why."""

    dataset: str
    reason: MissingReason
    cards: int


@dataclass(frozen=True, slots=True)
class WindowFigures:
    """The enabled cards: how many, connected, proactive, both; per agency; the gaps."""

    cards: int
    connected: int
    proactive: int
    proactive_connected: int  # runs with neither a request nor a visit
    agencies: tuple[AgencyFigures, ...]  # by code
    gaps: tuple[Gap, ...]  # most cards first
    agency_gaps: dict[str, tuple[Gap, ...]]  # the same, of each agency's cards

    @property
    def coverage(self) -> Coverage:
        return Coverage(self.connected, self.cards)

    @property
    def no_request(self) -> Coverage:
        return Coverage(self.proactive, self.cards)

    @property
    def neither(self) -> Coverage:
        return Coverage(self.proactive_connected, self.cards)

    def agency(self, code: str) -> AgencyFigures | None:
        return next((agency for agency in self.agencies if agency.code == code), None)


def figures_of(view: CatalogueView) -> WindowFigures:
    """The figures of the enabled cards of `view`, from its tallies (per agency and distinct
    set of datasets, not per card: well under a millisecond at 5,200 cards)."""
    cards: Counter[str] = Counter()
    connected: Counter[str] = Counter()
    proactive: Counter[str] = Counter()
    both = 0
    gaps: Counter[tuple[str, MissingReason]] = Counter()
    by_agency: dict[str, Counter[tuple[str, MissingReason]]] = {}
    for agency, missing, count, proactive_count in view.tallies():
        cards[agency] += count
        proactive[agency] += proactive_count
        if not missing:
            connected[agency] += count
            both += proactive_count
        for key in {(gap.dataset, gap.reason) for gap in missing}:
            gaps[key] += count
            by_agency.setdefault(agency, Counter())[key] += count
    agencies = tuple(
        AgencyFigures(code, *view.names(code), cards[code], connected[code], proactive[code])
        for code in sorted(cards)
    )
    return WindowFigures(
        cards=sum(cards.values()),
        connected=sum(connected.values()),
        proactive=sum(proactive.values()),
        proactive_connected=both,
        agencies=agencies,
        gaps=_ordered(gaps),
        agency_gaps={code: _ordered(found) for code, found in by_agency.items()},
    )


def _ordered(gaps: Counter[tuple[str, MissingReason]]) -> tuple[Gap, ...]:
    ordered = sorted(gaps.items(), key=lambda item: (-item[1], item[0]))
    return tuple(Gap(dataset, reason, count) for (dataset, reason), count in ordered)


# The figures of each view, computed once: a view lives as long as the catalogue's cache keeps it.
_FIGURES: weakref.WeakKeyDictionary[CatalogueView, WindowFigures] = weakref.WeakKeyDictionary()


def figures(view: CatalogueView) -> WindowFigures:
    found = _FIGURES.get(view)
    if found is None:
        found = _FIGURES[view] = figures_of(view)
    return found


def snapshot_row(found: WindowFigures, day: date) -> CoverageSnapshot:
    missing: dict[str, dict[str, int]] = {}
    for gap in found.gaps:
        missing.setdefault(gap.dataset, {})[gap.reason.value] = gap.cards
    return CoverageSnapshot(
        day=day,
        cards=found.cards,
        connected=found.connected,
        proactive=found.proactive,
        by_agency={
            agency.code: {
                "cards": agency.cards,
                "connected": agency.connected,
                "proactive": agency.proactive,
            }
            for agency in found.agencies
        },
        missing=missing,
    )


async def take_snapshot(
    sessions: async_sessionmaker[AsyncSession], found: WindowFigures, day: date
) -> bool:
    """Keep `found` as `day`'s figures unless that day has some already; True if kept now."""
    try:
        async with transaction(sessions) as session:
            if await session.get(CoverageSnapshot, day) is not None:
                return False
            session.add(snapshot_row(found, day))
        return True
    except IntegrityError:  # another worker kept the day's meanwhile
        return False


# The last day each store's snapshot is known to be taken, so a view costs no query for it.
_TAKEN: weakref.WeakKeyDictionary[async_sessionmaker[AsyncSession], date] = (
    weakref.WeakKeyDictionary()
)


async def keep_today(sessions: async_sessionmaker[AsyncSession], found: WindowFigures) -> None:
    """Take today's snapshot if this worker has not seen it taken (a failure is logged: the
    page is still shown, and the next view or the daily job tries again)."""
    today = national_day()
    if _TAKEN.get(sessions) == today:
        return
    try:
        await take_snapshot(sessions, found, today)
    except SQLAlchemyError:
        logger.warning("today's coverage snapshot could not be kept", exc_info=True)
        return
    _TAKEN[sessions] = today


async def daily_snapshot(registry: Registry) -> None:
    """The maintenance loop's step: today's snapshot, from the catalogue as of now."""
    sessions = registry.shared_health.sessions
    if _TAKEN.get(sessions) == national_day():
        return
    view = await catalogue_view(
        sessions, registry.shared_health, served_by(registry.specs.values())
    )
    await keep_today(sessions, figures(view))


@dataclass(frozen=True, slots=True)
class DayFigures:
    """One day's kept figures."""

    day: date
    cards: int
    connected: int
    proactive: int
    by_agency: dict[str, dict[str, int]]

    @property
    def coverage(self) -> Coverage:
        return Coverage(self.connected, self.cards)

    def agency(self, code: str) -> Coverage | None:
        found = self.by_agency.get(code)
        if found is None:
            return None
        return Coverage(int(found.get("connected", 0)), int(found.get("cards", 0)))


async def trend(session: AsyncSession, *, since: date) -> list[DayFigures]:
    """The kept days from `since` on, oldest first."""
    rows = await session.scalars(
        select(CoverageSnapshot).where(CoverageSnapshot.day >= since).order_by(CoverageSnapshot.day)
    )
    return [
        DayFigures(row.day, row.cards, row.connected, row.proactive, dict(row.by_agency))
        for row in rows
    ]
