"""HTTP routes of the authorization server: authorization, PAR, token, revocation, introspection
endpoints, the RFC 8414 metadata and the JWKS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from auth.authorization_server import TOKEN_AUTH_METHODS, DarvazehAuthorizationServer
from auth.authorize import authorize
from auth.client_auth import ASSERTION_ALGORITHMS
from auth.dpop import ALGORITHMS as DPOP_ALGORITHMS
from auth.form import FormPayload
from auth.keys import JWKS_MAX_AGE_SECONDS
from auth.oauth_limits import limited
from auth.par import par
from auth.paths import (
    AUTHORIZE_PATH,
    INTROSPECTION_PATH,
    JWKS_PATH,
    METADATA_PATH,
    OPENID_CONFIGURATION_PATH,
    PAR_PATH,
    REVOCATION_PATH,
    TOKEN_PATH,
    endpoint_url,
)
from auth.pkce import S256
from auth.rate_limits import OAUTH_PAR, OAUTH_TOKEN, RatePolicy

__all__ = ["JWKS_PATH", "METADATA_PATH", "TOKEN_PATH", "auth_routes", "metadata", "routes"]


def metadata(server: DarvazehAuthorizationServer) -> dict[str, Any]:
    """RFC 8414 authorization server metadata."""

    def url(path: str) -> str:
        return endpoint_url(server.issuer, path)

    auth_methods = list(TOKEN_AUTH_METHODS)
    return {
        "issuer": server.issuer,
        "authorization_endpoint": url(AUTHORIZE_PATH),
        "pushed_authorization_request_endpoint": url(PAR_PATH),
        # Per client (`require_par`): FAPI 2.0 clients are registered to require it.
        "require_pushed_authorization_requests": False,
        "token_endpoint": url(TOKEN_PATH),
        "jwks_uri": url(JWKS_PATH),
        "revocation_endpoint": url(REVOCATION_PATH),
        "introspection_endpoint": url(INTROSPECTION_PATH),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": server.grant_types_supported,
        "code_challenge_methods_supported": [S256],
        "token_endpoint_auth_methods_supported": auth_methods,
        "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
        "introspection_endpoint_auth_methods_supported": auth_methods,
        "introspection_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
        "dpop_signing_alg_values_supported": list(DPOP_ALGORITHMS),
        "authorization_response_iss_parameter_supported": True,
        "scopes_supported": list(server.scopes_supported or []),
    }


def routes(server: DarvazehAuthorizationServer) -> list[Route]:
    """The routes, bound to one server object (and no rate limits)."""
    return auth_routes(lambda _request: server, lambda _request: None)


def auth_routes(
    server_for: Callable[[Request], DarvazehAuthorizationServer] | None = None,
    rates_for: Callable[[Request], RatePolicy | None] | None = None,
) -> list[Route]:
    """The routes; by default the server and the rate limits are those the lifespan put on
    app.state.gateway."""
    find = server_for or _gateway_server
    rates = rates_for or _gateway_rates

    async def authorization(request: Request) -> Response:
        return await authorize(find(request), request)

    async def pushed_request(request: Request) -> Response:
        async def respond(payload: FormPayload) -> Response:
            return await par(find(request), request, payload)

        return await limited(request, rates(request), OAUTH_PAR, respond)

    async def token(request: Request) -> Response:
        async def respond(payload: FormPayload) -> Response:
            return await find(request).token_response(request, payload)

        return await limited(request, rates(request), OAUTH_TOKEN, respond)

    async def revocation(request: Request) -> Response:
        return await find(request).revocation_response(request)

    async def introspection(request: Request) -> Response:
        return await find(request).introspection_response(request)

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
        Route(AUTHORIZE_PATH, authorization, methods=["GET", "POST"], name="oauth_authorize"),
        Route(PAR_PATH, pushed_request, methods=["POST"], name="oauth_par"),
        Route(TOKEN_PATH, token, methods=["POST"], name="oauth_token"),
        Route(REVOCATION_PATH, revocation, methods=["POST"], name="oauth_revoke"),
        Route(INTROSPECTION_PATH, introspection, methods=["POST"], name="oauth_introspect"),
        Route(METADATA_PATH, server_metadata, methods=["GET"], name="oauth_metadata"),
        # The same document for clients that only look for OpenID discovery.
        Route(OPENID_CONFIGURATION_PATH, server_metadata, methods=["GET"], name="openid_config"),
        Route(JWKS_PATH, jwks, methods=["GET"], name="jwks"),
    ]


def _gateway_rates(request: Request) -> RatePolicy | None:
    found: RatePolicy | None = getattr(request.app.state.gateway, "rates", None)
    return found


def _gateway_server(request: Request) -> DarvazehAuthorizationServer:
    server: DarvazehAuthorizationServer = request.app.state.gateway.authorization_server
    return server
