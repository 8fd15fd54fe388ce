"""The last scheduled probe of each source, kept in the store so every worker (and /readyz) sees
the same one."""

from __future__ import annotations

import logging

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from datasources.health import ProbeResult
from store.db import transaction
from store.models import DataSource, SourceProbe

logger = logging.getLogger(__name__)


async def record_probes(
    sessions: async_sessionmaker[AsyncSession], found: dict[str, ProbeResult]
) -> None:
    """Keep each source's latest probe (sources unregistered meanwhile are skipped). A record
    that fails is logged, never raised: the sources work, only the record of it is missing."""
    try:
        await _record(sessions, found)
    except IntegrityError:
        # Another worker recorded the same sources' first probes at the same moment; its
        # results are as fresh as ours.
        logger.debug("probe results raced another worker's; keeping theirs")
    except SQLAlchemyError:
        logger.warning("probe results could not be recorded", exc_info=True)


async def _record(
    sessions: async_sessionmaker[AsyncSession], found: dict[str, ProbeResult]
) -> None:
    async with transaction(sessions) as session:
        stored = set(
            await session.scalars(select(DataSource.id).where(DataSource.id.in_(list(found))))
        )
        for result in found.values():
            if result.source_id not in stored:
                continue
            await session.merge(
                SourceProbe(
                    source_id=result.source_id,
                    ok=result.ok,
                    error=result.error,
                    latency_ms=result.latency_ms,
                    probed_at=result.probed_at,
                )
            )


async def last_probes(sessions: async_sessionmaker[AsyncSession]) -> dict[str, ProbeResult]:
    async with sessions() as session:
        rows = (await session.scalars(select(SourceProbe))).all()
    return {
        row.source_id: ProbeResult(row.source_id, row.ok, row.error, row.latency_ms, row.probed_at)
        for row in rows
    }
