"""What grants, endpoints and client authentication need of the authorization server.

They depend on this small protocol, as Authlib's own grants depend on its `AuthorizationServer`
interface, never on the concrete server: `auth.oauth.server` wires them in and is the only module
that knows them all.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Protocol


class OAuthServer(Protocol):
    issuer: str
    audience: str  # what access tokens are for: the GraphQL endpoint
    access_token_ttl: int
    clock: Callable[[], float]

    def now(self) -> datetime:
        """The server's clock as an aware UTC datetime."""
        ...
