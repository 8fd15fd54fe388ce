"""An agency admin's service clients: each is bound to one of the agency's service cards and may
ask for that card's datasets, no more."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select

from auth.clients import ROLE_SERVICE, create_client
from resolvers.agency import require_agency_admin
from resolvers.context import RequestContext
from resolvers.errors import ErrorCode, field_error
from store.db import transaction
from store.models import OAuthClient


async def register(context: RequestContext, spec: dict[str, Any]) -> tuple[OAuthClient, str | None]:
    """Create the client; its secret is returned once and only its hash is kept."""
    principal = require_agency_admin(context)
    card = spec["service_card"]
    client_id = spec.get("client_id") or f"{card}-{secrets.token_hex(4)}"
    try:
        async with transaction(context.sessions) as session:
            return await create_client(
                session,
                client_id=client_id,
                name=spec["name"],
                agency_code=principal.agency,
                role=ROLE_SERVICE,
                scopes=spec.get("scopes") or [],
                grant_types=spec["grant_types"],
                service_card_id=card,
                redirect_uris=spec.get("redirect_uris") or [],
                token_endpoint_auth_method=spec["token_endpoint_auth_method"],
                jwks=spec.get("jwks"),
                require_par=spec.get("require_par", False),
                require_dpop=spec.get("require_dpop", False),
            )
    except ValueError as error:
        raise field_error(
            ErrorCode.REGISTRATION_REFUSED, str(error), problems=[str(error)]
        ) from None


async def list_clients(context: RequestContext) -> list[OAuthClient]:
    principal = require_agency_admin(context)
    async with context.sessions() as session:
        query = (
            select(OAuthClient)
            .where(OAuthClient.agency_code == principal.agency, OAuthClient.role == ROLE_SERVICE)
            .order_by(OAuthClient.client_id)
        )
        return list((await session.scalars(query)).all())


async def disable(context: RequestContext, client_id: str) -> OAuthClient:
    """The client gets no new tokens; tokens already issued expire within minutes."""
    principal = require_agency_admin(context)
    async with transaction(context.sessions) as session:
        row = await session.get(OAuthClient, client_id)
        if row is None or row.agency_code != principal.agency or row.role != ROLE_SERVICE:
            message = f"agency {principal.agency!r} has no service client {client_id!r}"
            raise field_error(ErrorCode.REGISTRATION_REFUSED, message, problems=[message])
        row.enabled = False
    return row
