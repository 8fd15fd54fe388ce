"""Each source's health by civil day (`SourceHealthDay`), added up from what the gateway already
sees: the calls each worker flushes (datasources.health_store's rhythm), the scheduled probes,
and the newest `last_updated` of the records sources hand back. The national window's agency
performance reads 30 days of it; nothing new is collected from the agencies.

Every worker adds its own counts with `UPDATE ... SET calls = calls + n`, so workers never lose
each other's; the first worker of a day inserts the row (and a worker that loses that race adds
its counts to the winner's).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import ColumnElement, case, or_, select, update
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from datasources.base import MappedRecord, RecordOrError
from datasources.health import HealthReport, ProbeResult, SourceStats
from store.db import transaction
from store.models import DataSource
from store.window_models import SourceHealthDay

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class DayCounts:
    """What one worker adds to a source's day: calls and errors since its last flush, the p95 of
    its recent window, probes made and answered, and the newest record it saw."""

    source_id: str
    calls: int = 0
    errors: int = 0
    latency_p95_ms: float | None = None
    probes: int = 0
    probes_ok: int = 0
    newest_record: datetime | None = None

    def empty(self) -> bool:
        return not (self.calls or self.probes or self.newest_record or self.latency_p95_ms)


def note_records(stats: SourceStats, found: Mapping[str, RecordOrError]) -> None:
    """Remember the newest `last_updated` among the records a call returned (how fresh the
    agency's data is)."""
    for value in found.values():
        if isinstance(value, MappedRecord) and isinstance(value.last_updated, datetime):
            moment = value.last_updated
            stats.saw_record(moment if moment.tzinfo else moment.replace(tzinfo=UTC))


def from_reports(reports: Sequence[tuple[HealthReport, SourceStats]]) -> list[DayCounts]:
    """The day's counts of each flushed source (its stats drained, so nothing is added twice)."""
    found = []
    for report, stats in reports:
        calls, errors, newest = stats.drain()
        found.append(
            DayCounts(
                report.source_id, calls, errors, report.stats.latency_p95_ms, newest_record=newest
            )
        )
    return found


def from_probes(probes: Mapping[str, ProbeResult]) -> list[DayCounts]:
    return [DayCounts(source_id, probes=1, probes_ok=int(r.ok)) for source_id, r in probes.items()]


def _higher(column: Any, value: Any) -> ColumnElement[Any]:
    """The column, or `value` where that is higher (portable: no GREATEST in SQLite)."""
    return case((or_(column.is_(None), column < value), value), else_=column)


async def add(
    sessions: async_sessionmaker[AsyncSession], counts: Sequence[DayCounts], day: date
) -> None:
    """Add `counts` to each source's row of `day`. A failure is logged, never raised: the
    sources work, only a round of the record of it is missing."""
    wanted = [item for item in counts if not item.empty()]
    if not wanted:
        return
    for attempt in (1, 2):
        try:
            await _add(sessions, wanted, day)
            return
        except IntegrityError:
            if attempt == 2:
                logger.warning("source health days: a row kept racing another worker's")
        except SQLAlchemyError:
            logger.warning("source health days could not be recorded", exc_info=True)
            return


async def _add(
    sessions: async_sessionmaker[AsyncSession], counts: Sequence[DayCounts], day: date
) -> None:
    async with transaction(sessions) as session:
        ids = [item.source_id for item in counts]
        rows = await session.execute(
            select(DataSource.id, DataSource.agency_code).where(DataSource.id.in_(ids))
        )
        agencies = {source_id: agency for source_id, agency in rows}
        for item in counts:
            agency = agencies.get(item.source_id)
            if agency is None:  # unregistered meanwhile
                continue
            row = SourceHealthDay
            values: dict[str, Any] = {
                "calls": row.calls + item.calls,
                "errors": row.errors + item.errors,
                "probes": row.probes + item.probes,
                "probes_ok": row.probes_ok + item.probes_ok,
            }
            if item.latency_p95_ms is not None:
                values["latency_p95_ms"] = _higher(row.latency_p95_ms, item.latency_p95_ms)
            if item.newest_record is not None:
                values["last_updated"] = _higher(row.last_updated, item.newest_record)
            changed = await session.execute(
                update(row)
                .where(row.source_id == item.source_id, row.day == day)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if getattr(changed, "rowcount", 0) == 0:
                session.add(
                    SourceHealthDay(
                        source_id=item.source_id,
                        day=day,
                        agency_code=agency,
                        calls=item.calls,
                        errors=item.errors,
                        latency_p95_ms=item.latency_p95_ms,
                        probes=item.probes,
                        probes_ok=item.probes_ok,
                        last_updated=item.newest_record,
                    )
                )
                await session.flush()


@dataclass(frozen=True, slots=True)
class SourcePeriod:
    """One source's health over a period of days."""

    source_id: str
    agency: str
    record_type: str
    calls: int
    errors: int
    probes: int
    probes_ok: int
    latency_p95_ms: float | None  # the worst day's
    last_updated: datetime | None  # the newest record seen
    days: int  # days with figures

    @property
    def availability(self) -> float | None:
        """The share of probes that found the source answering; None with no probe."""
        return self.probes_ok / self.probes if self.probes else None

    @property
    def error_rate(self) -> float | None:
        return self.errors / self.calls if self.calls else None


async def periods(session: AsyncSession, *, since: date) -> list[SourcePeriod]:
    """Every registered source's health from `since` (inclusive) on, by agency and source id;
    a source with no figures in the period is there with zeros."""
    rows = (
        await session.execute(select(SourceHealthDay).where(SourceHealthDay.day >= since))
    ).scalars()
    by_source: dict[str, list[SourceHealthDay]] = {}
    for row in rows:
        by_source.setdefault(row.source_id, []).append(row)
    sources = await session.execute(
        select(DataSource.id, DataSource.agency_code, DataSource.record_type).order_by(
            DataSource.agency_code, DataSource.id
        )
    )
    found = []
    for source_id, agency, record_type in sources:
        days = by_source.get(source_id, [])
        found.append(
            SourcePeriod(
                source_id=source_id,
                agency=agency,
                record_type=record_type,
                calls=sum(day.calls for day in days),
                errors=sum(day.errors for day in days),
                probes=sum(day.probes for day in days),
                probes_ok=sum(day.probes_ok for day in days),
                latency_p95_ms=max(
                    (day.latency_p95_ms for day in days if day.latency_p95_ms is not None),
                    default=None,
                ),
                last_updated=max(
                    (day.last_updated for day in days if day.last_updated is not None),
                    default=None,
                ),
                days=len(days),
            )
        )
    return found
