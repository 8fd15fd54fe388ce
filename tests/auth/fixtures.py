"""The auth tests' fixtures, in one place: imported by the conftests that need them
(tests/auth/conftest.py, tests/security/conftest.py, tests/web/conftest.py).

- `world`: a store with an agency, a statute card, a consent card and their clients (client
  credentials), with `keyring`, `server` and `http` (the OAuth routes over ASGI) on it;
- `protocol_store` and `flow`: a consent-basis card (school enrolment) and its clients, a server on
  a clock the test moves, and a client's walk through authorize -> consent -> token;
- `empty_store`: a store of its own, for key-rotation tests that move the clock.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from joserfc.jwk import ECKey
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.core.keys import KeyRing
from auth.oauth.registration import create_client
from auth.oauth.server import DarvazehAuthorizationServer
from store.db import transaction
from store.models import Agency, ServiceCard
from store.secrets import SecretBox
from tests.auth.support import (
    AUDIENCE,
    CARD,
    CLIENTS,
    DATASETS,
    ISSUER,
    LOOPBACK,
    REDIRECT,
    TTL,
    Flow,
    ProtocolStore,
    World,
    oauth_app,
)
from tests.shared import MovableClock, sqlite_store


@pytest.fixture(scope="session")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    async with sqlite_store(tmp_path_factory.mktemp("auth") / "gateway.db") as (engine, sessions):
        client_secrets: dict[str, str] = {}
        async with transaction(sessions) as session:
            session.add(
                Agency(code="ssa", name_fa="سازمان تامین اجتماعی", name_en="Social Security")
            )
            session.add(Agency(code="edu", name_fa="آموزش و پرورش", name_en="Education"))
            session.add(
                ServiceCard(
                    id="newborn-insurance",
                    agency_code="ssa",
                    name_fa="بیمه نوزاد",
                    name_en="Newborn insurance",
                    datasets=["civil.birth", "civil.identity", "social.coverage"],
                    legal_basis="statute",
                    statute="Social Security Act, art. 58",
                )
            )
            session.add(
                ServiceCard(
                    id="loan-application",
                    agency_code="ssa",
                    name_fa="وام",
                    name_en="Loan application",
                    datasets=["civil.identity", "tax.status"],
                    legal_basis="consent",
                )
            )
            await session.flush()
            specs = [
                ("statute-svc", "service", ["civil.birth", "civil.identity"], "newborn-insurance"),
                ("consent-svc", "service", ["civil.identity"], "loan-application"),
                ("ssa-admin", "agency_admin", [], None),
            ]
            for client_id, role, scopes, card in specs:
                consent = client_id == "consent-svc"
                client, secret = await create_client(
                    session,
                    client_id=client_id,
                    name=client_id,
                    agency_code="ssa",
                    role=role,
                    scopes=scopes,
                    grant_types=["authorization_code"] if consent else ["client_credentials"],
                    redirect_uris=["https://loans.test/cb"] if consent else [],
                    service_card_id=card,
                )
                if consent:
                    # Registration refuses this now; a row from before the rule may still hold it,
                    # and the token endpoint must refuse it on its own.
                    client.grant_types = ["authorization_code", "client_credentials"]
                client_secrets[client_id] = secret
        yield World(engine, sessions, SecretBox(Fernet.generate_key()), client_secrets)


@pytest.fixture
async def keyring(world: World) -> KeyRing:
    return KeyRing(world.sessions, world.box, lifetime_seconds=3600, token_ttl_seconds=TTL)


@pytest.fixture
async def server(world: World, keyring: KeyRing) -> DarvazehAuthorizationServer:
    return DarvazehAuthorizationServer(
        world.sessions, keyring, issuer=ISSUER, audience=AUDIENCE, access_token_ttl=TTL
    )


@pytest.fixture
async def http(server: DarvazehAuthorizationServer) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=oauth_app(server))
    async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as client:
        yield client


@pytest.fixture
async def empty_store(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A store of its own, for key-rotation tests that move the clock."""
    async with sqlite_store(tmp_path / "keys.db") as (_engine, sessions):
        yield sessions


@pytest.fixture(scope="session")
async def protocol_store(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[ProtocolStore]:
    path = tmp_path_factory.mktemp("oauth") / "gw.db"
    async with sqlite_store(path) as (_engine, sessions):
        key = ECKey.generate_key("P-256", private=True, parameters={"kid": "school-key-1"})
        jwks = {"keys": [key.as_dict(private=False)]}
        found: dict[str, str] = {}
        async with transaction(sessions) as session:
            session.add(Agency(code="edu", name_fa="آموزش و پرورش", name_en="Education"))
            session.add(
                ServiceCard(
                    id=CARD,
                    agency_code="edu",
                    name_fa="ثبت نام مدرسه",
                    name_en="School enrolment",
                    purpose_en="Enrol a child in school",
                    datasets=DATASETS,
                    legal_basis="consent",
                )
            )
            session.add(
                ServiceCard(
                    id="school-census",
                    agency_code="edu",
                    name_fa="سرشماری",
                    name_en="School census",
                    datasets=["civil.birth"],
                    legal_basis="statute",
                    statute="Education Act",
                )
            )
            await session.flush()
            for client_id, (method, par, dpop) in CLIENTS.items():
                _row, secret = await create_client(
                    session,
                    client_id=client_id,
                    name=client_id,
                    agency_code="edu",
                    role="service",
                    scopes=DATASETS,
                    grant_types=["authorization_code", "refresh_token"],
                    service_card_id=CARD,
                    redirect_uris=[REDIRECT, LOOPBACK],
                    token_endpoint_auth_method=method,
                    jwks=jwks if method == "private_key_jwt" else None,
                    require_par=par,
                    require_dpop=dpop,
                )
                if secret:
                    found[client_id] = secret
            census, secret = await create_client(
                session,
                client_id="census",
                name="census",
                agency_code="edu",
                role="service",
                scopes=["civil.birth"],
                grant_types=["client_credentials"],
                service_card_id="school-census",
            )
            # Registration no longer accepts this, but a row from before the rule may hold it: the
            # authorization endpoint must refuse it on its own.
            census.grant_types = ["client_credentials", "authorization_code"]
            census.redirect_uris = [REDIRECT]
            assert secret
            found["census"] = secret
        yield ProtocolStore(sessions, SecretBox(Fernet.generate_key()), found, key)


@pytest.fixture
async def flow(protocol_store: ProtocolStore) -> AsyncIterator[Flow]:
    clock = MovableClock()
    keyring = KeyRing(
        protocol_store.sessions,
        protocol_store.box,
        lifetime_seconds=3600,
        token_ttl_seconds=TTL,
        clock=clock,
    )
    server = DarvazehAuthorizationServer(
        protocol_store.sessions,
        keyring,
        issuer=ISSUER,
        audience=AUDIENCE,
        access_token_ttl=TTL,
        clock=clock,
    )
    transport = httpx.ASGITransport(app=oauth_app(server))
    async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as http:
        yield Flow(http, server, clock, protocol_store)
