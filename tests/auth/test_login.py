"""Citizen login: argon2id passwords, one answer for wrong password and unknown citizen, throttling
in the store, local-only `next`, CSRF on the form, session cookie flags, logout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from auth.accounts.login import (
    LoginAttempt,
    Outcome,
    PasswordAuthenticator,
    attempt_login,
    hash_password,
)
from auth.accounts.throttle import AddressRule, Throttle
from standard.national_id import with_check_digit
from tests.harness import RunningGateway
from tests.web.support import PASSWORD, browser, csrf_of, ensure_account, login
from web.browser import SESSION_COOKIE
from web.login_page import safe_next


def unknown_citizen(gw: RunningGateway, offset: int = 0) -> str:
    known = {p.national_id for p in gw.world.people}
    return next(
        code
        for n in range(200_000_000 + offset * 1000, 200_001_000 + offset * 1000)
        if (code := with_check_digit(str(n))) not in known
    )


async def test_passwords_are_argon2id_and_verified(gateway: RunningGateway) -> None:
    hashed = await hash_password("s3cret")
    assert hashed.startswith("$argon2id$") and "s3cret" not in hashed
    citizen = gateway.citizens["parent"]
    await ensure_account(gateway, citizen, "s3cret")
    check = PasswordAuthenticator(gateway.gateway.sessions)
    assert await check.authenticate(citizen, "s3cret") is True
    assert await check.authenticate(citizen, "s3cret ") is False
    assert await check.authenticate(unknown_citizen(gateway), "s3cret") is False


async def test_login_sets_a_session_cookie_and_goes_to_next(gateway: RunningGateway) -> None:
    citizen = gateway.citizens["parent"]
    await ensure_account(gateway, citizen)
    async with browser(gateway) as client:
        response = await login(client, citizen, next_path="/me/consents?x=1")
        assert response.status_code == 303
        assert response.headers["location"] == "/me/consents?x=1"
        cookie = next(
            value
            for name, value in response.headers.multi_items()
            if name == "set-cookie" and value.startswith(SESSION_COOKIE + "=")
        ).lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "path=/" in cookie
        assert "secure" not in cookie  # the test issuer is http; https turns it on
        page = await client.get("/me/consents")
        assert page.status_code == 200
        assert citizen in page.text.translate(str.maketrans("۰۱۲۳۴۵۶۷۸۹", "0123456789"))


async def test_persian_digits_are_accepted(gateway: RunningGateway) -> None:
    citizen = gateway.citizens["parent"]
    await ensure_account(gateway, citizen)
    async with browser(gateway) as client:
        typed = citizen.translate(str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹"))
        assert (await login(client, typed)).status_code == 303


async def test_wrong_password_and_unknown_citizen_look_the_same(gateway: RunningGateway) -> None:
    citizen = gateway.citizens["parent"]
    await ensure_account(gateway, citizen)
    async with browser(gateway, **{"Accept-Language": "en"}) as client:
        wrong = await login(client, citizen, "not the password")
        unknown = await login(client, unknown_citizen(gateway, 1), PASSWORD)
    assert wrong.status_code == unknown.status_code == 401
    assert "The national code or password is not correct." in wrong.text
    assert "The national code or password is not correct." in unknown.text
    assert SESSION_COOKIE not in wrong.headers.get("set-cookie", "")


async def test_malformed_national_code_refused_clearly(gateway: RunningGateway) -> None:
    async with browser(gateway, **{"Accept-Language": "en"}) as client:
        response = await login(client, "1234567890")
    assert response.status_code == 400
    assert "Enter your valid 10-digit national code." in response.text


async def test_throttled_after_five_failures_even_with_the_right_password(
    gateway: RunningGateway,
) -> None:
    # An account of its own: a throttled demo citizen would trouble other tests of the session.
    citizen = unknown_citizen(gateway, 30)
    await ensure_account(gateway, citizen)
    async with browser(gateway, **{"Accept-Language": "en"}) as client:
        for _ in range(5):
            assert (await login(client, citizen, "guess")).status_code == 401
        blocked = await login(client, citizen, PASSWORD)
    assert blocked.status_code == 429
    assert "Too many failed attempts" in blocked.text
    # A growing delay, not a 15-minute block: the first wait is half a minute.
    assert 0 < int(blocked.headers["retry-after"]) <= 30
    # From another address too: the count is the account's, kept in the store.
    async with browser(gateway) as elsewhere:
        assert (await login(elsewhere, citizen, PASSWORD)).status_code == 429


async def test_a_restricted_address_makes_no_second_guess(gateway: RunningGateway) -> None:
    throttle = Throttle(
        gateway.gateway.sessions,
        address=AddressRule(3, timedelta(minutes=15)),
    )

    class Never:
        async def authenticate(self, national_id: str, password: str) -> bool:
            return False

    class Always:
        async def authenticate(self, national_id: str, password: str) -> bool:
            return True

    sessions = gateway.gateway.sessions
    now = datetime.now(UTC)
    address = "192.0.2.77"
    tried = [unknown_citizen(gateway, 10 + i) for i in range(3)]
    for someone in tried:
        attempt = LoginAttempt(someone, "x", address=address)
        result = await attempt_login(Never(), throttle, attempt, sessions=sessions, now=now)
        assert result.outcome is Outcome.INVALID
    # Past its limit the address may not guess again at an account it tried...
    again = LoginAttempt(tried[0], "x", address=address)
    blocked = await attempt_login(Always(), throttle, again, sessions=sessions, now=now)
    assert blocked.outcome is Outcome.THROTTLED and 0 < blocked.retry_after <= 15 * 60
    # ... but another citizen behind it still logs in,
    other = LoginAttempt(unknown_citizen(gateway, 20), "x", address=address)
    ok = await attempt_login(Always(), throttle, other, sessions=sessions, now=now)
    assert ok.outcome is Outcome.OK
    # and once the address has been quiet for the window, it is free again.
    later = now + timedelta(minutes=16)
    free = await attempt_login(Always(), throttle, again, sessions=sessions, now=later)
    assert free.outcome is Outcome.OK


@pytest.mark.parametrize(
    "target",
    ["https://evil.example/", "//evil.example/x", "/\\evil.example", "evil", "/ok\r\nX: y",
     "javascript:alert(1)", ""],
)  # fmt: skip
def test_next_is_only_ever_a_local_path(target: str) -> None:
    assert safe_next(target) == "/me/consents"


def test_local_next_kept() -> None:
    assert safe_next("/consent/abc?lang=en") == "/consent/abc?lang=en"


async def test_open_redirect_refused_over_http(gateway: RunningGateway) -> None:
    citizen = gateway.citizens["parent"]
    await ensure_account(gateway, citizen)
    async with browser(gateway) as client:
        response = await login(client, citizen, next_path="//evil.example/")
    assert response.status_code == 303
    assert response.headers["location"] == "/me/consents"


async def test_login_form_needs_its_csrf_token(gateway: RunningGateway) -> None:
    citizen = gateway.citizens["parent"]
    await ensure_account(gateway, citizen)
    async with browser(gateway) as client:
        await client.get("/login")
        form = {"national_id": citizen, "password": PASSWORD}
        assert (await client.post("/login", data=form)).status_code == 403
        assert (
            await client.post("/login", data={**form, "csrf_token": "x" * 43})
        ).status_code == 403
    async with browser(gateway) as other, browser(gateway) as fresh:
        # A valid token without its cookie: what another site's form would post.
        page = await other.get("/login")
        stolen = {**form, "csrf_token": csrf_of(page.text)}
        assert (await fresh.post("/login", data=stolen)).status_code == 403


async def test_logout_ends_the_session(gateway: RunningGateway) -> None:
    citizen = gateway.citizens["parent"]
    await ensure_account(gateway, citizen)
    async with browser(gateway) as client:
        await login(client, citizen)
        page = await client.get("/me/consents")
        assert (await client.post("/logout", data={})).status_code == 403
        out = await client.post("/logout", data={"csrf_token": csrf_of(page.text)})
        assert out.status_code == 303 and out.headers["location"] == "/login"
        after = await client.get("/me/consents")
        assert after.status_code == 303
        assert after.headers["location"].startswith("/login?next=/me/consents")


async def test_a_stolen_cookie_stops_working_after_logout(gateway: RunningGateway) -> None:
    citizen = gateway.citizens["parent"]
    await ensure_account(gateway, citizen)
    async with browser(gateway) as client:
        await login(client, citizen)
        stolen = client.cookies[SESSION_COOKIE]
        page = await client.get("/me/consents")
        await client.post("/logout", data={"csrf_token": csrf_of(page.text)})
    async with browser(gateway) as thief:
        thief.cookies.set(SESSION_COOKIE, stolen)
        assert (await thief.get("/me/consents")).status_code == 303
