"""The login and logout pages over HTTP: one answer for a wrong password and an unknown citizen,
throttling in the store, local-only `next`, CSRF on the form, session cookie flags, logout."""

from __future__ import annotations

import pytest

from tests.harness import RunningGateway
from tests.web.support import PASSWORD, browser, csrf_of, ensure_account, login, unknown_citizen
from web.browser import SESSION_COOKIE
from web.login_page import safe_next


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
