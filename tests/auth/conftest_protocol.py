"""Fixtures for the OAuth protocol endpoints: a store with a consent-basis service card (school
enrolment) and its clients, a server on a clock the tests move, and helpers that walk a client
through authorize -> (consent) -> token over real HTTP (httpx on the ASGI app).

The consent step is the one thing not driven over HTTP: the Consent row is written directly and
`complete_authorization` called, as the consent screen does.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from cryptography.fernet import Fernet
from joserfc import jwt
from joserfc.jwk import ECKey
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware

from auth.core.keys import KeyRing
from auth.oauth.authorize import complete_authorization
from auth.oauth.registration import create_client
from auth.oauth.server import DarvazehAuthorizationServer
from store.citizen_models import Consent
from store.db import create_engine, sessionmaker, transaction
from store.models import Agency, Base, OAuthClient, ServiceCard
from store.oauth_models import AuthorizationRequest
from store.secrets import SecretBox
from web.oauth_routes import routes
from web.security_headers import SecurityHeaders

ISSUER = "https://gateway.test"
AUDIENCE = "https://gateway.test/graphql"
TOKEN_URL = f"{ISSUER}/oauth/token"
PAR_URL = f"{ISSUER}/oauth/par"
TTL = 300
CARD = "school-enrolment"
DATASETS = ["civil.address", "civil.birth", "civil.identity"]
REDIRECT = "https://school.test/callback"
LOOPBACK = "http://127.0.0.1:8765/callback"
PARENT, CHILD, OTHER = "0012345678", "0087654321", "0011111111"
# client id -> (auth method, require_par, require_dpop)
CLIENTS = {
    "school": ("client_secret_basic", False, False),
    "school-2": ("client_secret_basic", False, False),
    "school-jwt": ("private_key_jwt", False, False),
    "school-par": ("client_secret_basic", True, False),
    "school-dpop": ("client_secret_basic", False, True),
}


class MovableClock:
    """Real time plus an offset the test moves (DPoP proofs are stamped in real time)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += seconds


@dataclass
class ProtocolStore:
    sessions: async_sessionmaker[AsyncSession]
    box: SecretBox
    secrets: dict[str, str]
    client_key: ECKey  # school-jwt's registered key (the private half, to sign assertions)


@pytest.fixture(scope="session")
async def protocol_store(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[ProtocolStore]:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('oauth') / 'gw.db'}")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    sessions = sessionmaker(engine)
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
    await engine.dispose()


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def dpop_proof(key: ECKey, url: str = TOKEN_URL, method: str = "POST", **claims: Any) -> str:
    header = {"typ": "dpop+jwt", "alg": "ES256", "jwk": key.as_dict(private=False)}
    payload = {"jti": secrets.token_urlsafe(16), "htm": method, "htu": url, "iat": int(time.time())}
    return jwt.encode(header, {**payload, **claims}, key, algorithms=["ES256"])


