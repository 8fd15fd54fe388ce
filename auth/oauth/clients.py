"""OAuth clients as the authorization server sees them: roles, authentication methods, secrets,
and the client (a row and its service card) as Authlib asks about it."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from typing import Any, cast

from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from joserfc.jwk import KeySet, KeySetSerialization
from sqlalchemy import Executable, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from auth.core.principal import Basis
from standard.statuses import LegalBasis
from store.models import OAuthClient, ServiceCard

ROLE_SERVICE = "service"
ROLE_AGENCY_ADMIN = "agency_admin"
GRANT_TYPES = frozenset({"client_credentials", "authorization_code", "refresh_token"})
CLIENT_SECRET_BASIC = "client_secret_basic"
PRIVATE_KEY_JWT = "private_key_jwt"
TOKEN_AUTH_METHODS = (CLIENT_SECRET_BASIC, PRIVATE_KEY_JWT)


def new_client_secret() -> str:
    return secrets.token_urlsafe(32)


def hash_client_secret(secret: str) -> str:
    # The secret is 256 random bits, not a password: nobody can guess it, so a slow hash
    # (argon2, bcrypt) would only add latency to every token request. SHA-256 hides it at rest.
    return hashlib.sha256(secret.encode()).hexdigest()


def verify_client_secret(secret: str, hashed: str | None) -> bool:
    if not hashed:
        return False
    return hmac.compare_digest(hash_client_secret(secret), hashed)


def registered_keys(jwks: Mapping[str, Any]) -> KeySet:
    """A client's registered public keys (its `jwks`); raises joserfc's errors, ValueError,
    TypeError or KeyError when they cannot be read (joserfc checks the shape itself)."""
    return KeySet.import_key_set(cast(KeySetSerialization, jwks))


class Client(ClientMixin):
    """An OAuthClient row (and its service card) as Authlib sees it."""

    def __init__(self, row: OAuthClient, card: ServiceCard | None) -> None:
        self.row = row
        self.card = card

    @property
    def client_id(self) -> str:
        return self.row.client_id

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str | None:
        # Only an unambiguous single registration may be implied (RFC 6749 §3.1.2.3).
        uris = self.row.redirect_uris or []
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str:
        """Requested scopes the client holds; all of them when none is requested."""
        allowed = list(self.row.scopes)
        if self.card is not None:
            # Bound to its card: never beyond the card's datasets as they stand now, and
            # nothing once the card is withdrawn.
            needed = set(self.card.datasets) if self.card.enabled else set()
            allowed = [name for name in allowed if name in needed]
        if not scope:
            return str(list_to_scope(allowed))
        requested = set(scope_to_list(scope))
        return str(list_to_scope([name for name in allowed if name in requested]))

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in (self.row.redirect_uris or [])

    def check_client_secret(self, client_secret: str) -> bool:
        return verify_client_secret(client_secret, self.row.client_secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        # One registered method, at every endpoint that authenticates clients (token, PAR,
        # revocation, introspection): a private_key_jwt client's secret, if any, opens nothing.
        return method in TOKEN_AUTH_METHODS and method == self.row.token_endpoint_auth_method

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.row.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.row.grant_types

    def reads_under_consent(self) -> bool:
        """A service whose card's legal basis is the citizen's consent (authorization code)."""
        return (
            self.row.role == ROLE_SERVICE
            and self.card is not None
            and self.card.legal_basis == LegalBasis.CONSENT
        )

    def credentials_basis(self) -> Basis | None:
        """The basis a client-credentials token carries; None when the client may not have one."""
        if self.row.role == ROLE_AGENCY_ADMIN:
            return Basis.AGENCY_ADMIN
        if (
            self.row.role == ROLE_SERVICE
            and self.card
            and self.card.legal_basis == LegalBasis.STATUTE
        ):
            return Basis.STATUTE
        return None


def _enabled(client_id: str) -> Executable:
    # One round trip for the client and its card: this runs on every token request.
    return (
        select(OAuthClient, ServiceCard)
        .outerjoin(ServiceCard, OAuthClient.service_card_id == ServiceCard.id)
        .where(OAuthClient.client_id == client_id, OAuthClient.enabled.is_(True))
    )


def find_client(session: Session, client_id: str) -> Client | None:
    """An enabled client by id (inside Authlib's `run_sync`)."""
    found = session.execute(_enabled(client_id)).first()
    return Client(found[0], found[1]) if found else None


async def load_client(session: AsyncSession, client_id: str) -> Client | None:
    """An enabled client by id."""
    found = (await session.execute(_enabled(client_id))).first()
    return Client(found[0], found[1]) if found else None
