from __future__ import annotations

import base64
import json
from types import SimpleNamespace

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.applications import Starlette

from auth.core.access_tokens import verify_access_token
from auth.core.keys import KeyRing
from auth.oauth.server import DarvazehAuthorizationServer, build_authorization_server
from settings import Settings
from tests.auth.conftest import AUDIENCE, ISSUER, TTL, World, token_for
from web.oauth_routes import oauth_routes as auth_routes
from web.oauth_routes import routes


def _segment(token: str, index: int) -> dict:
    part = token.split(".")[index]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


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


async def test_metadata_document(http: httpx.AsyncClient) -> None:
    response = await http.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    document = response.json()
    assert document["issuer"] == ISSUER
    assert document["token_endpoint"] == f"{ISSUER}/oauth/token"
    assert document["jwks_uri"] == f"{ISSUER}/.well-known/jwks.json"
    assert document["authorization_endpoint"] == f"{ISSUER}/oauth/authorize"
    assert document["pushed_authorization_request_endpoint"] == f"{ISSUER}/oauth/par"
    assert document["require_pushed_authorization_requests"] is False
    assert document["revocation_endpoint"] == f"{ISSUER}/oauth/revoke"
    assert document["introspection_endpoint"] == f"{ISSUER}/oauth/introspect"
    assert document["grant_types_supported"] == [
        "client_credentials",
        "authorization_code",
        "refresh_token",
    ]
    assert document["response_types_supported"] == ["code"]
    assert document["response_modes_supported"] == ["query"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    methods = ["client_secret_basic", "private_key_jwt"]
    assert document["token_endpoint_auth_methods_supported"] == methods
    assert document["revocation_endpoint_auth_methods_supported"] == methods
    assert document["introspection_endpoint_auth_methods_supported"] == methods
    assert document["token_endpoint_auth_signing_alg_values_supported"] == ["ES256", "PS256"]
    assert "ES256" in document["dpop_signing_alg_values_supported"]
    assert not {"none", "HS256"} & set(document["dpop_signing_alg_values_supported"])
    assert document["authorization_response_iss_parameter_supported"] is True
    assert set(document["scopes_supported"]) == {
        "civil.identity",
        "civil.birth",
        "civil.family",
        "civil.address",
        "social.coverage",
        "education.enrollment",
        "tax.status",
        "agency.admin",
    }


async def test_openid_configuration_is_the_same_document(http: httpx.AsyncClient) -> None:
    metadata = await http.get("/.well-known/oauth-authorization-server")
    discovery = await http.get("/.well-known/openid-configuration")
    assert discovery.status_code == 200
    assert discovery.json() == metadata.json()


async def test_jwks_document(http: httpx.AsyncClient, world: World) -> None:
    await http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=("statute-svc", world.secrets["statute-svc"]),
    )
    response = await http.get("/.well-known/jwks.json")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "public, max-age=300"
    keys = response.json()["keys"]
    assert keys
    for key in keys:
        assert key["kty"] == "EC" and key["crv"] == "P-256"
        assert key["alg"] == "ES256" and key["use"] == "sig" and key["kid"]
        assert "d" not in key


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


async def test_auth_routes_find_the_server_on_app_state(
    server: DarvazehAuthorizationServer, world: World
) -> None:
    """The lead's server.py mounts auth_routes() and keeps the server on app.state.gateway."""
    app = Starlette(routes=auth_routes())
    app.state.gateway = SimpleNamespace(authorization_server=server, rates=None)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as client:
        token = await token_for(client, world, "statute-svc")
        assert token
        assert (await client.get("/.well-known/jwks.json")).json()["keys"]
        document = (await client.get("/.well-known/oauth-authorization-server")).json()
        assert document["issuer"] == ISSUER


def test_build_authorization_server_from_settings(world: World, keyring: KeyRing) -> None:
    settings = Settings(public_url="https://gw.example", access_token_ttl=120)
    server = build_authorization_server(world.sessions, keyring, settings)
    assert server.issuer == "https://gw.example"
    assert server.audience == "https://gw.example/graphql"
    assert server.access_token_ttl == 120
