"""Ending a citizen's own access, in one place: `end_citizen`.

A death registered in the civil registry ends the person's login, portal sessions, trusted
browsers and consents at once: consents they gave (for themselves or for a child) and consents a
parent gave for them, with every grant and refresh token issued under those. The account is marked
(`auth.accounts.ended`), so later logins, consents and token requests are refused without asking
the civil registry again. Their records stay readable under statute (inheritance, pensions):
nothing here touches a statutory read.

The gateway learns of a death by reading the civil registry's death record itself (a `DeathCheck`,
resolvers/system_reads.py) at login, at consent approval, at the authorization-code exchange and
at every refresh; a DEATH_REGISTERED life event will call `end_citizen` too. It sits above the
accounts, consents and grants it ends, and calls each of them in one transaction.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.accounts.devices import forget_devices_of
from auth.accounts.ended import EndReason, mark_ended
from auth.accounts.sessions import end_sessions_of
from auth.consent.records import revoke_all_about
from auth.core.liveness import GrantEnd
from standard.statuses import RevocationReason
from store.db import transaction

# How each reason reads on the consents it revokes, and on their grants.
_CONSENT_REASON = {EndReason.DECEASED: RevocationReason.DECEASED}
_GRANT_REASON = {EndReason.DECEASED: GrantEnd.CITIZEN_DECEASED}


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
    await mark_ended(session, national_id, reason, now)
    await end_sessions_of(session, national_id)
    await forget_devices_of(session, national_id)
    # Theirs, the ones they gave for a child, and the ones a parent gave for them; their grants'
    # refresh tokens stop at once, access tokens on their next request.
    await revoke_all_about(
        session, national_id, _CONSENT_REASON[reason], _GRANT_REASON[reason], now
    )
