"""Helpers for the citizen-page tests: a consent client, citizen accounts, pending authorization
requests, and a browser-like HTTP client with its own address (login throttling counts per
address, and the gateway fixture is shared by the whole session)."""

from __future__ import annotations

import contextlib
import itertools
import re
import secrets
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from auth.accounts.login import hash_password
from auth.consent.records import consents_of
from auth.oauth.registration import create_client
from standard.national_id import with_check_digit
from store.citizen_models import CitizenAccount, Consent
from store.db import transaction
from store.models import OAuthClient
from store.oauth_models import AuthorizationRequest
from tests.harness import BASE_URL, RunningGateway
from web.security_headers import HTML_POLICY

CLIENT_ID = "b-school-enrolment"
CARD_ID = "school-enrolment"
DATASETS = ["civil.identity", "civil.birth", "civil.address"]
REDIRECT_URI = "http://127.0.0.1:8765/callback"
PASSWORD = "correct horse battery staple"
_addresses = itertools.count(1)


async def ensure_client(gw: RunningGateway) -> str:
    async with transaction(gw.gateway.sessions) as session:
        if await session.get(OAuthClient, CLIENT_ID) is None:
            await create_client(
                session,
                client_id=CLIENT_ID,
                name="School enrolment (page tests)",
                agency_code="education",
                role="service",
                scopes=DATASETS,
                grant_types=["authorization_code", "refresh_token"],
                service_card_id=CARD_ID,
                redirect_uris=[REDIRECT_URI],
            )
    return CLIENT_ID


async def ensure_account(gw: RunningGateway, national_id: str, password: str = PASSWORD) -> None:
    hashed = await hash_password(password)
    async with transaction(gw.gateway.sessions) as session:
        account = await session.get(CitizenAccount, national_id)
        if account is None:
            session.add(CitizenAccount(national_id=national_id, password_hash=hashed))
        else:
            account.password_hash = hashed


async def pending_request(
    gw: RunningGateway,
    *,
    scope: str = " ".join(DATASETS),
    expires_in: float = 600,
    used: bool = False,
    data_subject: str | None = None,
) -> tuple[str, str]:
    """(request id, state) of an AuthorizationRequest as /oauth/authorize stores it."""
    await ensure_client(gw)
    request_id, state = secrets.token_urlsafe(32), secrets.token_urlsafe(8)
    now = datetime.now(UTC)
    params = {
        "client_id": CLIENT_ID,
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": state,
        "code_challenge": "E9Melhoa2OwvFrEMTJguCjaoeYK1-_SPDz4yEx4Ma-M",
        "code_challenge_method": "S256",
        "response_type": "code",
        "iss": gw.gateway.settings.issuer,  # /oauth/authorize records the issuer it answered as
    }
    if data_subject is not None:
        params["data_subject"] = data_subject
    async with transaction(gw.gateway.sessions) as session:
        session.add(
            AuthorizationRequest(
                id=request_id,
                client_id=CLIENT_ID,
                params=params,
                created_at=now,
                expires_at=now + timedelta(seconds=expires_in),
                used_at=now if used else None,
            )
        )
    return request_id, state


def browser(gw: RunningGateway, **headers: str) -> httpx.AsyncClient:
    """A fresh cookie jar at an address of its own (10.66.x.y), not following redirects."""
    n = next(_addresses)
    transport = httpx.ASGITransport(app=gw.app, client=(f"10.66.{n // 250}.{n % 250 + 1}", 4000))
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL, headers=headers)


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


async def login(
    client: httpx.AsyncClient, national_id: str, password: str = PASSWORD, next_path: str = ""
) -> httpx.Response:
    page = await client.get("/login", params={"next": next_path} if next_path else None)
    assert page.status_code == 200, page.text
    form = {"csrf_token": csrf_of(page.text), "national_id": national_id, "password": password}
    if next_path:
        form["next"] = next_path
    return await client.post("/login", data=form)


@contextlib.asynccontextmanager
async def logged_in(
    gw: RunningGateway, national_id: str, **headers: str
) -> AsyncIterator[httpx.AsyncClient]:
    await ensure_account(gw, national_id)
    async with browser(gw, **headers) as client:
        response = await login(client, national_id)
        assert response.status_code == 303, response.text
        yield client


async def consents_by(gw: RunningGateway, citizen: str) -> list[Consent]:
    async with gw.gateway.sessions() as session:
        return await consents_of(session, citizen)


def form_of(html: str, **overrides: Any) -> dict[str, Any]:
    """The consent form as the browser would post it, with every requested dataset ticked."""
    data: dict[str, Any] = {
        "csrf_token": csrf_of(html),
        "dataset": re.findall(r'name="dataset" value="([^"]+)"', html),
        "subject": "self",
        "child": "",
        "action": "approve",
    }
    data.update(overrides)
    return data


SECURITY_HEADERS = {
    "content-security-policy": HTML_POLICY,
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
}


def assert_secure_headers(response: httpx.Response) -> None:
    assert response.headers["content-type"].startswith("text/html")
    for name, value in SECURITY_HEADERS.items():
        assert response.headers.get(name) == value, name


def redirected_query(response: httpx.Response) -> dict[str, list[str]]:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(REDIRECT_URI + "?")
    return parse_qs(urlsplit(location).query)


def own_citizen(n: int) -> str:
    """A citizen of the page tests alone (their own accounts and consents)."""
    return with_check_digit(str(300_000_000 + n))


def unknown_citizen(gw: RunningGateway, offset: int = 0) -> str:
    """A well-formed national code of nobody in the demo world."""
    known = {p.national_id for p in gw.world.people}
    return next(
        code
        for n in range(200_000_000 + offset * 1000, 200_001_000 + offset * 1000)
        if (code := with_check_digit(str(n))) not in known
    )
