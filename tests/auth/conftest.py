"""A temporary store with an agency, a statute card, a consent card and their clients."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from cryptography.fernet import Fernet
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware

from auth.core.keys import KeyRing
from auth.oauth.registration import create_client
from auth.oauth.server import DarvazehAuthorizationServer
from store.db import create_engine, sessionmaker, transaction
from store.models import Agency, Base, ServiceCard
from store.secrets import SecretBox
from web.oauth_routes import routes
from web.security_headers import SecurityHeaders

ISSUER = "https://gateway.test"
AUDIENCE = "https://gateway.test/graphql"
TTL = 300


class FakeClock:
    def __init__(self, start: float = 1_900_000_000.0) -> None:
        self.value = start

    def __call__(self) -> float:
        return self.value

    def advance(self, seconds: float) -> None:
        self.value += seconds


@dataclass
class World:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    box: SecretBox
    secrets: dict[str, str]


@pytest.fixture(scope="session")
async def world(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    path: Path = tmp_path_factory.mktemp("auth") / "gateway.db"
    engine = create_engine(f"sqlite+aiosqlite:///{path}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    sessions = sessionmaker(engine)
    client_secrets: dict[str, str] = {}
    async with transaction(sessions) as session:
        session.add(Agency(code="ssa", name_fa="سازمان تامین اجتماعی", name_en="Social Security"))
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
    await engine.dispose()


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
    # As server.create_app composes it: the security headers come from one middleware.
    app = Starlette(routes=routes(server), middleware=[Middleware(SecurityHeaders, https=True)])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as client:
        yield client


@pytest.fixture
async def empty_store(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    """A store of its own, for key-rotation tests that move the clock."""
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'keys.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield sessionmaker(engine)
    await engine.dispose()


async def token_for(http: httpx.AsyncClient, world: World, client_id: str, **form: str) -> str:
    response = await http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", **form},
        auth=(client_id, world.secrets[client_id]),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


# The OAuth protocol endpoints' fixtures (authorize, PAR, code and refresh grants, revocation...).
from tests.auth.conftest_protocol import flow, protocol_store  # noqa: E402, F401
