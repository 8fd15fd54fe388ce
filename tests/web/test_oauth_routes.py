"""The authorization server's HTTP routes: discovery documents, the JWKS, and finding the running
gateway's server."""

from __future__ import annotations

from types import SimpleNamespace

import httpx
from starlette.applications import Starlette

from auth.oauth.server import DarvazehAuthorizationServer
from tests.auth.support import ISSUER, World, token_for
from web.oauth_routes import oauth_routes


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


async def test_auth_routes_find_the_server_on_app_state(
    server: DarvazehAuthorizationServer, world: World
) -> None:
    """The lead's server.py mounts oauth_routes() and keeps the server on app.state.gateway."""
    app = Starlette(routes=oauth_routes())
    app.state.gateway = SimpleNamespace(authorization_server=server, rates=None)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url=ISSUER) as client:
        token = await token_for(client, world, "statute-svc")
        assert token
        assert (await client.get("/.well-known/jwks.json")).json()["keys"]
        document = (await client.get("/.well-known/oauth-authorization-server")).json()
        assert document["issuer"] == ISSUER
