"""Security headers on every response path, from one function (web/security_headers.py):
pages, GraphiQL, GraphQL answers, the OAuth endpoints. GraphiQL runs under a CSP without
'unsafe-inline' script and keeps the access token out of localStorage."""

from __future__ import annotations

import asyncio
import dataclasses
import re
import shutil
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from server import create_app
from tests.conftest import REQUIRE_SERVICES
from tests.harness import RunningGateway, serve
from web.security_headers import HSTS, security_headers

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
QUERY = """query($id: String!) { citizen(nationalId: $id) { identity { firstName } } }"""


def expected(*, html: bool, https: bool = False, cacheable: bool = False) -> dict[str, str]:
    return {
        name.lower(): value
        for name, value in security_headers(html=html, https=https, cacheable=cacheable)
    }


def assert_headers(response: httpx.Response, wanted: dict[str, str]) -> None:
    for name, value in wanted.items():
        assert response.headers.get(name) == value, (response.url, name)


def script_sources(policy: str) -> str:
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    return directives.get("script-src", directives["default-src"])


async def test_pages_and_graphiql_carry_the_html_headers(gateway: RunningGateway) -> None:
    login = await gateway.http.get("/login")
    graphiql = await gateway.http.get("/graphql", headers={"Accept": "text/html"})
    for page in (login, graphiql):
        assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
        assert_headers(page, expected(html=True))
        policy = page.headers["content-security-policy"]
        assert "unsafe-inline" not in script_sources(policy) and "unsafe-eval" not in policy
        assert "frame-ancestors 'none'" in policy
        assert page.headers["x-content-type-options"] == "nosniff"
        assert "strict-transport-security" not in page.headers  # the test gateway is http
    # No inline script or style for the policy to have to allow.
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", graphiql.text)
    assert "<style" not in graphiql.text and not re.search(r"<[^>]+\son\w+=", graphiql.text)
    for src in re.findall(r'<script src="([^"]+)"', graphiql.text):
        asset = await gateway.http.get(src)
        assert asset.status_code == 200 and "javascript" in asset.headers["content-type"]
        assert asset.headers["x-content-type-options"] == "nosniff"
        assert "no-store" not in asset.headers.get("cache-control", "")  # static: cacheable


async def test_graphql_answers_are_never_stored(gateway: RunningGateway) -> None:
    answer = await gateway.post(QUERY, {"id": gateway.citizens["parent"]})
    assert answer.status_code == 200 and "errors" not in answer.json()
    assert_headers(answer, expected(html=False))
    assert answer.headers["cache-control"] == "no-store"
    refused = await gateway.post(QUERY, {"id": gateway.citizens["parent"]}, role=None)
    assert refused.status_code == 401
    assert_headers(refused, expected(html=False))


async def test_oauth_endpoints_carry_the_same_headers(gateway: RunningGateway) -> None:
    client = gateway.clients["statutory"]
    auth = (client["client_id"], client["client_secret"])
    token = await gateway.http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=auth
    )
    assert token.status_code == 200
    answers = [
        token,
        await gateway.http.post("/oauth/token", data={"grant_type": "client_credentials"}),
        await gateway.http.post("/oauth/par", data={"response_type": "code"}, auth=auth),
        await gateway.http.post(
            "/oauth/introspect", data={"token": token.json()["access_token"]}, auth=auth
        ),
        await gateway.http.post("/oauth/revoke", data={"token": "nothing"}, auth=auth),
        await gateway.http.get("/me/session"),
    ]
    for response in answers:
        assert_headers(response, expected(html=False))
    # Refused authorization requests are a page for the person at the browser.
    page = await gateway.http.get("/oauth/authorize", params={"client_id": "nobody"})
    assert page.status_code == 400
    assert_headers(page, expected(html=True))
    # What may be cached says so itself, and keeps it.
    jwks = await gateway.http.get("/.well-known/jwks.json")
    assert "public" in jwks.headers["cache-control"]
    assert_headers(jwks, expected(html=False, cacheable=True))


@pytest.fixture
async def https_app(gateway: RunningGateway) -> AsyncIterator[httpx.AsyncClient]:
    """The same gateway behind a public https URL (the running one's state, a new app)."""
    settings = dataclasses.replace(gateway.gateway.settings, public_url="https://gateway.test")
    app = create_app(settings)
    app.state.gateway = gateway.gateway
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="https://gateway.test") as http:
        yield http


async def test_hsts_over_https(gateway: RunningGateway, https_app: httpx.AsyncClient) -> None:
    token = await gateway.token()
    answers = [
        await https_app.get("/login"),
        await https_app.get("/graphql", headers={"Accept": "text/html"}),
        await https_app.post(
            "/graphql",
            json={"query": QUERY, "variables": {"id": gateway.citizens["parent"]}},
            headers={"Authorization": f"Bearer {token}", "Darvazeh-Case-Reference": "C-1"},
        ),
        await https_app.post("/oauth/token", data={"grant_type": "client_credentials"}),
        await https_app.get("/static/darvazeh.css"),
    ]
    for response in answers:
        assert response.headers["strict-transport-security"] == HSTS, response.url


# -- GraphiQL in a real browser ------------------------------------------------------------------


@pytest.fixture
async def chromium() -> AsyncIterator[Any]:
    if CHROMIUM is None:
        if REQUIRE_SERVICES:
            pytest.fail("Chromium is required in CI (Debian package `chromium`)")
        pytest.skip("no Chromium on this machine")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        try:
            yield browser
        finally:
            await browser.close()


async def test_graphiql_runs_under_its_csp_and_keeps_the_token_out_of_local_storage(
    gateway: RunningGateway, chromium: Any
) -> None:
    secret = "Bearer eyJ-a-token-that-must-not-persist"
    app = create_app(gateway.gateway.settings)
    async with serve(app) as url:
        page = await chromium.new_page()
        violations: list[str] = []
        page.on(
            "console",
            lambda message: (
                violations.append(message.text)
                if "Content Security Policy" in message.text
                else None
            ),
        )
        page.on("pageerror", lambda error: violations.append(str(error)))
        await page.goto(f"{url}/graphql")
        await page.wait_for_selector(".graphiql-execute-button", timeout=20_000)
        # Type a token into the headers editor, as a developer would.
        changed = await page.evaluate(
            """(secret) => {
                const editors = [...document.querySelectorAll('.CodeMirror')]
                    .map((node) => node.CodeMirror)
                    .filter((editor) => editor && editor.getValue().includes('Authorization'));
                editors.forEach((editor) => editor.setValue(
                    JSON.stringify({Authorization: secret})));
                return editors.length;
            }""",
            secret,
        )
        assert changed == 1
        await asyncio.sleep(1.5)  # GraphiQL saves its tabs after a short debounce
        local = await page.evaluate("() => JSON.stringify(window.localStorage)")
        session = await page.evaluate("() => JSON.stringify(window.sessionStorage)")
        await page.close()
    assert violations == []
    assert "must-not-persist" not in local
    assert "must-not-persist" in session  # GraphiQL's storage is the tab's, and it was used
