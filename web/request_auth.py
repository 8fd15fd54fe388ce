"""Who is behind a GraphQL request, as the edge reads it from the HTTP request: the token (Bearer
or DPoP, auth.resource), checked against the consent it was issued under on every request
(auth.core.liveness); or, without a token, the citizen's own portal session (a cookie)."""

from __future__ import annotations

import dataclasses

from starlette.requests import HTTPConnection

from auth.accounts.sessions import csrf_valid
from auth.core.liveness import consent_now
from auth.core.principal import Basis, Principal
from auth.resource.authenticate import AuthenticationError, authenticate
from auth.resource.case_reference import CASE_REFERENCE_HEADER
from resolvers.own_data import portal_principal
from standard.datasets import DATA_SCOPES
from store.citizen_models import BrowserSession
from web import browser
from web.gateway import GatewayServices

# A cookie-authenticated POST must prove it came from our own pages (`GET /me/session` gives
# the token); a cross-site form cannot set this header.
CSRF_HEADER = "Darvazeh-CSRF"


async def request_principal(
    connection: HTTPConnection, services: GatewayServices
) -> Principal | None:
    """The request's principal; None without credentials. Raises AuthenticationError, or
    InvalidCaseReference for a case reference of the wrong format (before anything is read)."""
    case_reference = services.case_references.check(connection.headers.get(CASE_REFERENCE_HEADER))
    header = connection.headers.get("authorization")
    if header is None:
        return await _portal_citizen(connection)
    settings = services.settings
    principal = await authenticate(
        header,
        case_reference,
        services.keyring,
        issuer=settings.issuer,
        audience=settings.audience,
        dpop=connection.headers.getlist("dpop"),
        method=connection.scope.get("method", "GET"),
        # The public URL, as the client addressed it (right behind a proxy too).
        url=settings.base_url + connection.url.path,
        sessions=services.sessions,
    )
    if principal.basis is Basis.CONSENT:
        if principal.consent_id is None:
            raise AuthenticationError("consent token names no consent")
        now = await consent_now(
            services.sessions, consent_id=principal.consent_id, grant_id=principal.grant_id
        )
        # A narrowed consent narrows its tokens at once: they read only what it still allows.
        principal = dataclasses.replace(
            principal,
            consent_status=now.status,
            scopes=principal.scopes - (DATA_SCOPES - now.datasets),
        )
    return principal


async def _portal_citizen(connection: HTTPConnection) -> Principal | None:
    """A logged-in citizen reading their own data and consents through the portal."""
    row = await browser.current_session(connection)
    if row is None:
        return None
    if connection.scope.get("method", "GET") != "GET" and not csrf_valid(
        row, connection.headers.get(CSRF_HEADER)
    ):
        raise AuthenticationError(f"a request on a portal session needs the {CSRF_HEADER} header")
    return portal_principal(row.citizen, session_token_id(row))


def session_token_id(row: BrowserSession) -> str:
    """How the access log names a portal session (never the cookie itself)."""
    return f"session:{row.id_hash[:16]}"
