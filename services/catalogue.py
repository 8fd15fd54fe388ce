"""The service catalogue as the national window shows it: every card, whether it is connected
and why not, and coverage overall and per agency.

At thousands of cards nothing is re-read per query. Each worker keeps the decoded cards (and the
agencies' names), keyed by a fingerprint (count, latest change, sum of versions, number of
agencies) that one cheap aggregate query reads on every request, so a change made through any
worker shows at once. When it moves, only the cards changed since the latest change kept are
read, and merged in if the result has the fingerprint read (else every card is read again: a
change committed out of time order is never missed). Connectivity is then evaluated per
distinct set of datasets, not per card, against the sources' health as of the request.
"""

from __future__ import annotations

import asyncio
import weakref
from bisect import bisect_right
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from datasources.health_store import SharedHealth
from services.cards import CONTENT, CardDraft
from services.coverage import (
    Missing,
    ServedBy,
    SourceView,
    enabled_sources,
    gaps_by_dataset,
    source_statuses,
    source_views,
)
from standard.life_events import REPORT_SCOPE
from standard.pagination import check_first
from store.models import Agency, ServiceCard


@dataclass(frozen=True, slots=True, kw_only=True)
class Card(CardDraft):
    """One service card as the catalogue shows it: the card as registered, and its state."""

    enabled: bool
    version: int
    updated_at: datetime


# The columns a Card is read from: the card's fields, by the names CardDraft gives them.
_COLUMNS = (
    ServiceCard.id,
    ServiceCard.agency_code,
    *(getattr(ServiceCard, name) for name in CONTENT),
    ServiceCard.enabled,
    ServiceCard.version,
    ServiceCard.updated_at,
)


def card_of(row: ServiceCard | Sequence[Any]) -> Card:
    """A card from a ServiceCard row (or a row of `_COLUMNS`, in that order)."""
    if isinstance(row, ServiceCard):
        row = tuple(getattr(row, column.key) for column in _COLUMNS)
    card_id, agency, *content, enabled, version, updated_at = row
    given: dict[str, Any] = dict(zip(CONTENT, content, strict=True))
    given["datasets"] = tuple(given["datasets"])
    given["proactive"] = bool(given["proactive"])
    return Card(
        id=card_id,
        agency=agency,
        **given,
        enabled=bool(enabled),
        version=int(version),
        updated_at=updated_at,
    )


Fingerprint = tuple[Any, ...]
AgencyNames = dict[str, tuple[str, str]]  # code -> (Persian, English) name


# Built once: the statement is read on every catalogue request.
_FINGERPRINT = select(
    func.count(),
    func.max(ServiceCard.updated_at),
    func.coalesce(func.sum(ServiceCard.version), 0),
    select(func.count()).select_from(Agency).scalar_subquery(),
)
_NAMES = select(Agency.code, Agency.name_fa, Agency.name_en)


async def fingerprint(session: AsyncSession) -> Fingerprint:
    """Moves whenever a card is added or changed (every change bumps its version and its time)
    or an agency is added."""
    count, latest, versions, agency_count = (await session.execute(_FINGERPRINT)).one()
    return (int(count), str(latest), int(versions), int(agency_count))


def fingerprint_of(cards: Collection[Card], agency_count: int) -> Fingerprint:
    """The fingerprint the store reads when it holds exactly `cards`."""
    latest = max((card.updated_at for card in cards), default=None)
    return (len(cards), str(latest), sum(card.version for card in cards), agency_count)


