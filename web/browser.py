"""What the gateway keeps in a citizen's browser, and reads back from it: the session cookie, the
trusted-browser cookie, and the login form's double-submit token.

The sessions and trusted browsers themselves are kept in the store by auth/accounts/; only the
cookies are the edge's. Cookies are Secure whenever the gateway is served over https (its issuer
says so).
"""

from __future__ import annotations

import hmac
import secrets

from starlette.requests import HTTPConnection
from starlette.responses import Response

from auth.accounts import sessions
from auth.accounts.devices import DEVICE_LIFETIME
from auth.accounts.sessions import SESSION_LIFETIME
from store.citizen_models import BrowserSession
from web.gateway import gateway

SESSION_COOKIE = "darvazeh_session"
DEVICE_COOKIE = "darvazeh_device"
LOGIN_CSRF_COOKIE = "darvazeh_login_csrf"
CSRF_FIELD = "csrf_token"
LOGIN_PATH = "/login"


def secure_cookies(connection: HTTPConnection) -> bool:
    return gateway(connection).settings.issuer.startswith("https://")


# -- the session -------------------------------------------------------------------------------


async def current_session(connection: HTTPConnection) -> BrowserSession | None:
    """The request's live session, or None (no cookie, unknown, or expired)."""
    if SESSION_COOKIE not in connection.cookies:
        return None
    found = connection.cookies.get(SESSION_COOKIE)
    return await sessions.find_session(gateway(connection).sessions, found)


async def start_session(connection: HTTPConnection, response: Response, citizen: str) -> None:
    """A fresh session id at every login: a planted cookie never becomes a logged-in session."""
    store = gateway(connection).sessions
    await sessions.end_session(store, connection.cookies.get(SESSION_COOKIE))
    session_id = await sessions.start_session(store, citizen)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        secure=secure_cookies(connection),
        samesite="lax",
    )


async def end_session(connection: HTTPConnection, response: Response | None = None) -> None:
    """End the request's session in the store and (given the response) clear its cookie."""
    await sessions.end_session(gateway(connection).sessions, connection.cookies.get(SESSION_COOKIE))
    if response is not None:
        clear_session_cookie(connection, response)


def clear_session_cookie(connection: HTTPConnection, response: Response) -> None:
    response.delete_cookie(
        SESSION_COOKIE,
        path="/",
        httponly=True,
        secure=secure_cookies(connection),
        samesite="lax",
    )


# -- the trusted browser -----------------------------------------------------------------------


def device_cookie(connection: HTTPConnection) -> str | None:
    return connection.cookies.get(DEVICE_COOKIE)


def set_device_cookie(connection: HTTPConnection, response: Response, value: str) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=int(DEVICE_LIFETIME.total_seconds()),
        path=LOGIN_PATH,
        httponly=True,
        secure=secure_cookies(connection),
        samesite="strict",
    )


# -- before login: double-submit ---------------------------------------------------------------


def login_csrf(connection: HTTPConnection) -> str:
    """The login form's token: the existing cookie's value, or a new one to set."""
    current = connection.cookies.get(LOGIN_CSRF_COOKIE, "")
    return current if 20 <= len(current) <= 100 else secrets.token_urlsafe(32)


def set_login_csrf_cookie(connection: HTTPConnection, response: Response, token: str) -> None:
    response.set_cookie(
        LOGIN_CSRF_COOKIE,
        token,
        path=LOGIN_PATH,
        httponly=True,
        secure=secure_cookies(connection),
        samesite="strict",
    )


def clear_login_csrf_cookie(response: Response) -> None:
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=LOGIN_PATH)


def login_csrf_valid(connection: HTTPConnection, submitted: object) -> bool:
    cookie = connection.cookies.get(LOGIN_CSRF_COOKIE)
    if not cookie or not isinstance(submitted, str) or not submitted:
        return False
    return hmac.compare_digest(cookie, submitted)
