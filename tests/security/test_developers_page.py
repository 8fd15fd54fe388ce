"""Attacks on /developers: no inline script or style for the CSP to allow, garbage in the query
string changes nothing, and outside the demo nobody can have a token minted for them."""

from __future__ import annotations

import re

from tests.harness import RunningGateway
from tests.web.support import assert_secure_headers, browser
from web.developers_page import DEMO_TOKEN_PATH, PATH


async def test_no_inline_script_or_style(gateway: RunningGateway) -> None:
    async with browser(gateway) as client:
        page = await client.get(PATH)
    assert_secure_headers(page)
    assert "unsafe-inline" not in page.headers["content-security-policy"]
    assert all("src=" in tag for tag in re.findall(r"<script\b[^>]*>", page.text))
    assert not re.search(r"<style\b|\sstyle=|\son\w+=", page.text)


async def test_garbage_in_the_query_string(gateway: RunningGateway) -> None:
    async with browser(gateway) as client:
        for params in ({"lang": "x" * 5000}, {"lang": "<script>"}, {"q": "\x00" * 100}):
            page = await client.get(PATH, params=params)
            assert page.status_code == 200
            assert 'lang="fa"' in page.text and "x" * 100 not in page.text


async def test_no_demo_tokens_outside_the_demo(gateway: RunningGateway) -> None:
    async with browser(gateway) as client:
        for method in ("GET", "POST", "PUT"):
            answer = await client.request(method, DEMO_TOKEN_PATH)
            assert answer.status_code in (404, 405) and "access_token" not in answer.text
