"""The authorization server at its token endpoint: client credentials (RFC 9068 tokens), client
authentication and its one answer, the request's form, Authlib inside run_sync, plain http."""

from __future__ import annotations

import json

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from auth.core.access_tokens import verify_access_token
from auth.core.keys import KeyRing
from auth.oauth.server import DarvazehAuthorizationServer, build_authorization_server
from settings import Settings
from tests.auth.support import AUDIENCE, ISSUER, TTL, World
from tests.shared import b64url_decode
from web.oauth_routes import routes


def _segment(token: str, index: int) -> dict:
    return dict(json.loads(b64url_decode(token.split(".")[index])))


async def _post(http: httpx.AsyncClient, content: str, auth: tuple[str, str] | None = None):
    return await http.post(
        "/oauth/token",
        content=content,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=auth,
    )


async def test_client_credentials_issues_rfc9068_token(
    http: httpx.AsyncClient, world: World, keyring: KeyRing
) -> None:
    response = await http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=("statute-svc", world.secrets["statute-svc"]),
    )
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    assert response.headers["pragma"] == "no-cache"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == TTL
    assert body["scope"] == "civil.birth civil.identity"

    token = body["access_token"]
    header = _segment(token, 0)
    assert header == {"typ": "at+jwt", "alg": "ES256", "kid": header["kid"]}
    jwks = (await http.get("/.well-known/jwks.json")).json()
    assert header["kid"] in {key["kid"] for key in jwks["keys"]}

    claims = await verify_access_token(keyring, token, issuer=ISSUER, audience=AUDIENCE)
    assert claims["iss"] == ISSUER
    assert claims["aud"] == AUDIENCE
    assert claims["sub"] == claims["client_id"] == "statute-svc"
    assert claims["basis"] == "statute"
    assert claims["agency"] == "ssa"
    assert claims["service_card"] == "newborn-insurance"
    assert claims["exp"] - claims["iat"] == TTL
    assert claims["jti"]


async def test_requested_scope_is_narrowed_to_the_client(
    http: httpx.AsyncClient, world: World
) -> None:
    response = await http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "scope": "civil.birth tax.status"},
        auth=("statute-svc", world.secrets["statute-svc"]),
    )
    assert response.status_code == 200, response.text
    assert response.json()["scope"] == "civil.birth"
    assert _segment(response.json()["access_token"], 1)["scope"] == "civil.birth"


async def test_agency_admin_token(http: httpx.AsyncClient, world: World) -> None:
    response = await http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=("ssa-admin", world.secrets["ssa-admin"]),
    )
    assert response.status_code == 200, response.text
    claims = _segment(response.json()["access_token"], 1)
    assert claims["basis"] == "agency_admin"
    assert claims["scope"] == "agency.admin"
    assert "service_card" not in claims


async def test_wrong_secret_is_invalid_client_401(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=("statute-svc", "not-the-secret"),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic ")
    assert response.headers["cache-control"] == "no-store"


async def test_unknown_client(http: httpx.AsyncClient) -> None:
    response = await http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=("nobody", "whatever"),
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert response.headers["www-authenticate"].startswith("Basic ")


async def test_scope_outside_the_card_is_invalid_scope(
    http: httpx.AsyncClient, world: World
) -> None:
    for scope in ("tax.status", "agency.admin", "no.such.scope"):
        response = await http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", "scope": scope},
            auth=("statute-svc", world.secrets["statute-svc"]),
        )
        assert response.status_code == 400, scope
        assert response.json()["error"] == "invalid_scope", scope


async def test_consent_basis_client_is_refused(http: httpx.AsyncClient, world: World) -> None:
    response = await http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=("consent-svc", world.secrets["consent-svc"]),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "unauthorized_client"


async def test_duplicate_parameters_are_refused(http: httpx.AsyncClient, world: World) -> None:
    auth = ("statute-svc", world.secrets["statute-svc"])
    response = await _post(
        http, "grant_type=client_credentials&scope=civil.birth&scope=civil.identity", auth
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "scope" in response.json()["error_description"]
    assert response.headers["cache-control"] == "no-store"


async def test_client_secret_post_is_refused(http: httpx.AsyncClient, world: World) -> None:
    response = await http.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": "statute-svc",
            "client_secret": world.secrets["statute-svc"],
        },
    )
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"


async def test_two_authentication_methods_are_refused(
    http: httpx.AsyncClient, world: World
) -> None:
    secret = world.secrets["statute-svc"]
    response = await http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials", "client_secret": secret},
        auth=("statute-svc", secret),
    )
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_unsupported_grant_and_content_type(http: httpx.AsyncClient, world: World) -> None:
    auth = ("statute-svc", world.secrets["statute-svc"])
    response = await _post(http, "grant_type=password&username=a&password=b", auth)
    assert response.status_code == 400
    assert response.json()["error"] == "unsupported_grant_type"
    response = await http.post("/oauth/token", json={"grant_type": "client_credentials"}, auth=auth)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


async def test_token_endpoint_only_accepts_post(http: httpx.AsyncClient) -> None:
    assert (await http.get("/oauth/token")).status_code == 405


async def test_token_request_runs_authlib_inside_run_sync(
    http: httpx.AsyncClient, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Authlib is synchronous: its DB access must go through AsyncSession.run_sync."""
    calls: list[str] = []
    original = AsyncSession.run_sync

    async def spy(self: AsyncSession, fn, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(getattr(fn, "__name__", repr(fn)))
        return await original(self, fn, *args, **kwargs)

    monkeypatch.setattr(AsyncSession, "run_sync", spy)
    response = await http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=("statute-svc", world.secrets["statute-svc"]),
    )
    assert response.status_code == 200
    assert calls == ["_token_response_sync"]


def test_query_client_outside_run_sync_is_an_error(server: DarvazehAuthorizationServer) -> None:
    with pytest.raises(RuntimeError, match="run_sync"):
        server.query_client("statute-svc")


async def test_plain_http_is_refused(server: DarvazehAuthorizationServer, world: World) -> None:
    # Behind a TLS-terminating proxy uvicorn must trust X-Forwarded-Proto (--proxy-headers).
    app = Starlette(routes=routes(server))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as client:
        response = await client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=("statute-svc", world.secrets["statute-svc"]),
        )
    assert response.status_code == 400
    assert response.json()["error"] == "insecure_transport"


def test_build_authorization_server_from_settings(world: World, keyring: KeyRing) -> None:
    settings = Settings(public_url="https://gw.example", access_token_ttl=120)
    server = build_authorization_server(world.sessions, keyring, settings)
    assert server.issuer == "https://gw.example"
    assert server.audience == "https://gw.example/graphql"
    assert server.access_token_ttl == 120
