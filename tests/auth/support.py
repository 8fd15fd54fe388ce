"""Helpers of the auth tests: the test issuer, the OAuth protocol's clients and citizens, a client's
trip through the endpoints (`Flow`), DPoP proofs, and the checks several test modules make. The
fixtures that build these are in tests/auth/fixtures.py."""

from __future__ import annotations

import json
import secrets
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from joserfc import jws, jwt
from joserfc.jwk import ECKey, OKPKey, RSAKey
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware

from auth.core.dpop import access_token_hash
from auth.oauth.authorize import complete_authorization
from auth.oauth.server import DarvazehAuthorizationServer
from store.citizen_models import Consent
from store.db import transaction
from store.models import OAuthClient
from store.oauth_models import AuthorizationRequest
from store.secrets import SecretBox
from tests.shared import MovableClock, pkce_pair
from web.oauth_routes import routes
from web.security_headers import SecurityHeaders

ISSUER = "https://gateway.test"
AUDIENCE = "https://gateway.test/graphql"
TOKEN_URL = f"{ISSUER}/oauth/token"
PAR_URL = f"{ISSUER}/oauth/par"
TTL = 300
# The protocol store: a consent-basis card (school enrolment), its clients and citizens.
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
# Signing proofs for the tests may use any algorithm, including the ones the verifier refuses.
SIGNER = jws.JWSRegistry(
    algorithms=["ES256", "ES384", "PS256", "EdDSA", "Ed25519", "HS256", "RS256"]
)
SIGNER.max_header_length = 4096


@dataclass
class World:
    """A store with an agency, a statute card, a consent card, an admin and their clients."""

    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    box: SecretBox
    secrets: dict[str, str]


@dataclass
class ProtocolStore:
    sessions: async_sessionmaker[AsyncSession]
    box: SecretBox
    secrets: dict[str, str]
    client_key: ECKey  # school-jwt's registered key (the private half, to sign assertions)


def oauth_app(server: DarvazehAuthorizationServer) -> Starlette:
    """The OAuth routes of one server, as server.create_app composes them: the security headers
    come from one middleware."""
    return Starlette(routes=routes(server), middleware=[Middleware(SecurityHeaders, https=True)])


async def token_for(http: httpx.AsyncClient, world: World, client_id: str, **form: str) -> str:
    response = await http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", **form},
        auth=(client_id, world.secrets[client_id]),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


def query_of(url: str) -> dict[str, str]:
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def ec_key() -> ECKey:
    return ECKey.generate_key("P-256", private=True)


def make_proof(
    key: ECKey | RSAKey | OKPKey,
    *,
    alg: str = "ES256",
    htm: str = "POST",
    htu: str = TOKEN_URL,
    iat: float | None = None,
    jti: str | None = None,
    access_token: str | None = None,
    header: dict[str, Any] | None = None,
    claims: dict[str, Any] | None = None,
) -> str:
    """A DPoP proof as a client builds it (stamped now unless `iat`); `header`/`claims` override
    (None values delete)."""
    head: dict[str, Any] = {"typ": "dpop+jwt", "alg": alg, "jwk": key.as_dict(private=False)}
    body: dict[str, Any] = {
        "jti": jti or uuid.uuid4().hex,
        "htm": htm,
        "htu": htu,
        "iat": int(time.time()) if iat is None else iat,
    }
    if access_token is not None:
        body["ath"] = access_token_hash(access_token)
    for target, changes in ((head, header), (body, claims)):
        for name, value in (changes or {}).items():
            if value is None:
                target.pop(name, None)
            else:
                target[name] = value
    return jws.serialize_compact(head, json.dumps(body), key, registry=SIGNER)


def dpop_proof(key: ECKey, url: str = TOKEN_URL, method: str = "POST", **claims: Any) -> str:
    """A valid proof for `method url`, stamped now (`claims` add to or replace its claims)."""
    return make_proof(key, htm=method, htu=url, claims=claims)


def assert_error_page(response: httpx.Response, text: str) -> None:
    """The authorization endpoint's refusal: shown to the person; never a redirect anywhere."""
    assert response.status_code == 400, response.text
    assert "location" not in response.headers
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert text in response.text


def redirected_error(response: httpx.Response, redirect_uri: str = REDIRECT) -> dict[str, str]:
    assert response.status_code == 303, response.text
    location = response.headers["location"]
    assert location.startswith(redirect_uri + "?"), location
    answer = query_of(location)
    assert answer["iss"] == ISSUER  # RFC 9207, on errors too
    assert "code" not in answer
    return answer


async def introspect(flow: Flow, token: str, client_id: str = "school") -> dict[str, Any]:
    response = await flow.post("/oauth/introspect", client_id, {"token": token})
    assert response.status_code == 200, response.text
    return dict(response.json())


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


def utc(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)
