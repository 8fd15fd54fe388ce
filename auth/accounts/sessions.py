"""Browser sessions of logged-in citizens, and the CSRF token of each session's forms.

The browser holds a random session id (web/browser.py sets the cookie); the store keeps only its
SHA-256, so a leaked store does not leak live sessions. A form's CSRF token is an HMAC over the
session's own secret: a page of another origin can neither read it nor compute it.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.citizen_models import BrowserSession
from store.db import aware, transaction

SESSION_LIFETIME = timedelta(hours=1)
MAX_SESSION_ID = 100
_CSRF_CONTEXT = b"darvazeh form v1"


def session_id_hash(session_id: str) -> str:
    """What the store keeps of a browser session's id (citizens' and staff's): its SHA-256."""
    return hashlib.sha256(session_id.encode()).hexdigest()


def new_session(now: datetime, lifetime: timedelta) -> tuple[str, dict[str, Any]]:
    """A new random session id (for the cookie only) and the columns a citizen's or a staff
    member's session row keeps of it: its hash, its CSRF secret and its lifetime."""
    session_id = secrets.token_urlsafe(32)
    return session_id, {
        "id_hash": session_id_hash(session_id),
        "csrf_secret": secrets.token_hex(32),
        "created_at": now,
        "expires_at": now + lifetime,
    }


def csrf_token_of(secret: str, context: bytes = _CSRF_CONTEXT) -> str:
    """The forms' CSRF token of a session with CSRF secret `secret`; `context` keeps the
    console's tokens apart from the citizens' pages'."""
    return hmac.new(bytes.fromhex(secret), context, hashlib.sha256).hexdigest()


def csrf_matches(secret: str | None, submitted: object, context: bytes = _CSRF_CONTEXT) -> bool:
    if secret is None or not isinstance(submitted, str) or not submitted:
        return False
    return hmac.compare_digest(csrf_token_of(secret, context), submitted)


async def start_session(
    sessions: async_sessionmaker[AsyncSession], citizen: str, now: datetime | None = None
) -> str:
    """A new session for the citizen; returns the session id (shown once, never stored)."""
    now = now or datetime.now(UTC)
    session_id, columns = new_session(now, SESSION_LIFETIME)
    async with transaction(sessions) as session:
        # Tidy this citizen's dead sessions while we are here; no sweeper process is needed.
        await session.execute(
            delete(BrowserSession).where(
                BrowserSession.citizen == citizen, BrowserSession.expires_at <= now
            )
        )
        session.add(BrowserSession(citizen=citizen, **columns))
    return session_id


async def find_session(
    sessions: async_sessionmaker[AsyncSession], session_id: str | None
) -> BrowserSession | None:
    """The live session `session_id` names, or None (none, unknown, or expired)."""
    if not session_id or len(session_id) > MAX_SESSION_ID:
        return None
    async with sessions() as session:
        row = await session.scalar(
            select(BrowserSession).where(BrowserSession.id_hash == session_id_hash(session_id))
        )
    if row is None or aware(row.expires_at) <= datetime.now(UTC):
        return None
    return row


async def end_session(sessions: async_sessionmaker[AsyncSession], session_id: str | None) -> None:
    if not session_id:
        return
    async with transaction(sessions) as session:
        await session.execute(
            delete(BrowserSession).where(BrowserSession.id_hash == session_id_hash(session_id))
        )


async def end_sessions_of(session: AsyncSession, citizen: str) -> None:
    """Every session of the citizen (in the caller's transaction)."""
    await session.execute(delete(BrowserSession).where(BrowserSession.citizen == citizen))


def csrf_token(row: BrowserSession) -> str:
    return csrf_token_of(row.csrf_secret)


def csrf_valid(row: BrowserSession | None, submitted: object) -> bool:
    return csrf_matches(None if row is None else row.csrf_secret, submitted)
