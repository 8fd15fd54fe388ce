"""Registering OAuth clients: the rules binding a client to its agency and service card, its
redirect URIs and its authentication (a secret shown once, or its public keys)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from joserfc.errors import JoseError
from sqlalchemy.ext.asyncio import AsyncSession

from auth.oauth.authorization_request import secure_redirect_uri
from auth.oauth.clients import (
    CLIENT_SECRET_BASIC,
    GRANT_TYPES,
    PRIVATE_KEY_JWT,
    ROLE_AGENCY_ADMIN,
    ROLE_SERVICE,
    TOKEN_AUTH_METHODS,
    hash_client_secret,
    new_client_secret,
    registered_keys,
)
from standard.datasets import AGENCY_ADMIN_SCOPE, DATA_SCOPES
from standard.errors import Refused
from standard.statuses import LegalBasis
from store.models import Agency, OAuthClient, ServiceCard
from store.registrations import not_owned


class ClientRefused(Refused):
    """A client the registration rules refuse (REGISTRATION_REFUSED), naming the one problem."""

    def __init__(self, problem: str) -> None:
        super().__init__([problem])


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
    token_endpoint_auth_method: str = CLIENT_SECRET_BASIC,
    jwks: dict[str, Any] | None = None,
    require_par: bool = False,
    require_dpop: bool = False,
    graphql_rate_limit: int | None = None,
    oauth_rate_limit: int | None = None,
) -> tuple[OAuthClient, str | None]:
    """Register a confidential client; returns it with its secret, shown once and never stored.

    A `private_key_jwt` client registers its public keys (`jwks`) instead and gets no secret.
    Raises ClientRefused when the rules refuse it.
    """
    scope_set = set(scopes)
    grants = list(dict.fromkeys(grant_types))
    if unknown := set(grants) - GRANT_TYPES:
        raise ClientRefused(f"unsupported grant types: {sorted(unknown)}")
    uris = list(redirect_uris)
    if insecure := [uri for uri in uris if not secure_redirect_uri(uri)]:
        raise ClientRefused(f"redirect URIs must be https, or http on loopback: {insecure}")
    if token_endpoint_auth_method not in TOKEN_AUTH_METHODS:
        method = token_endpoint_auth_method
        raise ClientRefused(f"unsupported token endpoint auth method {method!r}")
    if token_endpoint_auth_method == PRIVATE_KEY_JWT:
        _check_public_jwks(jwks)
    if await session.get(Agency, agency_code) is None:
        raise ClientRefused(f"unknown agency {agency_code!r}")
    if await session.get(OAuthClient, client_id) is not None:
        raise ClientRefused(f"client {client_id!r} already exists")

    if role == ROLE_SERVICE:
        if service_card_id is None:
            raise ClientRefused("a service client must name its service card")
        card = await session.get(ServiceCard, service_card_id)
        if card is None or card.agency_code != agency_code:
            # Another agency's card is refused as if it did not exist: one answer for both.
            raise ClientRefused(not_owned(agency_code, "service card", service_card_id))
        if not card.enabled:
            raise ClientRefused(f"service card {card.id!r} is disabled")
        _check_grants_fit_basis(card, grants, uris)
        if outside := scope_set - set(card.datasets):
            raise ClientRefused(
                f"scopes {sorted(outside)} are not datasets of service card {card.id!r}"
            )
        if not scope_set:
            scope_set = set(card.datasets)
    elif role == ROLE_AGENCY_ADMIN:
        if service_card_id is not None:
            raise ClientRefused("an agency admin client has no service card")
        if scope_set & DATA_SCOPES:
            raise ClientRefused("an agency admin client may not read citizen data")
        if other := scope_set - {AGENCY_ADMIN_SCOPE}:
            raise ClientRefused(f"unknown scopes {sorted(other)}")
        scope_set = {AGENCY_ADMIN_SCOPE}
    else:
        raise ClientRefused(f"unknown role {role!r}")

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
    if card.legal_basis == LegalBasis.STATUTE and set(grants) != {"client_credentials"}:
        raise ClientRefused(
            f"service card {card.id!r} reads under a statute: its client uses client_credentials"
        )
    if card.legal_basis == LegalBasis.CONSENT:
        if "authorization_code" not in grants or "client_credentials" in grants:
            raise ClientRefused(
                f"service card {card.id!r} reads under consent: its client uses "
                "authorization_code (and refresh_token), never client_credentials"
            )
        if not uris:
            raise ClientRefused("a consent-based service client must register its redirect URIs")


def _check_public_jwks(jwks: dict[str, Any] | None) -> None:
    if not jwks or not jwks.get("keys"):
        raise ClientRefused("a private_key_jwt client must register its public keys (jwks)")
    try:
        keys = registered_keys(jwks).keys
    except (JoseError, ValueError, TypeError, KeyError) as exc:
        raise ClientRefused(f"unreadable jwks: {exc}") from exc
    if any(key.is_private for key in keys):
        raise ClientRefused("jwks must hold public keys only")
