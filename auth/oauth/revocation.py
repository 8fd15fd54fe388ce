"""Token revocation (RFC 7009), and the token lookup it shares with introspection.

Revoking either kind of token revokes its grant: a refresh token's family stops at once, and the
access tokens carrying the grant's id stop on their next request, because the resource server reads
the grant with the consent on every request. Unknown, invalid and expired tokens answer 200, as the
RFC asks: there is nothing left to revoke.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, ClassVar

from authlib.oauth2.rfc6749 import InvalidGrantError, InvalidRequestError
from authlib.oauth2.rfc7009 import RevocationEndpoint

from auth.core.liveness import GrantEnd, standing
from auth.oauth.call import current_call, current_session, secret_hash
from auth.oauth.clients import TOKEN_AUTH_METHODS, Client
from auth.oauth.errors import UnsupportedTokenTypeError
from auth.oauth.grants import revoke_grant
from auth.oauth.protocol import OAuthServer
from standard.statuses import ConsentStatus
from store.citizen_models import Consent
from store.db import aware
from store.oauth_models import Grant, RefreshToken

TOKEN_TYPE_HINTS = ("access_token", "refresh_token")


def check_token_params(request: Any) -> None:
    """The `token` parameter is required; a `token_type_hint` must be one we know."""
    if not request.form.get("token"):
        raise InvalidRequestError("The request has no token.")
    hint = request.form.get("token_type_hint")
    if hint is not None and hint not in TOKEN_TYPE_HINTS:
        raise UnsupportedTokenTypeError(f"Unknown token_type_hint {hint!r}.")


@dataclass
class KnownToken:
    """A token this server issued: a verified access token (`claims`) or a stored refresh token."""

    kind: str  # access_token | refresh_token
    client_id: str
    now: datetime
    claims: dict[str, Any] | None = None
    refresh: RefreshToken | None = None
    grant: Grant | None = None
    consent: Consent | None = None

    def check_client(self, client: Client) -> bool:
        return self.client_id == client.client_id

    def is_expired(self) -> bool:
        # Access tokens reach here only when valid, expiry included (verified before run_sync).
        return self.refresh is not None and aware(self.refresh.expires_at) <= self.now

    def is_revoked(self) -> bool:
        if self.refresh is not None and self.refresh.used_at is not None:
            return True  # rotated: its successor is the live one
        if self.grant is None and self.consent is None:
            return False  # a client-credentials token: nothing stored can revoke it
        return standing(self.consent, self.now, self.grant) is not ConsentStatus.ACTIVE

    def grant_missing(self) -> bool:
        """A consent token whose grant or consent row is gone counts as inactive."""
        if self.claims is None:
            return self.grant is None
        return ("grant" in self.claims and self.grant is None) or (
            "consent_id" in self.claims and self.consent is None
        )


def find_token(server: OAuthServer, token: str) -> KnownToken | None:
    """Whichever kind `token` is; the hint is only a hint (RFC 7009 §2.1), so both are tried."""
    session = current_session()
    now = server.now()
    claims = current_call().access_claims
    if claims is not None:
        grant_id, consent_id = claims.get("grant"), claims.get("consent_id")
        return KnownToken(
            kind="access_token",
            client_id=claims["client_id"],
            now=now,
            claims=claims,
            grant=session.get(Grant, grant_id) if isinstance(grant_id, str) else None,
            consent=session.get(Consent, consent_id) if isinstance(consent_id, str) else None,
        )
    refresh = session.get(RefreshToken, secret_hash(token))
    if refresh is None:
        return None
    grant = session.get(Grant, refresh.grant_id)
    if grant is None:  # pragma: no cover - a foreign key holds it
        return None
    return KnownToken(
        kind="refresh_token",
        client_id=grant.client_id,
        now=now,
        refresh=refresh,
        grant=grant,
        consent=session.get(Consent, grant.consent_id),
    )


def epoch(moment: datetime) -> int:
    return int(aware(moment).astimezone(UTC).timestamp())


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS: ClassVar[list[str]] = list(TOKEN_AUTH_METHODS)
    server: OAuthServer

    def check_params(self, request: Any, client: Client) -> None:
        check_token_params(request)

    def authenticate_token(self, request: Any, client: Client) -> KnownToken | None:
        self.check_params(request, client)
        token = self.query_token(request.form["token"], request.form.get("token_type_hint"))
        if token is not None and not token.check_client(client):
            # RFC 7009 §2.1: the token must have been issued to the client revoking it.
            raise InvalidGrantError("The token was not issued to this client.")
        return token

    def query_token(self, token_string: str, token_type_hint: str | None) -> KnownToken | None:
        return find_token(self.server, token_string)

    def revoke_token(self, token: KnownToken, request: Any) -> None:
        # A client-credentials access token has no grant: it is self-contained and short-lived,
        # so there is nothing stored to revoke.
        if token.grant is not None:
            revoke_grant(current_session(), token.grant.id, GrantEnd.BY_CLIENT, self.server.now())
