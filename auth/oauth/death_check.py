"""Before a code exchange or a refresh: is the citizen (and the child the consent is for) still
alive? A death found ends their consents, so Authlib then refuses the grant; a civil registry
that cannot tell refuses it for now. Asked before Authlib runs, since the check is async."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.core.system_checks import CitizenCheck, DeathCheck, DeathCheckUnavailable
from auth.oauth.call import secret_hash
from auth.oauth.errors import TemporarilyUnavailableError
from store.citizen_models import Consent
from store.db import aware
from store.oauth_models import AuthorizationCode, Grant, RefreshToken


async def citizens_behind(session: AsyncSession, form: dict[str, str]) -> list[str]:
    """The citizen and the data subject (a child) behind a code exchange or a refresh. Empty
    when the code or refresh token is unknown or spent: Authlib refuses those anyway."""
    now = datetime.now(UTC)
    consent_id: str | None = None
    if form.get("grant_type") == "authorization_code" and form.get("code"):
        code = await session.get(AuthorizationCode, secret_hash(form["code"]))
        if code is not None and code.used_at is None and aware(code.expires_at) > now:
            consent_id = code.consent_id
    elif form.get("grant_type") == "refresh_token" and form.get("refresh_token"):
        refresh = await session.get(RefreshToken, secret_hash(form["refresh_token"]))
        grant = await session.get(Grant, refresh.grant_id) if refresh is not None else None
        if refresh is not None and refresh.used_at is None and grant is not None:
            consent_id = grant.consent_id if grant.revoked_at is None else None
    consent = await session.get(Consent, consent_id) if consent_id else None
    if consent is None:
        return []
    return list(dict.fromkeys([consent.citizen, consent.subject]))


async def death_refusal(
    deaths: DeathCheck, sessions: async_sessionmaker[AsyncSession], form: dict[str, str]
) -> TemporarilyUnavailableError | None:
    """The error to answer with when the civil registry cannot be checked; None to go on."""
    async with sessions() as session:
        people = await citizens_behind(session, form)
    if not people:
        return None
    try:
        await deaths.deceased(people, CitizenCheck.TOKEN)
    except DeathCheckUnavailable:
        return TemporarilyUnavailableError("The civil registry cannot be checked right now.")
    return None
