"""The whole consent flow through the real HTML pages, in headless Chromium (Playwright):
authorize with PKCE, log in, untick a dataset, approve, exchange the code, read under consent,
revoke from the citizen's page (after its confirmation), and watch the token stop on the next
request."""

from __future__ import annotations

import dataclasses
import secrets
import shutil
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from auth.accounts.login import hash_password
from auth.oauth.registration import create_client
from server import create_app
from store.citizen_models import CitizenAccount
from store.db import transaction
from tests.conftest import REQUIRE_SERVICES
from tests.harness import RunningGateway, free_port, serve
from tests.shared import pkce_pair

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
PASSWORD = "a long demo passphrase"
QUERY = """query($id: String!) { citizen(nationalId: $id) {
  identity { firstName } birth { date } address { city } } }"""


@pytest.fixture
async def browser() -> AsyncIterator[object]:
    if CHROMIUM is None:
        if REQUIRE_SERVICES:
            pytest.fail("Chromium is required in CI (Debian package `chromium`)")
        pytest.skip("no Chromium on this machine")
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"],
        )  # fmt: skip
        try:
            yield chromium
        finally:
            await chromium.close()


async def test_consent_end_to_end_in_a_browser(gateway: RunningGateway, browser) -> None:  # type: ignore[no-untyped-def]
    citizen = next(
        person.national_id
        for person in gateway.world.people[50:]
        if person.death_date is None and person.national_id not in gateway.citizens.values()
    )
    callback_port, gateway_port = free_port(), free_port()
    base_url = f"http://127.0.0.1:{gateway_port}"
    redirect_uri = f"http://127.0.0.1:{callback_port}/callback"
    async with transaction(gateway.gateway.sessions) as session:
        _, client_secret = await create_client(
            session,
            client_id=f"school-e2e-{callback_port}",
            name="School enrolment (browser test)",
            agency_code="education",
            role="service",
            scopes=["civil.identity", "civil.birth", "civil.address"],
            grant_types=["authorization_code", "refresh_token"],
            service_card_id="school-enrolment",
            redirect_uris=[redirect_uri],
        )
        # An account of this test's own, so no other test's logins or throttling interfere.
        await session.merge(
            CitizenAccount(national_id=citizen, password_hash=await hash_password(PASSWORD))
        )
    client_id = f"school-e2e-{callback_port}"

    received: dict[str, str] = {}

    async def callback(request: Request) -> PlainTextResponse:
        received.update(request.query_params)
        return PlainTextResponse("the service received its answer")

    settings = dataclasses.replace(gateway.gateway.settings, public_url=base_url)
    verifier, challenge = pkce_pair()
    state = secrets.token_urlsafe(16)
    authorize = f"{base_url}/oauth/authorize?" + urlencode(
        {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": redirect_uri,
            "scope": "civil.identity civil.birth civil.address",
            "state": state,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
    )
    callback_app = Starlette(routes=[Route("/callback", callback)])
    async with serve(create_app(settings), gateway_port), serve(callback_app, callback_port):
        page = await browser.new_page(locale="en-US")
        await page.goto(authorize)
        # Not logged in: the consent screen sends the citizen to log in first.
        assert "/login" in page.url
        await page.fill("#national_id", citizen)
        await page.fill("#password", PASSWORD)
        await page.click("button[type=submit]")
        assert "/consent/" in page.url
        body = await page.text_content("body")
        assert "School enrolment" in body and "near home" in body
        await page.uncheck('input[name=dataset][value="civil.address"]')
        await page.click("button[name=action][value=approve]")
        await page.wait_for_url(f"{redirect_uri}*")
        assert received["state"] == state
        assert received["iss"] == base_url

        async with httpx.AsyncClient(base_url=base_url) as http:
            tokens = (
                (
                    await http.post(
                        "/oauth/token",
                        data={
                            "grant_type": "authorization_code",
                            "code": received["code"],
                            "redirect_uri": redirect_uri,
                            "code_verifier": verifier,
                        },
                        auth=(client_id, client_secret),
                    )
                )
                .raise_for_status()
                .json()
            )
            assert set(tokens["scope"].split()) == {"civil.identity", "civil.birth"}
            headers = {"Authorization": f"Bearer {tokens['access_token']}"}
            read = {"query": QUERY, "variables": {"id": citizen}}
            answer = (await http.post("/graphql", json=read, headers=headers)).json()
            data = answer["data"]["citizen"]
            assert data["identity"]["firstName"] and data["birth"]["date"]
            assert data["address"] is None
            assert [e["extensions"]["code"] for e in answer["errors"]] == ["FORBIDDEN"]

            # The citizen revokes it from their own page, in the same browser session.
            await page.goto(f"{base_url}/me/consents")
            # Revoking asks first: the link opens a confirmation page, whose button revokes.
            await page.click("a[href$='/revoke']")
            assert "/revoke" in page.url
            await page.click("form[action$='/revoke'] button")
            assert "The consent is revoked" in await page.text_content("body")

            answer = (await http.post("/graphql", json=read, headers=headers)).json()
            assert answer["data"]["citizen"]["identity"] is None
            assert {e["extensions"]["code"] for e in answer["errors"]} == {"CONSENT_REVOKED"}
            refused = await http.post(
                "/oauth/token",
                data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
                auth=(client_id, client_secret),
            )
            assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
