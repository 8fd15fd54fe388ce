"""Every page in the citizen's language: Persian by default (right to left), English on request,
the choice remembered; with the pages' security headers."""

from __future__ import annotations

from tests.harness import RunningGateway
from tests.web.support import (
    assert_secure_headers,
    browser,
)


async def test_persian_by_default_right_to_left(gateway: RunningGateway) -> None:
    async with browser(gateway) as client:
        page = await client.get("/login")
    assert page.status_code == 200
    assert '<html lang="fa" dir="rtl">' in page.text
    assert "کد ملی" in page.text
    assert 'href="/login?lang=en"' in page.text  # the switch
    assert_secure_headers(page)


async def test_accept_language_then_switch_then_cookie(gateway: RunningGateway) -> None:
    async with browser(gateway, **{"Accept-Language": "en-GB,en;q=0.9,fa;q=0.5"}) as client:
        english = await client.get("/login")
        assert '<html lang="en" dir="ltr">' in english.text and "National code" in english.text
        switched = await client.get("/login", params={"lang": "fa", "next": "/consent/abc"})
        assert '<html lang="fa" dir="rtl">' in switched.text
        assert "lang=en" in switched.text and "next=%2Fconsent%2Fabc" in switched.text
        # The choice is remembered over the browser's Accept-Language.
        assert client.cookies.get("darvazeh_lang") == "fa"
        again = await client.get("/login")
        assert '<html lang="fa" dir="rtl">' in again.text
    async with browser(gateway, **{"Accept-Language": "fa-IR, en;q=0.8"}) as client:
        assert '<html lang="fa"' in (await client.get("/login")).text
    async with browser(gateway, **{"Accept-Language": "de, en;q=0.3"}) as client:
        assert '<html lang="en"' in (await client.get("/login")).text
