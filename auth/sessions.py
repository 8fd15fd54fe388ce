"""Browser sessions of logged-in citizens, and CSRF tokens for every form.

The cookie carries a random session id; the store keeps only its SHA-256, so a leaked store does
not leak live sessions. A form's CSRF token is an HMAC over the session's own secret: a page of
another origin can neither read it nor compute it. Before login (the login form itself) a
double-submit token guards the form: a random cookie the form must echo.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.requests import Request
from starlette.responses import Response

from store.citizen_models import BrowserSession
from store.db import aware, transaction

SESSION_COOKIE = "darvazeh_session"
LOGIN_CSRF_COOKIE = "darvazeh_login_csrf"
SESSION_LIFETIME = timedelta(hours=1)
CSRF_FIELD = "csrf_token"
_CSRF_CONTEXT = b"darvazeh form v1"


def _hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def _sessions_of(request: Request) -> async_sessionmaker[AsyncSession]:
    sessions: async_sessionmaker[AsyncSession] = request.app.state.gateway.sessions
    return sessions


def secure_cookies(request: Request) -> bool:
    """Secure cookies whenever the gateway is served over https (its issuer says so)."""
    return str(request.app.state.gateway.settings.issuer).startswith("https://")


async def start_session(
    sessions: async_sessionmaker[AsyncSession], citizen: str, now: datetime | None = None
) -> str:
    """A new session for the citizen; returns the cookie value (shown once, never stored)."""
    now = now or datetime.now(UTC)
    session_id = secrets.token_urlsafe(32)
    async with transaction(sessions) as session:
        # Tidy this citizen's dead sessions while we are here; no sweeper process is needed.
        await session.execute(
            delete(BrowserSession).where(
                BrowserSession.citizen == citizen, BrowserSession.expires_at <= now
            )
        )
        session.add(
            BrowserSession(
                id_hash=_hash(session_id),
                citizen=citizen,
                csrf_secret=secrets.token_hex(32),
                created_at=now,
                expires_at=now + SESSION_LIFETIME,
            )
        )
    return session_id


async def current_session(request: Request) -> BrowserSession | None:
    """The request's live session, or None (no cookie, unknown, or expired)."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id or len(session_id) > 100:
        return None
    async with _sessions_of(request)() as session:
        row = await session.scalar(
            select(BrowserSession).where(BrowserSession.id_hash == _hash(session_id))
        )
    if row is None or aware(row.expires_at) <= datetime.now(UTC):
        return None
    return row


async def current_citizen(request: Request) -> str | None:
    row = await current_session(request)
    return row.citizen if row else None


async def end_session(request: Request) -> None:
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        return
    async with transaction(_sessions_of(request)) as session:
        await session.execute(
            delete(BrowserSession).where(BrowserSession.id_hash == _hash(session_id))
        )


def set_session_cookie(request: Request, response: Response, session_id: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        secure=secure_cookies(request),
        samesite="lax",
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE, path="/", httponly=True, secure=secure_cookies(request), samesite="lax"
    )


def csrf_token(row: BrowserSession) -> str:
    return hmac.new(bytes.fromhex(row.csrf_secret), _CSRF_CONTEXT, hashlib.sha256).hexdigest()


def csrf_valid(row: BrowserSession | None, submitted: object) -> bool:
    if row is None or not isinstance(submitted, str) or not submitted:
        return False
    return hmac.compare_digest(csrf_token(row), submitted)


# -- before login: double-submit ---------------------------------------------------------------


def login_csrf(request: Request) -> str:
    """The login form's token: the existing cookie's value, or a new one to set."""
    current = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    return current if 20 <= len(current) <= 100 else secrets.token_urlsafe(32)


def set_login_csrf_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        path="/login",
        httponly=True,
        secure=secure_cookies(request),
        samesite="strict",
    )


def login_csrf_valid(request: Request, submitted: object) -> bool:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    if not cookie or not isinstance(submitted, str) or not submitted:
        return False
    return hmac.compare_digest(cookie, submitted)
