"""The per-request consent check: a token issued under consent reads only while that consent (and
the grant the token came from) stands. Revocation works on the very next request."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.consents import REVOKED, status_of
from store.citizen_models import Consent
from store.oauth_models import Grant


async def consent_in_force(
    sessions: async_sessionmaker[AsyncSession],
    *,
    consent_id: str,
    grant_id: str | None,
    now: datetime | None = None,
) -> str:
    """ACTIVE, REVOKED or EXPIRED for the consent behind a token.

    A revoked grant (code or refresh-token reuse, token revocation) counts as REVOKED. A read:
    uses are counted from the access log (audit.usage.consent_usage), not written here.
    """
    now = now or datetime.now(UTC)
    async with sessions() as session:
        query = select(Consent).where(Consent.id == consent_id)
        if grant_id is not None:
            query = query.add_columns(Grant.revoked_at).join(
                Grant, (Grant.consent_id == Consent.id) & (Grant.id == grant_id)
            )
        row = (await session.execute(query)).one_or_none()
        if row is None or (grant_id is not None and row.revoked_at is not None):
            return REVOKED
        return status_of(row[0], now)
