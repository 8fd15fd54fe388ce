"""OAuth client registration: secrets and the rules binding a client to its agency and card."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable

from sqlalchemy.ext.asyncio import AsyncSession

from schema.datasets import AGENCY_ADMIN_SCOPE, DATA_SCOPES
from store.models import Agency, OAuthClient, ServiceCard

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
) -> tuple[OAuthClient, str]:
    """Register a confidential client; returns it with its secret, shown once and never stored."""
    scope_set = set(scopes)
    grants = list(dict.fromkeys(grant_types))
    if unknown := set(grants) - GRANT_TYPES:
        raise ValueError(f"unsupported grant types: {sorted(unknown)}")
    if await session.get(Agency, agency_code) is None:
        raise ValueError(f"unknown agency {agency_code!r}")
    if await session.get(OAuthClient, client_id) is not None:
        raise ValueError(f"client {client_id!r} already exists")

    if role == ROLE_SERVICE:
        if service_card_id is None:
            raise ValueError("a service client must name its service card")
        card = await session.get(ServiceCard, service_card_id)
        if card is None:
            raise ValueError(f"unknown service card {service_card_id!r}")
        if card.agency_code != agency_code:
            raise ValueError(f"service card {card.id!r} belongs to another agency")
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

    secret = new_client_secret()
    client = OAuthClient(
        client_id=client_id,
        client_secret_hash=hash_client_secret(secret),
        name=name,
        agency_code=agency_code,
        role=role,
        service_card_id=service_card_id,
        grant_types=grants,
        scopes=sorted(scope_set),
        token_endpoint_auth_method="client_secret_basic",
        redirect_uris=list(redirect_uris),
    )
    session.add(client)
    await session.flush()
    return client, secret
