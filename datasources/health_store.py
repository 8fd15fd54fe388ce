"""Source health shared across workers: each worker flushes its own `source_health` row per
source; readers combine the fresh rows with the last probe into one view per source.

Nothing a worker keeps in memory is needed by another: a worker that stops flushing is ignored
once its rows are stale, and its rows are pruned after a while.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from datasources.health import HealthReport
from standard.statuses import BreakerState, SourceStatus
from store.db import transaction
from store.models import DataSource, SourceHealth, SourceProbe

logger = logging.getLogger(__name__)

DEGRADED_ERROR_RATE = 0.2
# A worker's row counts while it was updated within this many flush intervals.
FRESH_FLUSHES = 3
# Rows of workers gone this long are deleted (restarts would otherwise pile them up).
PRUNE_AFTER = timedelta(hours=1)

_WORSE: dict[str, int] = {BreakerState.CLOSED: 0, BreakerState.HALF_OPEN: 1, BreakerState.OPEN: 2}


@dataclass(frozen=True, slots=True)
class SourceHealthView:
    source_id: str
    status: SourceStatus
    breaker: str  # "closed" | "half_open" | "open"  (worst among fresh workers)
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None
    calls: int  # recent window, summed over fresh workers
    error_rate: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    probe_ok: bool | None
    probed_at: datetime | None

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for item in fields(self):
            value = getattr(self, item.name)
            out[item.name] = value.isoformat() if isinstance(value, datetime) else value
        return out


async def flush(
    sessions: async_sessionmaker[AsyncSession], worker_id: str, reports: Sequence[HealthReport]
) -> None:
    """Upsert this worker's row for each reported source, and prune long-gone workers' rows."""
    if not reports:
        return
    now = datetime.now(UTC)
    try:
        async with transaction(sessions) as session:
            wanted = [report.source_id for report in reports]
            stored = set(
                await session.scalars(select(DataSource.id).where(DataSource.id.in_(wanted)))
            )
            mine = {
                row.source_id: row
                for row in await session.scalars(
                    select(SourceHealth).where(SourceHealth.worker_id == worker_id)
                )
            }
            for report in reports:
                if report.source_id not in stored:  # unregistered meanwhile
                    continue
                row = mine.get(report.source_id)
                if row is None:
                    row = SourceHealth(source_id=report.source_id, worker_id=worker_id)
                    session.add(row)
                _fill(row, report, now)
            gone = SourceHealth.updated_at < now - PRUNE_AFTER
            await session.execute(delete(SourceHealth).where(gone))
    except IntegrityError:
        # A source was deleted between our check and the commit; the next flush goes through.
        logger.debug("source health flush raced a source's removal; retrying next round")


def _fill(row: SourceHealth, report: HealthReport, now: datetime) -> None:
    stats = report.stats
    row.calls = stats.calls
    row.errors = stats.errors
    row.latency_p50_ms = stats.latency_p50_ms
    row.latency_p95_ms = stats.latency_p95_ms
    row.breaker = report.breaker
    # A source registered again starts a fresh monitor in this worker: what the old one saw
    # last stays until something newer replaces it, so a DOWN source never loses its reason.
    if stats.last_success_at is not None:
        row.last_success_at = stats.last_success_at
    if stats.last_failure_at is not None:
        row.last_failure_at = stats.last_failure_at
        row.last_error = stats.last_error
    row.updated_at = now


@dataclass(frozen=True, slots=True)
class SharedHealth:
    """Source health as every worker together sees it: a worker's rows count while it flushed
    within the last FRESH_FLUSHES of its flush intervals."""

    sessions: async_sessionmaker[AsyncSession]
    flush_interval: float

    async def views(self, session: AsyncSession | None = None) -> dict[str, SourceHealthView]:
        """Every enabled source's health; read in `session` if given (one connection for a
        caller that reads more), else in a session of its own."""
        stale_after = FRESH_FLUSHES * self.flush_interval
        if session is not None:
            return await read_health(session, stale_after=stale_after)
        return await source_health(self.sessions, stale_after=stale_after)


# Built once: read on every catalogue request.
_PROBES = (
    select(DataSource.id, SourceProbe)
    .outerjoin(SourceProbe, SourceProbe.source_id == DataSource.id)
    .where(DataSource.enabled)
)
_ROWS = select(SourceHealth)


async def source_health(
    sessions: async_sessionmaker[AsyncSession], *, stale_after: float
) -> dict[str, SourceHealthView]:
    """Every enabled source's health, combined over the workers that flushed within
    `stale_after` seconds."""
    async with sessions() as session:
        return await read_health(session, stale_after=stale_after)


async def read_health(session: AsyncSession, *, stale_after: float) -> dict[str, SourceHealthView]:
    """`source_health`, read in the caller's session."""
    probes = (await session.execute(_PROBES)).all()
    rows = (await session.scalars(_ROWS)).all()
    by_source: dict[str, list[SourceHealth]] = {}
    for row in rows:
        by_source.setdefault(row.source_id, []).append(row)
    horizon = datetime.now(UTC) - timedelta(seconds=stale_after)
    return {
        source_id: _combine(source_id, probe, by_source.get(source_id, []), horizon)
        for source_id, probe in probes
    }


def _combine(
    source_id: str, probe: SourceProbe | None, rows: list[SourceHealth], horizon: datetime
) -> SourceHealthView:
    fresh = [row for row in rows if row.updated_at >= horizon]
    breaker = max(
        (row.breaker for row in fresh), key=_WORSE.__getitem__, default=BreakerState.CLOSED
    )
    calls = sum(row.calls for row in fresh)
    errors = sum(row.errors for row in fresh)
    error_rate = errors / calls if calls else None
    # Percentiles do not add up across workers: the median is the call-weighted mean of the
    # workers' medians, and p95 the worst worker's (an upper bound, which is what matters).
    medians = [(row.latency_p50_ms, row.calls) for row in fresh if row.latency_p50_ms is not None]
    weight = sum(calls for _, calls in medians)
    p50 = sum(ms * calls for ms, calls in medians) / weight if weight else None
    p95 = max((row.latency_p95_ms for row in fresh if row.latency_p95_ms is not None), default=None)
    # When the source last answered is true whatever became of the worker that saw it.
    successes = [row.last_success_at for row in rows if row.last_success_at is not None]
    failures = [(row.last_failure_at, row.last_error) for row in rows if row.last_failure_at]
    if probe is not None and not probe.ok:
        # A failed probe is a failed call too: DOWN because of it says why.
        failures.append((probe.probed_at, probe.error or "the probe failed"))
    last_failure_at, last_error = max(failures, key=lambda item: item[0], default=(None, None))
    probe_ok = probe.ok if probe is not None else None
    return SourceHealthView(
        source_id=source_id,
        status=health_status(probe_ok, breaker, error_rate),
        breaker=breaker,
        last_success_at=max(successes, default=None),
        last_failure_at=last_failure_at,
        last_error=last_error,
        calls=calls,
        error_rate=error_rate,
        latency_p50_ms=p50,
        latency_p95_ms=p95,
        probe_ok=probe_ok,
        probed_at=probe.probed_at if probe is not None else None,
    )


def health_status(probe_ok: bool | None, breaker: str, error_rate: float | None) -> SourceStatus:
    if probe_ok is False or breaker == BreakerState.OPEN:
        return SourceStatus.DOWN
    degraded = error_rate is not None and error_rate >= DEGRADED_ERROR_RATE
    if breaker == BreakerState.HALF_OPEN or degraded:
        return SourceStatus.DEGRADED
    if probe_ok:
        return SourceStatus.HEALTHY
    return SourceStatus.UNKNOWN
