"""An agency admin's service clients: each is bound to one of the agency's service cards and may
ask for that card's datasets, no more."""

from __future__ import annotations

import re
import secrets
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from auth.core.principal import Principal
from auth.oauth.clients import ROLE_SERVICE, hash_client_secret, new_client_secret
from auth.oauth.registration import create_client
from resolvers.agency import not_yours, require_agency_admin, require_agency_changer
from resolvers.context import RequestContext
from standard.errors import Refused
from store.db import transaction
from store.models import OAuthClient, RegistrationVersion
from store.registrations import (
    Action,
    RegistrationKind,
    latest_version,
    new_version,
    record_version,
    versions,
)

# A new client's id and name fit their columns; a client has a handful of redirect URIs.
CLIENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
MAX_NAME = 200
MAX_REDIRECT_URIS = 20
MAX_URI = 2000


def spec_problems(context: RequestContext, spec: dict[str, Any], *, cost_ceiling: int) -> list[str]:
    """What is wrong with a new client's own fields (its card and grants are the registration
    rules', auth.oauth.registration), all at once."""
    problems: list[str] = []
    client_id = spec.get("client_id")
    if client_id is not None and not CLIENT_ID.fullmatch(client_id):
        problems.append(
            "clientId: 1 to 64 of A-Z, a-z, 0-9, '.', '_' or '-', starting with a letter or digit"
        )
    name = spec.get("name") or ""
    if not name.strip() or len(name) > MAX_NAME:
        problems.append(f"name: 1 to {MAX_NAME} characters")
    uris = spec.get("redirect_uris") or []
    if len(uris) > MAX_REDIRECT_URIS or any(len(uri) > MAX_URI for uri in uris):
        problems.append(
            f"redirectUris: at most {MAX_REDIRECT_URIS}, each at most {MAX_URI} characters"
        )
    budget = spec.get("query_cost_budget")
    if budget is not None and not 1 <= budget <= cost_ceiling:
        problems.append(f"queryCostBudget must be 1..{cost_ceiling}, got {budget}")
    if context.rate_ceilings is not None:
        limits = spec.get("graphql_rate_limit"), spec.get("oauth_rate_limit")
        problems += context.rate_ceilings.problems(*limits)
    return problems


async def register(
    context: RequestContext, spec: dict[str, Any], *, cost_ceiling: int
) -> tuple[OAuthClient, str | None]:
    """Create the client; its secret is returned once and only its hash is kept. Its own query
    cost budget, if it has one, is at most `cost_ceiling`."""
    principal = require_agency_changer(context)
    if problems := spec_problems(context, spec, cost_ceiling=cost_ceiling):
        raise Refused(problems)
    budget = spec.get("query_cost_budget")
    card = spec["service_card"]
    # A generated id fits its column whatever the card's id.
    client_id = spec.get("client_id") or f"{card[:55]}-{secrets.token_hex(4)}"
    graphql_limit, oauth_limit = spec.get("graphql_rate_limit"), spec.get("oauth_rate_limit")
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


async def _own(session: AsyncSession, principal: Principal, client_id: str) -> OAuthClient:
    row = await session.get(OAuthClient, client_id)
    if row is None or row.agency_code != principal.agency or row.role != ROLE_SERVICE:
        raise not_yours(principal, "service client", client_id)
    return row


async def disable(context: RequestContext, client_id: str) -> OAuthClient:
    """The client gets no new tokens; tokens already issued expire within minutes."""
    return await set_enabled(context, client_id, False)


async def set_enabled(context: RequestContext, client_id: str, enabled: bool) -> OAuthClient:
    """Disable (no new tokens) or enable one of the agency's service clients, with history."""
    principal = require_agency_changer(context)
    async with transaction(context.sessions) as session:
        row = await _own(session, principal, client_id)
        if row.enabled != enabled:
            row.enabled = enabled
            action = Action.ENABLED if enabled else Action.DISABLED
            await _record(session, row, action, principal.client_id)
    return row


async def rotate_secret(context: RequestContext, client_id: str) -> tuple[OAuthClient, str]:
    """A new secret for a client that authenticates with one: returned once, only its hash
    kept; the old secret stops working at once (tokens already issued run out)."""
    principal = require_agency_changer(context)
    async with transaction(context.sessions) as session:
        row = await _own(session, principal, client_id)
        if row.client_secret_hash is None:
            raise Refused([f"client {client_id!r} proves itself with its keys, not a secret"])
        secret = new_client_secret()
        row.client_secret_hash = hash_client_secret(secret)
        await _record(session, row, Action.ROTATED, principal.client_id)
    return row, secret


async def client_history(context: RequestContext, client_id: str) -> list[RegistrationVersion]:
    """Every version of one of the agency's service clients, newest first."""
    principal = require_agency_admin(context)
    async with context.sessions() as session:
        await _own(session, principal, client_id)
        return await versions(session, RegistrationKind.SERVICE_CLIENT, client_id)


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
