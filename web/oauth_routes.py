"""The HTTP routes of the authorization server (auth/oauth/): authorization, PAR, token,
revocation, introspection, the RFC 8414 metadata and the JWKS. Rate limits at the token and PAR
endpoints; the authorization endpoint's refusals are a page."""

from __future__ import annotations

from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from auth.core.keys import JWKS_MAX_AGE_SECONDS
from auth.oauth.authorize import AuthorizationRefused, authorize
from auth.oauth.form import FormPayload
from auth.oauth.metadata import metadata
from auth.oauth.par import par
from auth.oauth.paths import (
    AUTHORIZE_PATH,
    INTROSPECTION_PATH,
    JWKS_PATH,
    METADATA_PATH,
    OPENID_CONFIGURATION_PATH,
    PAR_PATH,
    REVOCATION_PATH,
    TOKEN_PATH,
)
from auth.oauth.rate_limit import OAuthRates, limited
from auth.oauth.server import DarvazehAuthorizationServer
from auth.rate_limits import OAUTH_PAR, OAUTH_TOKEN
from web.gateway import gateway
from web.render import render

ServerFor = Callable[[Request], DarvazehAuthorizationServer]
RatesFor = Callable[[Request], OAuthRates | None]


def routes(server: DarvazehAuthorizationServer) -> list[Route]:
    """The routes, bound to one server object (and no rate limits)."""
    return oauth_routes(lambda _request: server, lambda _request: None)


def oauth_routes(
    server_for: ServerFor | None = None, rates_for: RatesFor | None = None
) -> list[Route]:
    """The routes; by default the server and the rate limits are the running gateway's."""
    find = server_for or _gateway_server
    rates = rates_for or _gateway_rates

    async def authorization(request: Request) -> Response:
        try:
            url = await authorize(find(request), request)
        except AuthorizationRefused as refused:
            return refused_page(request, str(refused))
        return RedirectResponse(url, status_code=303)

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


def refused_page(request: Request, description: str) -> Response:
    """An authorization request refused before its client could be trusted: a page for the
    person at the browser; the client gets nothing (no redirect)."""
    return render(
        request,
        "error.html",
        status=400,
        title_key="authorize_refused_title",
        body_key="authorize_refused",
        detail=description,
    )


def _gateway_rates(request: Request) -> OAuthRates | None:
    return gateway(request).rates


def _gateway_server(request: Request) -> DarvazehAuthorizationServer:
    return gateway(request).authorization_server
