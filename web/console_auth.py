"""The agency console's login, logout and who is logged in: staff accounts
(auth.accounts.staff), a session cookie of their own (path /console, HttpOnly, SameSite=Strict,
Secure over https), a double-submit token on the login form and an HMAC token on every other
form. Each console handler gets the staff member and a RequestContext in which they act as their
agency's admin, so every change goes through the resolvers the GraphQL API uses.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import Response

from auth.accounts.login import Outcome
from auth.accounts.staff import (
    STAFF_SESSION_LIFETIME,
    StaffMember,
    end_staff_session,
    find_staff_session,
    staff_csrf_token,
    staff_csrf_valid,
    staff_login,
    staff_principal,
    start_staff_session,
)
from auth.accounts.throttle import Throttle
from resolvers.context import RequestContext
from standard.errors import DarvazehError, ErrorCode
from web import numbers
from web.browser import CSRF_FIELD, secure_cookies
from web.gateway import gateway
from web.i18n import choose, text
from web.render import csrf_refused, error_page, read_form, render, see_other

PREFIX = "/console"
LOGIN = f"{PREFIX}/login"
HOME = f"{PREFIX}/sources"
COOKIE = "darvazeh_console"
LOGIN_CSRF_COOKIE = "darvazeh_console_login"
MAX_USERNAME = 40
MAX_PASSWORD = 1024


def staff_context(request: Request, member: StaffMember) -> RequestContext:
    """The member as their agency's admin, for the resolvers the GraphQL API uses."""
    services = gateway(request)
    return RequestContext(
        registry=services.registry,
        principal=staff_principal(member),
        sessions=services.sessions,
        safelist_bounds=services.safelist_bounds,
        rate_ceilings=services.rates.ceilings,
    )


async def current_staff(connection: HTTPConnection) -> StaffMember | None:
    return await find_staff_session(gateway(connection).sessions, connection.cookies.get(COOKIE))


def page(
    request: Request, member: StaffMember, template: str, *, status: int = 200, **context: Any
) -> Response:
    """A console page: the staff member, their agency and the CSRF token of its forms."""
    lang, _ = choose(request)
    return render(
        request,
        template,
        status=status,
        staff=member,
        console_csrf=staff_csrf_token(member),
        ms=partial(numbers.milliseconds, lang),
        moment=partial(numbers.moment, lang),
        **context,
    )


Handler = Callable[[Request, StaffMember], Awaitable[Response]]


def staff_only(
    handler: Handler, *, change: bool = False
) -> Callable[[Request], Awaitable[Response]]:
    """A console route: logged-in staff only (others are sent to the login page); a POST must
    carry the session's CSRF token; a change (`change`) needs an ADMIN (the resolvers refuse a
    VIEWER's changes again, whatever the page offers)."""

    async def route(request: Request) -> Response:
        member = await current_staff(request)
        if member is None:
            return see_other(LOGIN)
        if request.method == "POST":
            form = await read_form(request)
            if form is None or not staff_csrf_valid(member, form.get(CSRF_FIELD)):
                return csrf_refused(request)
            request.state.console_form = form
        if change and not member.is_admin:
            return error_page(request, 403, "console_forbidden_title", "console_forbidden")
        try:
            return await handler(request, member)
        except DarvazehError as error:
            if error.code is ErrorCode.FORBIDDEN:
                return error_page(request, 403, "console_forbidden_title", "console_forbidden")
            raise

    return route


def form_of(request: Request) -> dict[str, str]:
    """The posted form (already read and CSRF-checked by `staff_only`), text fields only."""
    form = getattr(request.state, "console_form", None)
    if form is None:
        return {}
    return {key: value for key, value in form.items() if isinstance(value, str)}


def form_list(request: Request, name: str) -> list[str]:
    """Every text value posted under `name` (ticked boxes), in the form's order."""
    form = getattr(request.state, "console_form", None)
    if form is None:
        return []
    return [value for value in form.getlist(name) if isinstance(value, str)]


# -- login and logout ---------------------------------------------------------------------------


def _login_token(connection: HTTPConnection) -> str:
    current = connection.cookies.get(LOGIN_CSRF_COOKIE, "")
    return current if 20 <= len(current) <= 100 else secrets.token_urlsafe(32)


def _login_page(
    request: Request, *, status: int = 200, error: str | None = None, username: str = "",
    headers: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    token = _login_token(request)
    response = render(
        request, "console_login.html", status=status, login_csrf=token, error=error,
        username=username,
    )  # fmt: skip
    response.headers.update(headers or {})
    response.set_cookie(
        LOGIN_CSRF_COOKIE, token, path=LOGIN, httponly=True,
        secure=secure_cookies(request), samesite="strict",
    )  # fmt: skip
    return response


async def login_form(request: Request) -> Response:
    if await current_staff(request) is not None:
        return see_other(HOME)
    return _login_page(request)


async def login_submit(request: Request) -> Response:
    form = await read_form(request)
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE)
    submitted = form.get(CSRF_FIELD) if form is not None else None
    if (
        form is None
        or not cookie
        or not isinstance(submitted, str)
        or not hmac.compare_digest(cookie, submitted)
    ):
        return csrf_refused(request)
    username = str(form.get("username") or "")[:MAX_USERNAME]
    password = str(form.get("password") or "")[:MAX_PASSWORD]
    lang, _ = choose(request)
    services = gateway(request)
    address = request.client.host if request.client else None
    # The citizens' request rate first (the failure throttle is apart), keyed apart from them.
    if refusal := await services.rates.login_attempt(f"staff:{username}", address or "unknown"):
        return _login_page(request, status=429, username=username,
                           error=text(lang, "login_rate_limited", seconds=refusal.retry_after),
                           headers={"Retry-After": str(refusal.retry_after)})  # fmt: skip
    result = await staff_login(
        services.sessions,
        Throttle(services.sessions),
        username,
        password,
        address=address,
    )
    match result.outcome:
        case Outcome.THROTTLED:
            minutes = max(1, -(-result.retry_after // 60))
            return _login_page(request, status=429, username=username,
                               error=text(lang, "login_throttled", minutes=minutes),
                               headers={"Retry-After": str(result.retry_after)})  # fmt: skip
        case Outcome.MALFORMED | Outcome.INVALID:
            return _login_page(request, status=401, username=username,
                               error=text(lang, "console_login_invalid"))  # fmt: skip
    response = see_other(HOME)
    await end_staff_session(services.sessions, request.cookies.get(COOKIE))
    session_id = await start_staff_session(services.sessions, result.username)
    response.set_cookie(
        COOKIE, session_id, max_age=int(STAFF_SESSION_LIFETIME.total_seconds()), path=PREFIX,
        httponly=True, secure=secure_cookies(request), samesite="strict",
    )  # fmt: skip
    response.delete_cookie(LOGIN_CSRF_COOKIE, path=LOGIN)
    return response


async def logout(request: Request, member: StaffMember) -> Response:
    response = see_other(LOGIN)
    await end_staff_session(gateway(request).sessions, request.cookies.get(COOKIE))
    response.delete_cookie(
        COOKIE, path=PREFIX, httponly=True, secure=secure_cookies(request), samesite="strict"
    )
    return response


async def console_home(request: Request) -> Response:
    return see_other(HOME)