def decode(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


@dataclass
class Flow:
    """One client's trip through the endpoints; defaults are a well-behaved client."""

    http: httpx.AsyncClient
    server: DarvazehAuthorizationServer
    clock: MovableClock
    store: ProtocolStore
    keys_used: list[str] = field(default_factory=list)

    @property
    def sessions(self) -> async_sessionmaker[AsyncSession]:
        return self.store.sessions

    def auth(self, client_id: str, **assertion: Any) -> dict[str, Any]:
        """httpx arguments authenticating `client_id` by its registered method."""
        if client_id in self.store.secrets:
            return {"auth": (client_id, self.store.secrets[client_id])}
        return {"data": {**self.assertion_form(client_id, **assertion)}}

    def assertion_form(self, client_id: str, **overrides: Any) -> dict[str, str]:
        now = int(self.clock())
        claims = {
            "iss": client_id,
            "sub": client_id,
            "aud": ISSUER,
            "jti": secrets.token_urlsafe(16),
            "iat": now,
            "exp": now + 60,
        }
        key = overrides.pop("key", self.store.client_key)
        header = {"alg": overrides.pop("alg", "ES256"), "kid": overrides.pop("kid", key.kid)}
        claims.update(overrides)
        token = jwt.encode(header, claims, key, algorithms=[header["alg"]])
        return {
            "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            "client_assertion": token,
        }

    def request_params(self, client_id: str = "school", **overrides: Any) -> dict[str, Any]:
        _verifier, challenge = pkce_pair()
        params = {
            "response_type": "code",
            "client_id": client_id,
            "redirect_uri": REDIRECT,
            "scope": " ".join(DATASETS),
            "state": secrets.token_urlsafe(8),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        params.update(overrides)
        return {name: value for name, value in params.items() if value is not None}

    async def authorize(self, params: Any) -> httpx.Response:
        return await self.http.get("/oauth/authorize", params=params)

    async def request_id(self, response: httpx.Response) -> str:
        assert response.status_code == 303, response.text
        location = response.headers["location"]
        assert location.startswith(f"{ISSUER}/consent/"), location
        return location.rsplit("/", 1)[1]

    async def consent(
        self,
        client_id: str = "school",
        *,
        citizen: str = PARENT,
        subject: str | None = None,
        datasets: list[str] | None = None,
        expires_in: timedelta = timedelta(days=90),
    ) -> str:
        consent_id = secrets.token_urlsafe(16)
        async with transaction(self.sessions) as session:
            session.add(
                Consent(
                    id=consent_id,
                    citizen=citizen,
                    subject=subject or citizen,
                    client_id=client_id,
                    service_card_id=CARD,
                    datasets=datasets or DATASETS,
                    created_at=self.server.now(),
                    expires_at=self.server.now() + expires_in,
                )
            )
        return consent_id

    async def approve(self, request_id: str, client_id: str = "school", **consent: Any) -> str:
        """The consent screen's part: a Consent row, then complete_authorization's URL."""
        datasets = consent.get("datasets") or DATASETS
        consent_id = await self.consent(client_id, **consent)
        return await complete_authorization(
            self.sessions,
            request_id=request_id,
            citizen=consent.get("citizen", PARENT),
            subject=consent.get("subject") or consent.get("citizen", PARENT),
            datasets=datasets,
            consent_id=consent_id,
            now=self.server.now(),
        )

    async def code(self, client_id: str = "school", **consent: Any) -> Issued:
        """authorize + approve: a fresh code with its verifier."""
        verifier, challenge = pkce_pair()
        params = self.request_params(client_id, code_challenge=challenge)
        request_id = await self.request_id(await self.authorize(params))
        url = await self.approve(request_id, client_id, **consent)
        answer = query_of(url)
        assert answer["state"] == params["state"] and answer["iss"] == ISSUER
        return Issued(client_id, answer["code"], verifier, REDIRECT)

    async def redeem(
        self,
        issued: Issued,
        *,
        client_id: str | None = None,
        dpop: str | None = None,
        **form: str | None,
    ) -> httpx.Response:
        client_id = client_id or issued.client_id
        data = {
            "grant_type": "authorization_code",
            "code": issued.code,
            "redirect_uri": issued.redirect_uri,
            "code_verifier": issued.verifier,
        }
        data.update(form)
        return await self.token(client_id, data, dpop=dpop)

    async def token(self, client_id: str, data: Any, *, dpop: str | None = None) -> httpx.Response:
        pairs = list(data.items()) if isinstance(data, dict) else list(data)
        pairs = [(name, value) for name, value in pairs if value is not None]
        headers = {"DPoP": dpop} if dpop else {}
        return await self.post("/oauth/token", client_id, pairs, headers=headers)

    async def tokens(self, client_id: str = "school", **consent: Any) -> dict[str, Any]:
        issued = await self.code(client_id, **consent)
        response = await self.redeem(issued)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def refresh(
        self, refresh_token: str, client_id: str = "school", *, dpop: str | None = None, **form: str
    ) -> httpx.Response:
        data = {"grant_type": "refresh_token", "refresh_token": refresh_token, **form}
        return await self.token(client_id, data, dpop=dpop)

    async def post(
        self, path: str, as_client: str | None, form: Any, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        """POST `form` (a dict or a list of pairs) authenticated as `as_client` (None: not)."""
        arguments = self.auth(as_client) if as_client else {}
        pairs = list(form.items()) if isinstance(form, dict) else list(form)
        body = urlencode([*arguments.pop("data", {}).items(), *pairs])
        headers = {"Content-Type": "application/x-www-form-urlencoded", **(headers or {})}
        return await self.http.post(path, content=body, headers=headers, **arguments)

    async def pending(self, request_id: str) -> AuthorizationRequest | None:
        async with self.sessions() as session:
            return await session.get(AuthorizationRequest, request_id)

    async def set_client(self, client_id: str, **values: Any) -> None:
        async with transaction(self.sessions) as session:
            row = await session.get(OAuthClient, client_id)
            assert row is not None
            for name, value in values.items():
                setattr(row, name, value)


@dataclass(frozen=True)
class Issued:
    client_id: str
    code: str
    verifier: str
    redirect_uri: str


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
    # As server.create_app composes it: the security headers come from one middleware.
    app = Starlette(routes=routes(server), middleware=[Middleware(SecurityHeaders, https=True)])
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=ISSUER) as http:
        yield Flow(http, server, clock, protocol_store)


def utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
