"""An agency admin's safelists: the documents each of its service clients may run in production,
each named by the SHA-256 of its text. Every change is versioned like other registrations."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping

from graphql import GraphQLError, GraphQLSchema, parse, validate
from sqlalchemy.ext.asyncio import AsyncSession

from auth.core.principal import Principal
from auth.oauth.clients import ROLE_SERVICE
from resolvers.agency import require_agency_admin, require_agency_changer
from resolvers.context import RequestContext
from standard.errors import DarvazehError, ErrorCode, Refused
from store.db import transaction
from store.limit_models import PersistedQuery
from store.models import OAuthClient, RegistrationVersion
from store.persisted_queries import (
    SafelistBounds,
    count_for,
    document_hash,
    hashes_of,
    is_hash,
    listed,
    remove,
)
from store.registrations import (
    Action,
    RegistrationKind,
    latest_version,
    new_version,
    record_version,
    versions,
)

MAX_CLIENT_ID = 64
MAX_NAME = 100
# A safelisted document is parsed once, at registration; this bounds what the parser may do.
MAX_TOKENS = 5000


def _bounds(context: RequestContext) -> SafelistBounds:
    bounds: SafelistBounds | None = context.safelist_bounds
    if bounds is None:
        raise RuntimeError("the request context carries no safelist bounds")
    return bounds


async def _own_client(
    session: AsyncSession, principal: Principal, client_id: str, *, lock: bool = False
) -> OAuthClient:
    """One of the asking agency's service clients; refused alike when it is another's or none."""
    row = None
    if len(client_id) <= MAX_CLIENT_ID:
        row = await session.get(OAuthClient, client_id, with_for_update=lock)
    if row is None or row.agency_code != principal.agency or row.role != ROLE_SERVICE:
        raise Refused([f"agency {principal.agency!r} has no service client {client_id[:64]!r}"])
    return row


def _problems(schema: GraphQLSchema, document: str) -> list[str]:
    """Why the document could never run; empty when it is a valid document of the schema."""
    try:
        parsed = parse(document, max_tokens=MAX_TOKENS)
    except GraphQLError as error:
        return [f"not a GraphQL document: {error.message}"]
    return [error.message for error in validate(schema, parsed)]


async def register(
    context: RequestContext,
    schema: GraphQLSchema,
    client_id: str,
    document: str,
    name: str | None,
) -> PersistedQuery:
    """Safelist `document` for the client (again: nothing changes)."""
    principal = require_agency_changer(context)
    bounds = _bounds(context)
    size = len(document.encode())
    if size > bounds.max_bytes:
        raise Refused([f"the document has {size} bytes; at most {bounds.max_bytes} are allowed"])
    if name is not None and len(name) > MAX_NAME:
        raise Refused([f"a document's name has at most {MAX_NAME} characters"])
    if problems := await asyncio.to_thread(_problems, schema, document):
        raise Refused(problems[:20], "the document is not valid against the schema")
    sha256 = document_hash(document)
    async with transaction(context.sessions) as session:
        # Locked, so two registrations at once cannot both take the last free place.
        row = await _own_client(session, principal, client_id, lock=True)
        existing = await session.get(PersistedQuery, (row.client_id, sha256))
        if existing is not None:
            return existing
        if await count_for(session, row.client_id) >= bounds.max_documents:
            raise Refused(
                [f"client {client_id!r} already has {bounds.max_documents} safelisted documents"]
            )
        added = PersistedQuery(
            client_id=row.client_id,
            sha256=sha256,
            document=document,
            name=name,
            created_by=principal.client_id,
        )
        session.add(added)
        await session.flush()
        snapshot = {"added": {"sha256": sha256, "name": name, "document": document}}
        await _record(session, row, Action.REGISTERED, principal.client_id, snapshot)
    return added


async def list_documents(context: RequestContext, client_id: str) -> list[PersistedQuery]:
    principal = require_agency_admin(context)
    async with context.sessions() as session:
        row = await _own_client(session, principal, client_id)
        return await listed(session, row.client_id)


async def remove_document(context: RequestContext, client_id: str, sha256: str) -> bool:
    """Take a document off the client's safelist; every worker stops answering it within its
    cache's few seconds."""
    principal = require_agency_changer(context)
    if not is_hash(sha256):
        raise DarvazehError(
            "sha256 is 64 lowercase hexadecimal digits", code=ErrorCode.BAD_USER_INPUT
        )
    async with transaction(context.sessions) as session:
        row = await _own_client(session, principal, client_id, lock=True)
        if not await remove(session, row.client_id, sha256):
            raise Refused([f"client {client_id!r} has no safelisted document {sha256}"])
        await _record(session, row, Action.REMOVED, principal.client_id, {"removed": sha256})
    return True


async def history(context: RequestContext, client_id: str) -> list[RegistrationVersion]:
    """Every change of the client's safelist, newest first."""
    principal = require_agency_admin(context)
    async with context.sessions() as session:
        row = await _own_client(session, principal, client_id)
        return await versions(session, RegistrationKind.QUERY_SAFELIST, row.client_id)


async def _record(
    session: AsyncSession,
    row: OAuthClient,
    action: Action,
    actor: str,
    change: Mapping[str, object],
) -> None:
    """The safelist as it stands after the change (its hashes), and the change itself: every
    document ever listed is in the version that added it, so any version can be rebuilt."""
    kind = RegistrationKind.QUERY_SAFELIST
    snapshot = {"hashes": await hashes_of(session, row.client_id), **change}
    await record_version(
        session,
        new_version(
            kind=kind,
            object_id=row.client_id,
            version=await latest_version(session, kind, row.client_id) + 1,
            agency=row.agency_code,
            action=action,
            snapshot=snapshot,
            changed_by=actor,
        ),
    )
