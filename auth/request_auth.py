"""Who is behind a GraphQL request: the token (Bearer or DPoP), checked against the consent it
was issued under on every request."""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.requests import HTTPConnection

from auth.consent_check import consent_in_force
from auth.principal import CASE_REFERENCE_HEADER, Basis, Principal
from auth.resource import AuthenticationError, authenticate


async def request_principal(connection: HTTPConnection, gateway: Any) -> Principal | None:
    """The request's principal; None without credentials. Raises AuthenticationError."""
    header = connection.headers.get("authorization")
    if header is None:
        return None
    settings = gateway.settings
    principal = await authenticate(
        header,
        connection.headers.get(CASE_REFERENCE_HEADER),
        gateway.keyring,
        issuer=settings.issuer,
        audience=settings.audience,
        dpop=connection.headers.getlist("dpop"),
        method=connection.scope.get("method", "GET"),
        # The public URL, as the client addressed it (right behind a proxy too).
        url=settings.base_url + connection.url.path,
        sessions=gateway.sessions,
    )
    if principal.basis is Basis.CONSENT:
        if principal.consent_id is None:
            raise AuthenticationError("consent token names no consent")
        status = await consent_in_force(
            gateway.sessions, consent_id=principal.consent_id, grant_id=principal.grant_id
        )
        principal = dataclasses.replace(principal, consent_status=status)
    return principal
