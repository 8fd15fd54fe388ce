"""The national window's public pages from an attacker: every query parameter they accept is
bounded and checked (a 400 page naming it, never a 500 or a guess), nothing typed comes back
unescaped, and a card id or agency code that is not one is a 404 with no lookup of odd text."""

from __future__ import annotations

import time

import pytest

from tests.harness import RunningGateway
from tests.web.support import assert_secure_headers, browser
from web.window_catalogue import MAX_SEARCH, MAX_TERMS

SCRIPT = "<script>alert(1)</script>"
NASTY = [
    SCRIPT,
    '"><img src=x onerror=alert(1)>',
    "' OR 1=1 --",
    "\x00\x01\x1b[31m",
    "\u202e\u200f",  # bidi overrides
    "%00",
    "../../etc/passwd",
    "𝕏" * 50,
    "",
]


@pytest.mark.parametrize(
    ("params", "name"),
    [
        ({"q": "x" * (MAX_SEARCH + 1)}, "q"),
        ({"q": " ".join(["a"] * (MAX_TERMS + 1))}, "q"),
        ({"agency": "no-such-agency"}, "agency"),
        ({"agency": SCRIPT}, "agency"),
        ({"dataset": "civil.everything"}, "dataset"),
        ({"connected": "true"}, "connected"),
        ({"connected": "YES"}, "connected"),
        ({"proactive": "1"}, "proactive"),
        ({"page": "0"}, "page"),
        ({"page": "-1"}, "page"),
        ({"page": "abc"}, "page"),
        ({"page": "1e3"}, "page"),
        ({"page": "٢"}, "page"),  # an Arabic-Indic digit is a digit to Python, not to us
        ({"page": "9" * 40}, "page"),
        ({"page": "10001"}, "page"),
    ],
)
async def test_a_bad_catalogue_parameter_is_a_400_naming_it(
    gateway: RunningGateway, params: dict[str, str], name: str
) -> None:
    async with browser(gateway) as client:
        response = await client.get("/catalogue", params=params | {"lang": "en"})
    assert response.status_code == 400, response.text
    assert_secure_headers(response)
    assert f"({name})" in response.text
    assert SCRIPT not in response.text


@pytest.mark.parametrize("value", NASTY)
async def test_typed_text_comes_back_escaped(gateway: RunningGateway, value: str) -> None:
    async with browser(gateway) as client:
        for path in ("/", "/agencies", "/agencies/civil-registry", "/catalogue"):
            response = await client.get(path, params={"q": value, "other": value})
            assert response.status_code == 200, (path, response.text)
            assert SCRIPT not in response.text and "<img src=x" not in response.text
            assert "\x00" not in response.text


async def test_the_longest_search_allowed_is_cheap(gateway: RunningGateway) -> None:
    words = " ".join(["ثبت‌نام"] * MAX_TERMS)[:MAX_SEARCH]
    async with browser(gateway) as client:
        started = time.perf_counter()
        response = await client.get("/catalogue", params={"q": words, "page": "10000"})
        elapsed = time.perf_counter() - started
    assert response.status_code == 200  # a page past the last shows the last
    assert elapsed < 2.0


@pytest.mark.parametrize(
    "card_id",
    ["NO-SUCH", "x" * 65, "x" * 5000, "..%2F..%2Fetc%2Fpasswd", "%3Cscript%3E", "a--b", "%00"],
)
async def test_a_card_id_that_is_not_one_is_a_404(gateway: RunningGateway, card_id: str) -> None:
    async with browser(gateway) as client:
        response = await client.get(f"/catalogue/{card_id}")
    assert response.status_code == 404
    assert "<script>" not in response.text


@pytest.mark.parametrize(
    "code",
    ["no-such-agency", "CIVIL-REGISTRY", "x" * 65, "x" * 5000, "%3Cscript%3E", "-civil",
     "civil_registry", "%00", "%D8%AB%D8%A8%D8%AA"],
)  # fmt: skip
async def test_an_agency_code_that_is_not_one_is_a_404(gateway: RunningGateway, code: str) -> None:
    async with browser(gateway) as client:
        response = await client.get(f"/agencies/{code}", params={"lang": "en"})
    assert response.status_code == 404
    assert_secure_headers(response)
    assert "No such agency" in response.text and 'href="/agencies"' in response.text
    assert "<script>" not in response.text


async def test_the_window_answers_only_get(gateway: RunningGateway) -> None:
    async with browser(gateway) as client:
        for path in ("/", "/catalogue", "/agencies", "/agencies/civil-registry"):
            response = await client.post(path, data={"q": "x"})
            assert response.status_code == 405
