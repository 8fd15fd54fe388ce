"""Trusted browsers: after a successful login the browser gets a long-lived random cookie naming
it (set by web/browser.py), and the store keeps the cookie's SHA-256 with the citizen. Login
attempts from that browser for that citizen are throttled on their own count
(auth.accounts.throttle), so nobody elsewhere can delay the citizen's own browser. The cookie
proves nothing by itself: the password is still checked.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.citizen_models import TrustedDevice
from store.db import aware, transaction

DEVICE_LIFETIME = timedelta(days=180)
MAX_COOKIE_LENGTH = 100


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


async def trusted_device(
    sessions: async_sessionmaker[AsyncSession],
    cookie: str | None,
    citizen: str,
    now: datetime | None = None,
) -> str | None:
    """The browser's id hash when its cookie names a live trust for `citizen`, else None."""
    if not cookie or len(cookie) > MAX_COOKIE_LENGTH:
        return None
    now = now or datetime.now(UTC)
    id_hash = _hash(cookie)
    async with sessions() as session:
        row = await session.scalar(
            select(TrustedDevice).where(
                TrustedDevice.id_hash == id_hash, TrustedDevice.citizen == citizen
            )
        )
    if row is None or aware(row.expires_at) <= now:
        return None
    return id_hash


async def remember_device(
    sessions: async_sessionmaker[AsyncSession],
    citizen: str,
    current: str | None,
    now: datetime | None = None,
) -> str:
    """Trust this browser for `citizen` (anew: a fresh id each login); returns the cookie value."""
    now = now or datetime.now(UTC)
    value = secrets.token_urlsafe(32)
    async with transaction(sessions) as session:
        if current and len(current) <= MAX_COOKIE_LENGTH:
            await session.execute(
                delete(TrustedDevice).where(TrustedDevice.id_hash == _hash(current))
            )
        # Tidy this citizen's expired trusts while here; no sweeper process is needed.
        await session.execute(
            delete(TrustedDevice).where(
                TrustedDevice.citizen == citizen, TrustedDevice.expires_at <= now
            )
        )
        session.add(
            TrustedDevice(
                id_hash=_hash(value),
                citizen=citizen,
                created_at=now,
                expires_at=now + DEVICE_LIFETIME,
            )
        )
    return value


async def forget_devices_of(session: AsyncSession, citizen: str) -> None:
    """Trust in every browser of the citizen ends (in the caller's transaction)."""
    await session.execute(delete(TrustedDevice).where(TrustedDevice.citizen == citizen))
