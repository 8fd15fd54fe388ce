"""Shared by the rate-limit and production-mode tests: gateways with small limits, a second app
instance on the same store, clients registered through the agency admin's mutation, and HTTP
clients at addresses of their own."""

from __future__ import annotations

import contextlib
import itertools
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import update
from starlette.applications import Starlette

from auth.oauth.clients import ROLE_AGENCY_ADMIN
from server import create_app
from settings import RateLimits
from store.db import transaction
from store.models import OAuthClient
from tests.harness import BASE_URL, RunningGateway, running_gateway

# Small enough to reach in a test; the window long enough that no test outlives it.
SMALL_LIMITS = RateLimits(
    window=60,
    client=5,
    client_ceiling=500,
    citizen=4,
    subject=3,
    anonymous=4,
    oauth=3,
    oauth_ceiling=20,
    oauth_address=4,
    login=3,
    login_address=5,
)
ADMIN_LIMIT = 10_000
STATUTE_CARD = "birth-certificate-issue"  # a civil-registry card read under a statute
TYPENAME = "{ __typename }"
_addresses = itertools.count(1)


def new_address() -> str:
    """A client address no other test uses (an ASGI scope value; nothing is sent there)."""
    n = next(_addresses)
    return f"10.77.{n // 250}.{n % 250 + 1}"


def at(app: Starlette, address: str | None = None) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=app, client=(address or new_address(), 4000))
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL)


@contextlib.asynccontextmanager
async def limited_gateway(
    var_dir: Path, *, redis_url: str = "", store_url: str | None = None, **changes: Any
) -> AsyncIterator[RunningGateway]:
    """A gateway with SMALL_LIMITS (unless given) and a key prefix of its own."""
    changes.setdefault("rate_limits", SMALL_LIMITS)
    async with running_gateway(
        var_dir,
        count=60,
        store_url=store_url,
        redis_url=redis_url,
        rate_limit_prefix=f"test-{uuid.uuid4().hex}",
        reload_interval=0.3,  # a client's registered limits are seen this fast
        **changes,
    ) as running:
        # The admins register clients in every test: their own allowance must not run out.
        async with transaction(running.gateway.sessions) as session:
            await session.execute(
                update(OAuthClient)
                .where(OAuthClient.role == ROLE_AGENCY_ADMIN)
                .values(graphql_rate_limit=ADMIN_LIMIT, oauth_rate_limit=ADMIN_LIMIT)
            )
        yield running


@contextlib.asynccontextmanager
async def second_instance(gateway: RunningGateway) -> AsyncIterator[Starlette]:
    """Another app on the same settings and store: a second worker, sharing nothing else."""
    app = create_app(gateway.gateway.settings)
    async with app.router.lifespan_context(app):
        yield app


async def admin_call(
    gateway: RunningGateway, query: str, variables: dict[str, Any], role: str = "agency_admin"
) -> dict[str, Any]:
    answer = await gateway.query(query, variables, role=role, case_reference=None)
    return dict(answer)


async def register_client(
    gateway: RunningGateway,
    *,
    graphql: int | None = None,
    oauth: int | None = None,
    card: str = STATUTE_CARD,
) -> tuple[str, str]:
    """A statutory service client of the civil registry, through `registerServiceClient`."""
    spec: dict[str, Any] = {
        "serviceCard": card,
        "name": "Rate-limited service",
        "grantTypes": ["client_credentials"],
        "graphqlRateLimit": graphql,
        "oauthRateLimit": oauth,
    }
    answer = await admin_call(
        gateway,
        "mutation($c: ServiceClientInput!) { registerServiceClient(input: $c) "
        "{ clientSecret client { clientId graphqlRateLimit oauthRateLimit } } }",
        {"c": spec},
    )
    assert "errors" not in answer, answer
    registered = answer["data"]["registerServiceClient"]
    assert registered["client"]["graphqlRateLimit"] == graphql
    assert registered["client"]["oauthRateLimit"] == oauth
    return registered["client"]["clientId"], registered["clientSecret"]


async def token_of(http: httpx.AsyncClient, client_id: str, secret: str) -> str:
    response = await http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}", "Darvazeh-Case-Reference": "RATE-CASE-1"}


def codes(answer: dict[str, Any]) -> list[str]:
    return [error["extensions"]["code"] for error in answer.get("errors") or []]
