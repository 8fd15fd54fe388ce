"""GraphQL over WebSocket (graphql-transport-ws): who is behind a connection.

The token travels in connection_init's payload, `{"Authorization": "Bearer <token>"}`, and is
checked exactly as an HTTP request's (auth.resource.authenticate; a consent token against its
consent). Cookies and headers of the upgrade request are ignored: a page on another site can
open a WebSocket with the citizen's cookies, but cannot know a token. DPoP-bound tokens cannot be
proven over a WebSocket and are refused.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from auth.core.liveness import consent_in_force
from auth.core.principal import Basis, Principal
from auth.resource.authenticate import AuthenticationError, authenticate
from web.gateway import GatewayServices

MAX_HEADER_CHARS = 8192


def authorization_of(params: Mapping[str, object] | None) -> str:
    """The Authorization value of a connection_init payload; AuthenticationError without one."""
    value = None
    for name, found in (params or {}).items():
        if name.lower() == "authorization":
            value = found
    if not isinstance(value, str) or not value or len(value) > MAX_HEADER_CHARS:
        raise AuthenticationError('connection_init needs {"Authorization": "Bearer <token>"}')
    return value


async def websocket_principal(
    params: Mapping[str, object] | None, services: GatewayServices, path: str = "/graphql"
) -> Principal:
    """The principal of a WebSocket connection; AuthenticationError for none or a bad one."""
    settings = services.settings
    principal = await authenticate(
        authorization_of(params),
        None,
        services.keyring,
        issuer=settings.issuer,
        audience=settings.audience,
        method="GET",
        url=settings.base_url + path,
        sessions=services.sessions,
    )
    if principal.basis is Basis.CONSENT:
        if principal.consent_id is None:
            raise AuthenticationError("consent token names no consent")
        status = await consent_in_force(
            services.sessions, consent_id=principal.consent_id, grant_id=principal.grant_id
        )
        principal = dataclasses.replace(principal, consent_status=status)
    return principal
