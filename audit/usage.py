"""How much each consent was used, read from the access log: a consent's uses are the requests
that read data under it, so they are counted where the reads are recorded, never kept apart. The
same goes for how often each agency's data was read (`agency_reads`)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import distinct, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from standard.statuses import AccessOutcome
from store.audit_models import AuditRecord
from store.db import aware

Usage = tuple[int, datetime | None]


async def consent_usage(session: AsyncSession, consent_ids: Collection[str]) -> dict[str, Usage]:
    """Each consent's (use count, last use): the requests that read data under it (distinct
    request ids of GRANTED records) and the last such read. Every id asked for is in the answer;
    an unused consent's is (0, None)."""
    usage: dict[str, Usage] = {key: (0, None) for key in consent_ids}
    if not usage:
        return usage
    rows = await session.execute(
        select(
            AuditRecord.consent_id,
            func.count(distinct(AuditRecord.request_id)),
            func.max(AuditRecord.occurred_at),
        )
        .where(
            AuditRecord.consent_id.in_(usage),
            AuditRecord.outcome == AccessOutcome.GRANTED.value,
        )
        .group_by(AuditRecord.consent_id)
    )
    for consent_id, count, last in rows:
        if consent_id is not None:
            usage[consent_id] = (int(count), aware(last) if last else None)
    return usage


async def agency_reads(session: AsyncSession, *, since: datetime) -> dict[str, dict[str, int]]:
    """How often each agency's data was asked for since `since`, by outcome (GRANTED: served,
    DENIED: refused, SOURCE_ERROR: failed at the agency): {agency: {outcome: records}}. The
    index on (source_agency, occurred_at) keeps it a range scan."""
    rows = await session.execute(
        select(AuditRecord.source_agency, AuditRecord.outcome, func.count())
        .where(AuditRecord.source_agency.is_not(None), AuditRecord.occurred_at >= since)
        .group_by(AuditRecord.source_agency, AuditRecord.outcome)
    )
    found: dict[str, dict[str, int]] = {}
    for agency, outcome, count in rows:
        found.setdefault(str(agency), {})[str(outcome)] = int(count)
    return found
