"""OAuth clients: registration, secrets, the rules binding a client to its agency and card, and
the client as Authlib sees it."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Iterable
from typing import Any

from authlib.oauth2.rfc6749 import ClientMixin
from authlib.oauth2.rfc6749.util import extract_basic_authorization, list_to_scope, scope_to_list
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy.ext.asyncio import AsyncSession

from auth.authorization_request import secure_redirect_uri
from auth.client_auth import PRIVATE_KEY_JWT, TOKEN_AUTH_METHODS
from auth.principal import Basis
from standard.datasets import AGENCY_ADMIN_SCOPE, DATA_SCOPES
from store.models import Agency, OAuthClient, ServiceCard
from store.registrations import not_owned

ROLE_SERVICE = "service"
ROLE_AGENCY_ADMIN = "agency_admin"
GRANT_TYPES = frozenset({"client_credentials", "authorization_code", "refresh_token"})


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


# Verified against when the client is unknown, so an unknown client id costs what a wrong
# secret costs and the time of the answer does not tell them apart.
_DECOY_SECRET_HASH = hash_client_secret(new_client_secret())


def client_secret_basic(
    query_client: Callable[[str], Client | None], request: Any
) -> Client | None:
    """`client_secret_basic` (RFC 6749 §2.3.1), replacing Authlib's: an unknown client id is
    answered like a wrong secret, after the same work (Authlib refuses it early, with its own
    message)."""
    client_id, secret = extract_basic_authorization(request.headers)
    if not client_id or not secret:
        return None
    client = query_client(client_id)
    if client is None:
        verify_client_secret(secret, _DECOY_SECRET_HASH)
        return None
    return client if client.check_client_secret(secret) else None


async def create_client(
    session: AsyncSession,
    *,
    client_id: str,
    name: str,
    agency_code: str,
    role: str,
    scopes: Iterable[str],
    grant_types: Iterable[str],
    service_card_id: str | None = None,
    redirect_uris: Iterable[str] = (),
    token_endpoint_auth_method: str = "client_secret_basic",
    jwks: dict[str, Any] | None = None,
    require_par: bool = False,
    require_dpop: bool = False,
    graphql_rate_limit: int | None = None,
    oauth_rate_limit: int | None = None,
) -> tuple[OAuthClient, str | None]:
    """Register a confidential client; returns it with its secret, shown once and never stored.

    A `private_key_jwt` client registers its public keys (`jwks`) instead and gets no secret.
    """
    scope_set = set(scopes)
    grants = list(dict.fromkeys(grant_types))
    if unknown := set(grants) - GRANT_TYPES:
        raise ValueError(f"unsupported grant types: {sorted(unknown)}")
    uris = list(redirect_uris)
    if insecure := [uri for uri in uris if not secure_redirect_uri(uri)]:
        raise ValueError(f"redirect URIs must be https, or http on loopback: {insecure}")
    if token_endpoint_auth_method not in TOKEN_AUTH_METHODS:
        raise ValueError(f"unsupported token endpoint auth method {token_endpoint_auth_method!r}")
    if token_endpoint_auth_method == PRIVATE_KEY_JWT:
        _check_public_jwks(jwks)
    if await session.get(Agency, agency_code) is None:
        raise ValueError(f"unknown agency {agency_code!r}")
    if await session.get(OAuthClient, client_id) is not None:
        raise ValueError(f"client {client_id!r} already exists")

    if role == ROLE_SERVICE:
        if service_card_id is None:
            raise ValueError("a service client must name its service card")
        card = await session.get(ServiceCard, service_card_id)
        if card is None or card.agency_code != agency_code:
            # Another agency's card is refused as if it did not exist: one answer for both.
            raise ValueError(not_owned(agency_code, "service card", service_card_id))
        if not card.enabled:
            raise ValueError(f"service card {card.id!r} is disabled")
        _check_grants_fit_basis(card, grants, uris)
        if outside := scope_set - set(card.datasets):
            raise ValueError(
                f"scopes {sorted(outside)} are not datasets of service card {card.id!r}"
            )
        if not scope_set:
            scope_set = set(card.datasets)
    elif role == ROLE_AGENCY_ADMIN:
        if service_card_id is not None:
            raise ValueError("an agency admin client has no service card")
        if scope_set & DATA_SCOPES:
            raise ValueError("an agency admin client may not read citizen data")
        if other := scope_set - {AGENCY_ADMIN_SCOPE}:
            raise ValueError(f"unknown scopes {sorted(other)}")
        scope_set = {AGENCY_ADMIN_SCOPE}
    else:
        raise ValueError(f"unknown role {role!r}")

    secret = new_client_secret() if token_endpoint_auth_method != PRIVATE_KEY_JWT else None
    client = OAuthClient(
        client_id=client_id,
        client_secret_hash=hash_client_secret(secret) if secret else None,
        name=name,
        agency_code=agency_code,
        role=role,
        service_card_id=service_card_id,
        grant_types=grants,
        scopes=sorted(scope_set),
        token_endpoint_auth_method=token_endpoint_auth_method,
        redirect_uris=uris,
        jwks=jwks,
        require_par=require_par,
        require_dpop=require_dpop,
        graphql_rate_limit=graphql_rate_limit,
        oauth_rate_limit=oauth_rate_limit,
    )
    session.add(client)
    await session.flush()
    return client, secret


def _check_grants_fit_basis(card: ServiceCard, grants: list[str], uris: list[str]) -> None:
    """A statutory service reads as itself (client credentials); a consent-based one only with
    the citizen's approval (authorization code, with refresh tokens if it wants them)."""
    if card.legal_basis == "statute" and set(grants) != {"client_credentials"}:
        raise ValueError(
            f"service card {card.id!r} reads under a statute: its client uses client_credentials"
        )
    if card.legal_basis == "consent":
        if "authorization_code" not in grants or "client_credentials" in grants:
            raise ValueError(
                f"service card {card.id!r} reads under consent: its client uses "
                "authorization_code (and refresh_token), never client_credentials"
            )
        if not uris:
            raise ValueError("a consent-based service client must register its redirect URIs")


def _check_public_jwks(jwks: dict[str, Any] | None) -> None:
    if not jwks or not jwks.get("keys"):
        raise ValueError("a private_key_jwt client must register its public keys (jwks)")
    try:
        keys = KeySet.import_key_set(jwks).keys
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise ValueError(f"unreadable jwks: {exc}") from exc
    if any(key.is_private for key in keys):
        raise ValueError("jwks must hold public keys only")


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
            return list_to_scope(allowed)
        requested = set(scope_to_list(scope))
        return list_to_scope([name for name in allowed if name in requested])

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
            and self.card.legal_basis == "consent"
        )

    def credentials_basis(self) -> Basis | None:
        """The basis a client-credentials token carries; None when the client may not have one."""
        if self.row.role == ROLE_AGENCY_ADMIN:
            return Basis.AGENCY_ADMIN
        if self.row.role == ROLE_SERVICE and self.card and self.card.legal_basis == "statute":
            return Basis.STATUTE
        return None