@dataclass(frozen=True)
class Snapshot:
    """Every card, by id, as of one fingerprint; its distinct dataset sets and how many enabled
    cards of each agency need each set."""

    fingerprint: Fingerprint
    cards: tuple[Card, ...]
    by_id: dict[str, Card]
    needs: dict[tuple[str, ...], int]  # distinct (sorted) dataset set -> its index
    need_by_id: dict[str, int]  # card id -> the index of its dataset set
    tally: dict[tuple[int, str], int]  # (need index, agency) -> enabled cards
    proactive: dict[tuple[int, str], int]  # (need index, agency) -> enabled proactive cards
    agency_names: AgencyNames
    latest: datetime | None  # the latest change among the cards

    @classmethod
    def of(cls, fingerprint: Fingerprint, cards: Iterable[Card], names: AgencyNames) -> Snapshot:
        ordered = tuple(sorted(cards, key=lambda card: card.id))
        needs: dict[tuple[str, ...], int] = {}
        need_by_id: dict[str, int] = {}
        tally: Counter[tuple[int, str]] = Counter()
        proactive: Counter[tuple[int, str]] = Counter()
        for card in ordered:
            need = need_by_id[card.id] = needs.setdefault(need_of(card), len(needs))
            if card.enabled:
                tally[need, card.agency] += 1
                if card.proactive:
                    proactive[need, card.agency] += 1
        by_id = {card.id: card for card in ordered}
        latest = max((card.updated_at for card in ordered), default=None)
        return cls(fingerprint, ordered, by_id, needs, need_by_id, dict(tally),
                   dict(proactive), names, latest)  # fmt: skip

    def changed(
        self, cards: Iterable[Card], fingerprint: Fingerprint, names: AgencyNames
    ) -> Snapshot:
        """This snapshot with `cards` added, or put in place of the cards with their ids: only
        their own sets of datasets and tallies are worked out again."""
        by_id = dict(self.by_id)
        needs, need_by_id = dict(self.needs), dict(self.need_by_id)
        tally, proactive = Counter(self.tally), Counter(self.proactive)
        latest = self.latest
        for card in cards:
            old = by_id.get(card.id)
            if old is not None and old.enabled:
                key = (need_by_id[old.id], old.agency)
                tally[key] -= 1
                proactive[key] -= old.proactive
            need = need_by_id[card.id] = needs.setdefault(need_of(card), len(needs))
            if card.enabled:
                tally[need, card.agency] += 1
                proactive[need, card.agency] += card.proactive
            by_id[card.id] = card
            latest = card.updated_at if latest is None else max(latest, card.updated_at)
        ordered = tuple(sorted(by_id.values(), key=lambda card: card.id))  # nearly sorted: O(n)
        return Snapshot(fingerprint, ordered, {card.id: card for card in ordered}, needs,
                        need_by_id, {key: n for key, n in tally.items() if n},
                        {key: n for key, n in proactive.items() if n}, names, latest)  # fmt: skip

    def datasets(self) -> set[str]:
        return {dataset for need in self.needs for dataset in need}


def need_of(card: Card) -> tuple[str, ...]:
    # Reporting life events reads nothing: it is no dataset a source must serve.
    return tuple(sorted(set(card.datasets) - {REPORT_SCOPE}))


@dataclass(frozen=True, slots=True)
class Coverage:
    connected: int
    total: int

    @property
    def share(self) -> float:
        return self.connected / self.total if self.total else 0.0


@dataclass(frozen=True, slots=True)
class ListedCard:
    """A card as the catalogue lists it: the card, its agency's (Persian, English) names, and
    why it is not connected, per dataset (empty: connected)."""

    card: Card
    agency_names: tuple[str, str]
    missing: tuple[Missing, ...]


@dataclass(frozen=True, slots=True)
class AgencyCoverage:
    code: str
    name_fa: str
    name_en: str
    coverage: Coverage


