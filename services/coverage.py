"""What "connected" means: a service card is connected when every dataset it needs has a healthy
registered source.

A standard dataset is served by every record type with fields in it (as the record specs say,
from `schema/records.py`: `civil.identity` by identity and death records, `civil.family` by birth
records, ...; `served_by`). The dataset is connected when each of those record types has an
enabled data source whose health is HEALTHY or DEGRADED. A planned dataset
(`standard.datasets.PlannedDataset`) is never connected: the standard does not define it yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from datasources.health_store import SharedHealth
from standard.datasets import PlannedDataset
from standard.records import RecordSpec
from standard.statuses import SourceStatus
from store.models import DataSource

# Standard dataset -> the record types with fields in it, in the standard's order.
ServedBy = Mapping[str, tuple[str, ...]]

# A degraded source still answers (slowly, or with some errors): services on it are connected.
USABLE: frozenset[str] = frozenset({SourceStatus.HEALTHY, SourceStatus.DEGRADED})


class MissingReason(StrEnum):
    NO_SOURCE = "NO_SOURCE"  # a record type of the dataset has no enabled source
    UNHEALTHY = "UNHEALTHY"  # it has one, but the source is down or its health unknown
    NOT_IN_STANDARD = "NOT_IN_STANDARD"  # the dataset is planned, not in the standard yet


@dataclass(frozen=True, slots=True)
class Missing:
    """Why one dataset a card needs is not connected."""

    dataset: str
    reason: MissingReason
    detail: str


def served_by(specs: Iterable[RecordSpec]) -> dict[str, tuple[str, ...]]:
    """Each dataset the record specs name -> the record types with fields in it."""
    served: dict[str, list[str]] = {}
    for spec in specs:
        for dataset in spec.datasets:
            served.setdefault(dataset.value, []).append(spec.record_type)
    return {dataset: tuple(types) for dataset, types in served.items()}


_PLANNED: frozenset[str] = frozenset(dataset.value for dataset in PlannedDataset)


async def source_statuses(
    health: SharedHealth, session: AsyncSession | None = None
) -> dict[str, SourceStatus]:
    """Each enabled data source's health, by source id, as every worker together sees it (the
    last probe, open circuits, recent errors); a source not named is UNKNOWN. Read in `session`
    if given."""
    views = await health.views(session)
    return {source_id: SourceStatus(view.status) for source_id, view in views.items()}


@dataclass(frozen=True, slots=True)
class SourceView:
    """An enabled data source as coverage sees it."""

    id: str
    record_type: str
    status: SourceStatus


_ENABLED = (
    select(DataSource.id, DataSource.record_type).where(DataSource.enabled).order_by(DataSource.id)
)


async def enabled_sources(session: AsyncSession) -> list[tuple[str, str]]:
    """(source id, record type) of every enabled data source, by id."""
    return [(source_id, record_type) for source_id, record_type in await session.execute(_ENABLED)]


def source_views(
    sources: Iterable[tuple[str, str]], statuses: Mapping[str, SourceStatus]
) -> tuple[SourceView, ...]:
    return tuple(
        SourceView(source_id, record_type, statuses.get(source_id, SourceStatus.UNKNOWN))
        for source_id, record_type in sources
    )


def _gaps(
    dataset: str, serving: Mapping[str, list[SourceView]], served: ServedBy
) -> tuple[Missing, ...]:
    if dataset in _PLANNED:
        return (
            Missing(
                dataset,
                MissingReason.NOT_IN_STANDARD,
                f"{dataset} is planned; the data standard does not define it yet",
            ),
        )
    record_types = served.get(dataset)
    if record_types is None:
        return (
            Missing(dataset, MissingReason.NOT_IN_STANDARD, f"{dataset} is not in the standard"),
        )
    gaps: list[Missing] = []
    for record_type in record_types:
        found = serving.get(record_type, [])
        if not found:
            detail = f"no enabled data source serves {record_type} records"
            gaps.append(Missing(dataset, MissingReason.NO_SOURCE, detail))
        elif not any(source.status in USABLE for source in found):
            named = ", ".join(f"{source.id} is {source.status}" for source in found)
            detail = f"the source of {record_type} records: {named}"
            gaps.append(Missing(dataset, MissingReason.UNHEALTHY, detail))
    return tuple(gaps)


def gaps_by_dataset(
    datasets: Iterable[str], sources: Iterable[SourceView], served: ServedBy
) -> dict[str, tuple[Missing, ...]]:
    """Why each of `datasets` is not connected: one entry per record type lacking a usable
    source (or one NOT_IN_STANDARD); an empty tuple for a connected dataset."""
    serving: dict[str, list[SourceView]] = {}
    for source in sources:
        serving.setdefault(source.record_type, []).append(source)
    return {dataset: _gaps(dataset, serving, served) for dataset in dict.fromkeys(datasets)}


async def current_sources(
    sessions: async_sessionmaker[AsyncSession], health: SharedHealth
) -> tuple[SourceView, ...]:
    """The enabled sources with their health, as of now."""
    async with sessions() as session:
        sources = await enabled_sources(session)
        statuses = await source_statuses(health, session)
    return source_views(sources, statuses)


async def missing_for(
    sessions: async_sessionmaker[AsyncSession],
    health: SharedHealth,
    datasets: Iterable[str],
    served: ServedBy,
) -> tuple[Missing, ...]:
    """Why a card needing `datasets` is not connected (empty: it is), as of now; by dataset
    name, as the catalogue lists them."""
    sources = await current_sources(sessions, health)
    gaps = gaps_by_dataset(sorted(set(datasets)), sources, served)
    return tuple(gap for found in gaps.values() for gap in found)
