"""HTTP routes of the authorization server: token endpoint, RFC 8414 metadata, JWKS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from auth.authorization_server import TOKEN_AUTH_METHODS, DarvazehAuthorizationServer
from auth.keys import JWKS_MAX_AGE_SECONDS

TOKEN_PATH = "/oauth/token"
METADATA_PATH = "/.well-known/oauth-authorization-server"
JWKS_PATH = "/.well-known/jwks.json"


def metadata(server: DarvazehAuthorizationServer) -> dict[str, Any]:
    """RFC 8414 authorization server metadata."""
    issuer = server.issuer.rstrip("/")
    return {
        "issuer": server.issuer,
        "token_endpoint": issuer + TOKEN_PATH,
        "jwks_uri": issuer + JWKS_PATH,
        "grant_types_supported": server.grant_types_supported,
        "token_endpoint_auth_methods_supported": list(TOKEN_AUTH_METHODS),
        "scopes_supported": list(server.scopes_supported or []),
        # No authorization endpoint yet: the authorization-code grant comes with the consent pages.
        "response_types_supported": [],
    }


def routes(server: DarvazehAuthorizationServer) -> list[Route]:
    """The routes, bound to one server object."""
    return auth_routes(lambda _request: server)


def auth_routes(
    server_for: Callable[[Request], DarvazehAuthorizationServer] | None = None,
) -> list[Route]:
    """The routes; by default the server is the one the lifespan put on app.state.gateway."""
    find = server_for or _gateway_server

    async def token(request: Request) -> Response:
        return await find(request).token_response(request)

    async def server_metadata(request: Request) -> Response:
        document = metadata(find(request))
        return JSONResponse(document, headers={"Cache-Control": "public, max-age=3600"})

    async def jwks(request: Request) -> Response:
        return JSONResponse(
            await find(request).keyring.jwks(),
            media_type="application/jwk-set+json",
            headers={"Cache-Control": f"public, max-age={JWKS_MAX_AGE_SECONDS}"},
        )

    return [
        Route(TOKEN_PATH, token, methods=["POST"], name="oauth_token"),
        Route(METADATA_PATH, server_metadata, methods=["GET"], name="oauth_metadata"),
        Route(JWKS_PATH, jwks, methods=["GET"], name="jwks"),
    ]


def _gateway_server(request: Request) -> DarvazehAuthorizationServer:
    server: DarvazehAuthorizationServer = request.app.state.gateway.authorization_server
    return server
