"""An agency admin's service clients: each is bound to one of the agency's service cards and may
ask for that card's datasets, no more."""

from __future__ import annotations

import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from auth.oauth.clients import ROLE_SERVICE
from auth.oauth.registration import create_client
from resolvers.agency import not_yours, require_agency_admin
from resolvers.context import RequestContext
from standard.errors import Refused
from store.db import transaction
from store.models import OAuthClient
from store.registrations import (
    Action,
    RegistrationKind,
    latest_version,
    new_version,
    record_version,
)


async def register(
    context: RequestContext, spec: dict[str, Any], *, cost_ceiling: int
) -> tuple[OAuthClient, str | None]:
    """Create the client; its secret is returned once and only its hash is kept. Its own query
    cost budget, if it has one, is at most `cost_ceiling`."""
    principal = require_agency_admin(context)
    budget = spec.get("query_cost_budget")
    if budget is not None and not 1 <= budget <= cost_ceiling:
        raise Refused([f"queryCostBudget must be 1..{cost_ceiling}, got {budget}"])
    card = spec["service_card"]
    client_id = spec.get("client_id") or f"{card}-{secrets.token_hex(4)}"
    graphql_limit, oauth_limit = spec.get("graphql_rate_limit"), spec.get("oauth_rate_limit")
    if context.rate_ceilings is not None and (
        problems := context.rate_ceilings.problems(graphql_limit, oauth_limit)
    ):
        raise Refused(problems, problems[0])
    try:
        async with transaction(context.sessions) as session:
            row, secret = await create_client(
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
                graphql_rate_limit=graphql_limit,
                oauth_rate_limit=oauth_limit,
            )
            row.query_cost_budget = budget
            await _record(session, row, Action.REGISTERED, principal.client_id)
            return row, secret
    except IntegrityError:  # the same client id registered at the same moment elsewhere
        raise Refused([f"client {client_id!r} already exists"]) from None


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
            raise not_yours(principal, "service client", client_id)
        if row.enabled:
            row.enabled = False
            await _record(session, row, Action.DISABLED, principal.client_id)
    return row


async def _record(session: AsyncSession, row: OAuthClient, action: Action, actor: str) -> None:
    """The client's registration history (its secret's hash is never part of it)."""
    kind = RegistrationKind.SERVICE_CLIENT
    await record_version(
        session,
        new_version(
            kind=kind,
            object_id=row.client_id,
            version=await latest_version(session, kind, row.client_id) + 1,
            agency=row.agency_code,
            action=action,
            snapshot={
                "name": row.name,
                "service_card": row.service_card_id,
                "scopes": list(row.scopes),
                "grant_types": list(row.grant_types),
                "redirect_uris": list(row.redirect_uris or []),
                "token_endpoint_auth_method": row.token_endpoint_auth_method,
                "require_par": row.require_par,
                "require_dpop": row.require_dpop,
                "graphql_rate_limit": row.graphql_rate_limit,
                "oauth_rate_limit": row.oauth_rate_limit,
                "query_cost_budget": row.query_cost_budget,
                "enabled": row.enabled,
            },
            changed_by=actor,
        ),
    )