@dataclass(eq=False)
class CatalogueView:
    """The catalogue against the sources' health at one moment. Built once per change of
    cards, sources or health; the lists it hands out are computed once each."""

    snapshot: Snapshot
    sources: tuple[SourceView, ...]
    served: ServedBy
    _gaps: list[tuple[Missing, ...]] = field(init=False)  # per need index
    _lists: dict[tuple[str | None, bool | None], list[Card]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        gaps = gaps_by_dataset(sorted(self.snapshot.datasets()), self.sources, self.served)
        self._gaps = [
            tuple(gap for dataset in need for gap in gaps[dataset]) for need in self.snapshot.needs
        ]

    def card(self, card_id: str) -> Card | None:
        return self.snapshot.by_id.get(card_id)

    def missing(self, card: Card) -> tuple[Missing, ...]:
        """Why the card is not connected: per dataset (by name), what is missing (empty:
        connected)."""
        if self.snapshot.by_id.get(card.id) is not card:  # not a card of this snapshot
            gaps = gaps_by_dataset(need_of(card), self.sources, self.served)
            return tuple(gap for found in gaps.values() for gap in found)
        return self._gaps[self.snapshot.need_by_id[card.id]]

    def connected(self, card: Card) -> bool:
        return not self.missing(card)

    def listed(self, card: Card) -> ListedCard:
        return ListedCard(card, self.names(card.agency), self.missing(card))

    def tallies(self) -> Iterator[tuple[str, tuple[Missing, ...], int, int]]:
        """Per agency and distinct set of datasets: what is missing, how many enabled cards
        need that set, and how many of those are proactive."""
        proactive = self.snapshot.proactive
        for (need, agency), count in self.snapshot.tally.items():
            yield agency, self._gaps[need], count, proactive.get((need, agency), 0)

    def coverage(self) -> Coverage:
        connected = total = 0
        for (need, _), count in self.snapshot.tally.items():
            total += count
            if not self._gaps[need]:
                connected += count
        return Coverage(connected, total)

    def without_request(self) -> Coverage:
        """Enabled services that run with no request (proactive cards) out of all enabled ones."""
        cards = self.cards()
        return Coverage(sum(1 for card in cards if card.proactive), len(cards))

    def agencies(self) -> list[AgencyCoverage]:
        """Coverage of each agency with enabled cards, by agency code."""
        connected: Counter[str] = Counter()
        total: Counter[str] = Counter()
        for (need, agency), count in self.snapshot.tally.items():
            total[agency] += count
            if not self._gaps[need]:
                connected[agency] += count
        return [
            AgencyCoverage(code, *self.names(code), Coverage(connected[code], total[code]))
            for code in sorted(total)
        ]

    def names(self, agency: str) -> tuple[str, str]:
        return self.snapshot.agency_names.get(agency, (agency, agency))

    def cards(self, *, agency: str | None = None, connected: bool | None = None) -> list[Card]:
        """The enabled cards, by id; only `agency`'s, only (un)connected ones if asked."""
        if agency is not None and agency not in self.snapshot.agency_names:
            return []  # not remembered: anyone may ask for any code
        key = (agency, connected)
        found = self._lists.get(key)
        if found is None:
            found = self._lists[key] = [
                card
                for card in self.snapshot.cards
                if card.enabled
                and (agency is None or card.agency == agency)
                and (connected is None or self.connected(card) is connected)
            ]
        return found


def page(cards: list[Card], *, first: int, after: str | None) -> tuple[list[Card], bool]:
    """Up to `first` cards after the card with id `after` (keyset: cards are ordered by id, so a
    card added or removed meanwhile shifts nothing), and whether more follow."""
    check_first(first)
    start = 0 if after is None else bisect_right(cards, after, key=lambda card: card.id)
    return cards[start : start + first], start + first < len(cards)


class CatalogueCache:
    """One worker's decoded cards and its latest view. Safe to share by concurrent requests."""

    def __init__(self) -> None:
        self._snapshot: Snapshot | None = None
        self._view: CatalogueView | None = None
        self._lock = asyncio.Lock()
        self.loads = 0  # how often the cards were read in full (tests watch it)
        self.refreshes = 0  # how often only the changed cards were read

    async def view(
        self,
        sessions: async_sessionmaker[AsyncSession],
        health: SharedHealth,
        served: ServedBy,
    ) -> CatalogueView:
        """The catalogue as of now: one aggregate query, the enabled sources and their health (a
        few rows each), and the cards only if the fingerprint moved. `served` says which record
        types serve each dataset (`services.coverage.served_by`)."""
        async with sessions() as session:
            # The fingerprint is read before the cards: a change committed in between is then
            # read with the older fingerprint, and read again on the next request; never missed.
            current = await fingerprint(session)
            sources = await enabled_sources(session)
            statuses = await source_statuses(health, session)
            snapshot = self._snapshot
            if snapshot is None or snapshot.fingerprint != current:
                snapshot = await self._load(session, current)
        views = source_views(sources, statuses)
        view = self._view
        if (
            view is None
            or view.snapshot is not snapshot
            or view.sources != views
            or view.served != served
        ):
            view = self._view = CatalogueView(snapshot, views, served)
        return view

    async def _load(self, session: AsyncSession, current: Fingerprint) -> Snapshot:
        async with self._lock:  # concurrent requests read the cards once
            snapshot = self._snapshot
            if snapshot is not None and snapshot.fingerprint == current:
                return snapshot
            found = None if snapshot is None else await _changed(session, snapshot, current)
            if found is None:
                rows = await session.execute(select(*_COLUMNS))
                names = {code: (fa, en) for code, fa, en in await session.execute(_NAMES)}
                found = Snapshot.of(current, [card_of(row) for row in rows], names)
                self.loads += 1
            else:
                self.refreshes += 1
            self._snapshot = found
            return found


async def _changed(
    session: AsyncSession, snapshot: Snapshot, current: Fingerprint
) -> Snapshot | None:
    """`snapshot` with the cards changed since its latest change merged in, if that makes the
    `current` fingerprint (None otherwise: a change committed with an earlier time, or one
    committed since `current` was read; the caller then reads every card)."""
    query = select(*_COLUMNS)
    if snapshot.latest is not None:
        query = query.where(ServiceCard.updated_at >= snapshot.latest)
    names = snapshot.agency_names
    if current[3] != snapshot.fingerprint[3]:  # an agency was added
        names = {code: (fa, en) for code, fa, en in await session.execute(_NAMES)}
    changed = snapshot.changed(map(card_of, await session.execute(query)), current, names)
    return changed if fingerprint_of(changed.cards, current[3]) == current else None


# One cache per store a worker talks to (tests run several stores in one process).
_CACHES: weakref.WeakKeyDictionary[async_sessionmaker[AsyncSession], CatalogueCache] = (
    weakref.WeakKeyDictionary()
)


def cache_for(sessions: async_sessionmaker[AsyncSession]) -> CatalogueCache:
    cache = _CACHES.get(sessions)
    if cache is None:
        cache = _CACHES[sessions] = CatalogueCache()
    return cache


async def catalogue_view(
    sessions: async_sessionmaker[AsyncSession], health: SharedHealth, served: ServedBy
) -> CatalogueView:
    """The catalogue as of now, from this worker's cache of the cards."""
    return await cache_for(sessions).view(sessions, health, served)
