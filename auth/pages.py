"""The citizen's HTML pages: login, logout, the consent screen (auth/consent_page.py) and the
citizen's own consents. Handlers find their dependencies on `request.app.state.gateway`.

Every POST checks a CSRF token (403 otherwise) and answers 303 once it has changed something; a
form the citizen must correct is shown again with the problem (nothing changed, nothing to
resubmit by accident).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from sqlalchemy import select
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from audit.usage import consent_usage
from auth import sessions as browser
from auth.consent_page import consent_screen, consent_submit
from auth.consents import (
    ConsentNotFound,
    consents_with_cards,
    national_date,
    revocation_reason,
    revoke_consent,
    status_of,
)
from auth.devices import DEVICE_COOKIE, remember_device, set_device_cookie
from auth.login import (
    Authenticator,
    LoginAttempt,
    Outcome,
    PasswordAuthenticator,
    attempt_login,
)
from auth.throttle import Throttle
from standard import national_id
from store.citizen_models import BrowserSession
from store.db import transaction
from store.models import Agency
from web.i18n import choose, text
from web.render import csrf_refused, error_page, read_form, render, see_other

HOME = "/me/consents"
MAX_TYPED = 20  # characters of a typed national code kept (and shown back)
MAX_PASSWORD = 1024


def safe_next(value: str | None) -> str:
    """Only a path on this site: never another origin (no open redirect), else the home page."""
    if not value or len(value) > 2000 or not value.startswith("/"):
        return HOME
    # "//evil" and "/\evil" are read by browsers as another host; control characters could
    # split headers or hide a scheme.
    if value.startswith(("//", "/\\")) or any(c == "\\" or ord(c) < 0x21 for c in value):
        return HOME
    parts = urlsplit(value)
    if parts.scheme or parts.netloc:
        return HOME
    return value


def login_url(next_path: str) -> str:
    return f"/login?next={quote(next_path, safe='/')}"


def _authenticator(request: Request) -> Authenticator:
    # The lead may put a national single sign-on on the gateway; the demo's passwords otherwise.
    gateway = request.app.state.gateway
    found: Authenticator | None = getattr(gateway, "authenticator", None)
    return found or PasswordAuthenticator(gateway.sessions)


# -- login and logout ----------------------------------------------------------------------------


def _login_page(
    request: Request, *, next_path: str, status: int = 200, error: str | None = None,
    national_id: str = "", headers: dict[str, str] | None = None,
) -> Response:  # fmt: skip
    token = browser.login_csrf(request)
    response = render(
        request,
        "login.html",
        status=status,
        switch_params={"next": next_path} if next_path != HOME else {},
        login_csrf=token,
        next=next_path,
        error=error,
        national_id=national_id,
    )
    response.headers.update(headers or {})
    browser.set_login_csrf_cookie(request, response, token)
    return response


async def login_form(request: Request) -> Response:
    return _login_page(request, next_path=safe_next(request.query_params.get("next")))


async def login_submit(request: Request) -> Response:
    form = await read_form(request)
    if form is None or not browser.login_csrf_valid(request, form.get("csrf_token")):
        return csrf_refused(request)
    next_path = safe_next(str(form.get("next") or ""))
    typed = str(form.get("national_id") or "")[:MAX_TYPED]
    gateway = request.app.state.gateway
    address = request.client.host if request.client else None
    lang, _ = choose(request)
    # A request rate, counted before any password is checked (the failure throttle is apart).
    account = national_id.latin_digits(typed).strip()
    if refusal := await gateway.rates.login_attempt(account, address or "unknown"):
        message = text(lang, "login_rate_limited", seconds=refusal.retry_after)
        return _login_page(request, next_path=next_path, status=429, error=message,
                           national_id=typed,
                           headers={"Retry-After": str(refusal.retry_after)})  # fmt: skip
    result = await attempt_login(
        _authenticator(request),
        Throttle(gateway.sessions),
        LoginAttempt(
            national_id=typed,
            password=str(form.get("password") or "")[:MAX_PASSWORD],
            address=address,
            device_cookie=request.cookies.get(DEVICE_COOKIE),
        ),
        sessions=gateway.sessions,
        deaths=gateway.deaths,
    )

    def again(key: str, status: int, **values: object) -> Response:
        headers = {"Retry-After": str(result.retry_after)} if result.retry_after else None
        return _login_page(request, next_path=next_path, status=status,
                           error=text(lang, key, **values), national_id=typed,
                           headers=headers)  # fmt: skip

    match result.outcome:
        case Outcome.MALFORMED:
            return again("login_malformed", 400)
        case Outcome.THROTTLED:
            return again("login_throttled", 429, minutes=max(1, -(-result.retry_after // 60)))
        case Outcome.INVALID:
            return again("login_invalid", 401)
        case Outcome.UNAVAILABLE:
            return again("login_unavailable", 503)
        case Outcome.ENDED:
            return again(f"login_ended_{result.ended_reason}", 403)
    # A fresh session id at every login: a planted cookie never becomes a logged-in session.
    await browser.end_session(request)
    session_id = await browser.start_session(gateway.sessions, result.national_id)
    device = await remember_device(
        gateway.sessions, result.national_id, request.cookies.get(DEVICE_COOKIE)
    )
    response = see_other(next_path)
    browser.set_session_cookie(request, response, session_id)
    set_device_cookie(request, response, device)
    response.delete_cookie(browser.LOGIN_CSRF_COOKIE, path="/login")
    return response


async def logout(request: Request) -> Response:
    form = await read_form(request)
    session = await browser.current_session(request)
    if session is not None and (
        form is None or not browser.csrf_valid(session, form.get("csrf_token"))
    ):
        return csrf_refused(request)
    await browser.end_session(request)
    response = see_other("/login")
    browser.clear_session_cookie(request, response)
    return response


# -- the citizen's own consents ------------------------------------------------------------------


async def my_consents(request: Request) -> Response:
    session = await browser.current_session(request)
    if session is None:
        return see_other(login_url(HOME))
    lang, _ = choose(request)
    now = datetime.now(UTC)
    gateway = request.app.state.gateway
    async with gateway.sessions() as db:
        consents = await consents_with_cards(db, session.citizen)
        usage = await consent_usage(db, [consent.id for consent, _ in consents])
        agencies = {agency.code: agency for agency in await db.scalars(select(Agency))}
    rows: list[dict[str, Any]] = []
    for consent, card in consents:
        agency = agencies.get(card.agency_code)
        use_count, last_used = usage[consent.id]
        rows.append(
            {
                "id": consent.id,
                "service": card.name_fa if lang == "fa" else card.name_en,
                "agency": (agency.name_fa if lang == "fa" else agency.name_en) if agency else "",
                "datasets": consent.datasets,
                "child": consent.subject if consent.subject != consent.citizen else None,
                "created": national_date(consent.created_at),
                "expires": national_date(consent.expires_at),
                "status": status_of(consent, now),
                "revoked_reason": revocation_reason(consent),
                "use_count": use_count,
                "last_used": national_date(last_used) if last_used else None,
            }
        )
    return render(request, "consents.html", session=session, consents=rows)


async def revoke(request: Request) -> Response:
    session: BrowserSession | None = await browser.current_session(request)
    if session is None:
        return see_other(login_url(HOME))
    form = await read_form(request)
    if form is None or not browser.csrf_valid(session, form.get("csrf_token")):
        return csrf_refused(request)
    try:
        async with transaction(request.app.state.gateway.sessions) as db:
            await revoke_consent(db, consent_id=request.path_params["consent_id"],
                                 citizen=session.citizen)  # fmt: skip
    except ConsentNotFound:
        return error_page(request, 404, "not_found_title", "not_found", session=session)
    return see_other(HOME)


async def my_session(request: Request) -> Response:
    """For the portal's scripts: who is logged in, and the CSRF token GraphQL POSTs must carry."""
    row = await browser.current_session(request)
    if row is None:
        return JSONResponse({"error": "not logged in"}, status_code=401)
    body = {"nationalId": row.citizen, "csrfToken": browser.csrf_token(row)}
    return JSONResponse(body)


def page_routes() -> list[BaseRoute]:
    from auth.tracker_page import data_access  # imported here: it imports this module

    return [
        Route("/me/session", my_session, methods=["GET"], name="my_session"),
        Route("/login", login_form, methods=["GET"], name="login"),
        Route("/login", login_submit, methods=["POST"], name="login_submit"),
        Route("/logout", logout, methods=["POST"], name="logout"),
        Route("/consent/{request_id}", consent_screen, methods=["GET"], name="consent"),
        Route("/consent/{request_id}", consent_submit, methods=["POST"], name="consent_submit"),
        Route(HOME, my_consents, methods=["GET"], name="my_consents"),
        Route("/me/consents/{consent_id}/revoke", revoke, methods=["POST"], name="revoke_consent"),
        Route("/me/data-access", data_access, methods=["GET"], name="data_access"),
    ]
