"""Ending a citizen's own access, in one place: `end_citizen`.

A death registered in the civil registry ends the person's login, portal sessions, trusted
browsers and consents at once: consents they gave (for themselves or for a child) and consents a
parent gave for them, with every grant and refresh token issued under those. The account is marked
(`EndedCitizen`), so later logins, consents and token requests are refused without asking the
civil registry again. Their records stay readable under statute (inheritance, pensions): nothing
here touches a statutory read.

The gateway learns of a death by reading the civil registry's death record itself (a `DeathCheck`,
resolvers/death_check.py) at login, at consent approval, at the authorization-code exchange and
at every refresh; a DEATH_REGISTERED life event will call `end_citizen` too.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Protocol

from sqlalchemy import delete, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.consents import ACTIVE, REVOKED, RevocationReason
from standard.errors import DarvazehError, ErrorCode
from store.citizen_models import BrowserSession, Consent, EndedCitizen, TrustedDevice
from store.db import transaction
from store.oauth_models import Grant


class EndReason(StrEnum):
    DECEASED = "DECEASED"


# How each reason reads on the consents it revokes, and on their grants.
_CONSENT_REASON = {EndReason.DECEASED: RevocationReason.DECEASED}
_GRANT_REASON = {EndReason.DECEASED: "citizen deceased"}


class CitizenCheck(StrEnum):
    """When the gateway reads a citizen's death record by itself. The access log names it as the
    read's case reference, beside the statute that allows it."""

    LOGIN = "login-death-check"
    CONSENT = "consent-death-check"
    TOKEN = "token-death-check"


class DeathCheckUnavailable(DarvazehError):
    """The civil registry could not say whether the citizen is alive: refuse for now."""

    code = ErrorCode.SOURCE_UNAVAILABLE


class DeathCheck(Protocol):
    async def deceased(self, national_ids: Sequence[str], check: CitizenCheck) -> frozenset[str]:
        """Those of `national_ids` whose death is registered; their access is ended before this
        returns. Raises DeathCheckUnavailable when the civil registry cannot tell."""
        ...


async def ended(
    sessions: async_sessionmaker[AsyncSession], national_ids: Collection[str]
) -> dict[str, EndReason]:
    """Which of these citizens' access has ended, and why."""
    if not national_ids:
        return {}
    async with sessions() as session:
        rows = await session.execute(
            select(EndedCitizen.national_id, EndedCitizen.reason).where(
                EndedCitizen.national_id.in_(set(national_ids))
            )
        )
        return {national_id: EndReason(reason) for national_id, reason in rows}


async def end_citizen(
    sessions: async_sessionmaker[AsyncSession],
    national_id: str,
    reason: EndReason,
    now: datetime | None = None,
) -> None:
    """End everything the citizen's own access rests on, in one transaction. Idempotent."""
    now = now or datetime.now(UTC)
    for _ in range(2):  # a concurrent end of the same citizen wins the marker: just go again
        try:
            async with transaction(sessions) as session:
                await _end(session, national_id, reason, now)
            return
        except IntegrityError:
            continue
    raise RuntimeError(f"could not end citizen access ({reason})")


async def _end(session: AsyncSession, national_id: str, reason: EndReason, now: datetime) -> None:
    if await session.get(EndedCitizen, national_id) is None:
        session.add(EndedCitizen(national_id=national_id, reason=reason.value, ended_at=now))
        await session.flush()
    await session.execute(delete(BrowserSession).where(BrowserSession.citizen == national_id))
    await session.execute(delete(TrustedDevice).where(TrustedDevice.citizen == national_id))
    # Theirs, the ones they gave for a child, and the ones a parent gave for them.
    consent_ids = list(
        await session.scalars(
            select(Consent.id).where(
                or_(Consent.citizen == national_id, Consent.subject == national_id)
            )
        )
    )
    if not consent_ids:
        return
    await session.execute(
        update(Consent)
        .where(Consent.id.in_(consent_ids), Consent.status == ACTIVE, Consent.expires_at > now)
        .values(status=REVOKED, revoked_at=now, revoked_reason=_CONSENT_REASON[reason].value)
    )
    # Their grants' refresh tokens stop at once; access tokens on their next request.
    await session.execute(
        update(Grant)
        .where(Grant.consent_id.in_(consent_ids), Grant.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=_GRANT_REASON[reason])
    )
