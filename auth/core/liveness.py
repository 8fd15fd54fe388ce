"""Whether a grant, and the consent it was issued under, still stand: one rule for the token
endpoint (code exchange, refresh), revocation and introspection, the resource side on every
request and the citizen's own list of consents.

A consent is ACTIVE until it is revoked or expires (expiry is derived when read, so it is never
stale); a revoked grant (code or refresh-token reuse, token revocation, the consent revoked) makes
its tokens read nothing, whatever the consent says. Stopping a grant is stated here too.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import Update, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from standard.statuses import ConsentStatus
from store.citizen_models import Consent
from store.db import aware
from store.oauth_models import Grant


class GrantEnd(StrEnum):
    """Why a grant was stopped, as the store keeps it."""

    CONSENT_REVOKED = "consent revoked"
    CITIZEN_DECEASED = "citizen deceased"
    CODE_REUSE = "authorization code reuse"
    REFRESH_REUSE = "refresh token reuse"
    BY_CLIENT = "revoked by the client"


def standing(consent: Consent | None, now: datetime, grant: Grant | None = None) -> ConsentStatus:
    """ACTIVE, REVOKED or EXPIRED: the consent (gone counts as revoked) and, when given, the grant
    issued under it (revoked makes it REVOKED)."""
    if consent is None or consent.status == ConsentStatus.REVOKED:
        return ConsentStatus.REVOKED
    if grant is not None and grant.revoked_at is not None:
        return ConsentStatus.REVOKED
    if aware(consent.expires_at) <= aware(now):
        return ConsentStatus.EXPIRED
    return ConsentStatus.ACTIVE


@dataclass(frozen=True, slots=True)
class InForce:
    """What a token's consent allows now: its standing, and the datasets it still names (a
    narrowed consent names fewer than the token's scopes; none unless ACTIVE)."""

    status: ConsentStatus
    datasets: frozenset[str]


async def consent_now(
    sessions: async_sessionmaker[AsyncSession],
    *,
    consent_id: str,
    grant_id: str | None,
    now: datetime | None = None,
) -> InForce:
    """The standing and datasets of the consent (and grant) behind a token, read in one round
    trip on every request, so a revocation or a narrowing holds from the token's next request.
    A read only: uses are counted from the access log (audit.usage), not written here."""
    now = now or datetime.now(UTC)
    async with sessions() as session:
        if grant_id is None:
            consent = await session.get(Consent, consent_id)
            grant = None
        else:
            row = (
                await session.execute(
                    select(Consent, Grant)
                    .join(Grant, (Grant.consent_id == Consent.id) & (Grant.id == grant_id))
                    .where(Consent.id == consent_id)
                )
            ).one_or_none()
            if row is None:  # a grant not issued under this consent is no grant of it
                return InForce(ConsentStatus.REVOKED, frozenset())
            consent, grant = row[0], row[1]
    status = standing(consent, now, grant)
    allowed = frozenset(consent.datasets) if consent and status is ConsentStatus.ACTIVE else None
    return InForce(status, allowed or frozenset())


async def consent_in_force(
    sessions: async_sessionmaker[AsyncSession],
    *,
    consent_id: str,
    grant_id: str | None,
    now: datetime | None = None,
) -> ConsentStatus:
    """The standing alone of the consent (and grant) behind a token (`consent_now`)."""
    found = await consent_now(sessions, consent_id=consent_id, grant_id=grant_id, now=now)
    return found.status


def stop_grants(
    reason: GrantEnd,
    now: datetime,
    *,
    grant_id: str | None = None,
    consent_ids: Collection[str] = (),
) -> Update:
    """The statement that stops the grants named (by id, or by the consents they were issued
    under) that are not stopped yet: their refresh tokens at once, their access tokens on their
    next request. Run on the caller's session, sync or async, in the caller's transaction."""
    which = Grant.id == grant_id if grant_id is not None else Grant.consent_id.in_(consent_ids)
    return (
        update(Grant)
        .where(which, Grant.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason.value)
    )
