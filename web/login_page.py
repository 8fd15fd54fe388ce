"""The citizen's login and logout, and who is logged in (for the portal's scripts).

Every POST checks a CSRF token (403 otherwise) and answers 303 once it has changed something; a
form the citizen must correct is shown again with the problem (nothing changed, nothing to
resubmit by accident).
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from auth.accounts.devices import remember_device, trusted_device
from auth.accounts.login import LoginAttempt, Outcome, attempt_login
from auth.accounts.sessions import csrf_token, csrf_valid
from auth.accounts.throttle import Throttle
from standard import national_id
from web import browser
from web.gateway import gateway
from web.i18n import choose, text
from web.render import csrf_refused, read_form, render, see_other

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
    return f"{browser.LOGIN_PATH}?next={quote(next_path, safe='/')}"


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
    if form is None or not browser.login_csrf_valid(request, form.get(browser.CSRF_FIELD)):
        return csrf_refused(request)
    next_path = safe_next(str(form.get("next") or ""))
    typed = str(form.get("national_id") or "")[:MAX_TYPED]
    services = gateway(request)
    address = request.client.host if request.client else None
    lang, _ = choose(request)
    # A request rate, counted before any password is checked (the failure throttle is apart).
    # The citizen's own trusted browser is left out of it: its attempts are throttled on a count
    # of their own, and nobody behind the same address (a NAT, an office) may keep it out.
    account = national_id.latin_digits(typed).strip()
    own = await trusted_device(services.sessions, browser.device_cookie(request), account)
    if own is None and (
        refusal := await services.rates.login_attempt(account, address or "unknown")
    ):
        message = text(lang, "login_rate_limited", seconds=refusal.retry_after)
        return _login_page(request, next_path=next_path, status=429, error=message,
                           national_id=typed,
                           headers={"Retry-After": str(refusal.retry_after)})  # fmt: skip
    result = await attempt_login(
        services.authenticator,
        Throttle(services.sessions),
        LoginAttempt(
            national_id=typed,
            password=str(form.get("password") or "")[:MAX_PASSWORD],
            address=address,
            device_cookie=browser.device_cookie(request),
        ),
        sessions=services.sessions,
        deaths=services.deaths,
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
    response = see_other(next_path)
    await browser.start_session(request, response, result.national_id)
    device = await remember_device(
        services.sessions, result.national_id, browser.device_cookie(request)
    )
    browser.set_device_cookie(request, response, device)
    browser.clear_login_csrf_cookie(response)
    return response


async def logout(request: Request) -> Response:
    form = await read_form(request)
    session = await browser.current_session(request)
    if session is not None and (
        form is None or not csrf_valid(session, form.get(browser.CSRF_FIELD))
    ):
        return csrf_refused(request)
    response = see_other(browser.LOGIN_PATH)
    await browser.end_session(request, response)
    return response


async def my_session(request: Request) -> Response:
    """For the portal's scripts: who is logged in, and the CSRF token GraphQL POSTs must carry."""
    row = await browser.current_session(request)
    if row is None:
        return JSONResponse({"error": "not logged in"}, status_code=401)
    return JSONResponse({"nationalId": row.citizen, "csrfToken": csrf_token(row)})
