"""Token introspection (RFC 7662) for the client a token was issued to.

An access token is active only while its signature and lifetime hold, its grant is not revoked and
its consent is ACTIVE; a refresh token while it is unrotated, unexpired, and the same holds for its
grant and consent. Another client's token, like an unknown one, is just `active: false`: the
answer says nothing about tokens the caller does not hold.
"""

from __future__ import annotations

from typing import Any, ClassVar

from authlib.oauth2.rfc7662 import IntrospectionEndpoint

from auth.oauth.clients import TOKEN_AUTH_METHODS, Client
from auth.oauth.protocol import OAuthServer
from auth.oauth.revocation import KnownToken, check_token_params, epoch, find_token

# Claims of an access token an introspecting client may see (RFC 7662 §2.2).
ACCESS_TOKEN_CLAIMS = ("scope", "client_id", "sub", "exp", "iat", "nbf", "iss", "aud", "jti", "cnf")


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS: ClassVar[list[str]] = list(TOKEN_AUTH_METHODS)
    server: OAuthServer

    def check_params(self, request: Any, client: Client) -> None:
        check_token_params(request)

    def query_token(self, token_string: str, token_type_hint: str | None) -> KnownToken | None:
        return find_token(self.server, token_string)

    def check_permission(self, token: KnownToken, client: Client, request: Any) -> bool:
        return token.check_client(client)

    def create_introspection_payload(self, token: KnownToken | None) -> dict[str, Any]:
        if token is not None and token.grant_missing():
            return {"active": False}
        payload: dict[str, Any] = super().create_introspection_payload(token)
        return payload

    def introspect_token(self, token: KnownToken) -> dict[str, Any]:
        if token.claims is not None:
            claims = token.claims
            payload = {name: claims[name] for name in ACCESS_TOKEN_CLAIMS if name in claims}
            payload["token_type"] = "DPoP" if "cnf" in claims else "Bearer"
            return {"active": True, **payload}
        assert token.refresh is not None and token.grant is not None
        grant = token.grant
        payload = {
            "active": True,
            "scope": grant.scope,
            "client_id": grant.client_id,
            "sub": grant.citizen,
            "iss": self.server.issuer,
            "iat": epoch(token.refresh.created_at),
            "exp": epoch(token.refresh.expires_at),
        }
        if grant.dpop_jkt:
            payload["cnf"] = {"jkt": grant.dpop_jkt}
        return payload
