"""An agency admin's data-source registrations: list, register, update, test, disable, restore.

Every change goes through the live registry (validated, probed, stored with a new version), so a
refused registration changes nothing; the error names every problem.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from datasources.base import MappingError, RegistrationError, SourceError
from datasources.health_store import SourceHealthView
from datasources.registration_store import ReplacementRequired
from resolvers.agency import not_yours, require_agency_admin, require_agency_changer
from resolvers.context import RequestContext
from standard.errors import Refused
from store.models import DataSource, RegistrationVersion
from store.registrations import Action, RegistrationKind, version, versions

T = TypeVar("T")
logger = logging.getLogger(__name__)


async def refused_unless(operation: Callable[[], Awaitable[T]]) -> T:
    """Run a registration change. A mapping or registration the registry refuses is already a
    refusal naming its problems; a source whose probe fails refuses the registration too, in
    the words its agency may read; and so does a change that lost a race."""
    try:
        return await operation()
    except MappingError as error:
        raise Refused(error.problems, "the mapping does not fit the standard record") from None
    except SourceError as error:
        raise Refused([refusal_text(error)]) from None
    except IntegrityError:
        raise Refused(
            ["the registration changed at the same moment elsewhere; read it again and retry"]
        ) from None


def refusal_text(error: RegistrationError | SourceError) -> str:
    """What the agency is told: a policy or registration rule, or what the probe found wrong
    with its own mapping or answers, never how the source is reached (that is in the log)."""
    if isinstance(error, SourceError):
        logger.info("registration probe refused: %s", error)
        return error.for_agency
    return str(error)


def _shape_problems(registration: dict[str, Any]) -> list[str]:
    """JSON scalars accept anything; the registry needs objects."""
    return [
        f"{name} must be a JSON object"
        for name in ("connection", "mapping")
        if name in registration
        and registration[name] is not None
        and not isinstance(registration[name], dict)
    ]


async def list_sources(context: RequestContext) -> list[DataSource]:
    principal = require_agency_admin(context)
    async with context.sessions() as session:
        query = (
            select(DataSource)
            .where(DataSource.agency_code == principal.agency)
            .order_by(DataSource.id)
        )
        return list((await session.scalars(query)).all())


async def own_source(context: RequestContext, source_id: str) -> DataSource | None:
    """One of the admin's agency's sources; None if it has no such source."""
    principal = require_agency_admin(context)
    async with context.sessions() as session:
        row = await session.get(DataSource, source_id)
    return row if row is not None and row.agency_code == principal.agency else None


def not_served(context: RequestContext, source_id: str) -> str | None:
    """Why an enabled source of the admin's is not served (the policy rule it breaks)."""
    return context.registry.refusal(source_id)


async def health(context: RequestContext) -> dict[str, SourceHealthView]:
    """Every enabled source's health as all workers together see it (callers keep their own)."""
    require_agency_admin(context)
    return await context.registry.shared_health.views()


async def source_history(context: RequestContext, source_id: str) -> list[RegistrationVersion]:
    if await own_source(context, source_id) is None:
        return []
    async with context.sessions() as session:
        return await versions(session, RegistrationKind.DATA_SOURCE, source_id)


async def register(context: RequestContext, registration: dict[str, Any]) -> DataSource:
    principal = require_agency_changer(context)
    if problems := _shape_problems(registration):
        raise Refused(problems)
    await refused_unless(
        lambda: context.registry.register(
            **registration, agency=principal.agency, actor=principal.client_id
        )
    )
    return await _stored(context, registration["source_id"])


async def update(
    context: RequestContext,
    source_id: str,
    changes: dict[str, Any],
    action: Action = Action.UPDATED,
) -> DataSource:
    """Re-register with some parts changed (or none, to enable it again); the connection is kept
    unless a new one is given, so an agency never resends its credentials to change a mapping."""
    principal = require_agency_changer(context)
    if problems := _shape_problems(changes):
        raise Refused(problems)
    current = await own_source(context, source_id)
    if current is None:
        raise not_yours(principal, "data source", source_id)
    connection = changes.get("connection")
    if connection is None:
        connection = context.registry.open_connection(current.connection_sealed)
    await refused_unless(
        lambda: context.registry.register(
            source_id=source_id,
            agency=principal.agency,
            record_type=current.record_type,
            kind=changes.get("kind") or current.kind,
            connection=connection,
            mapping=changes.get("mapping") or current.mapping,
            timeout=changes.get("timeout") or current.timeout_seconds,
            replaces=changes.get("replaces"),
            actor=principal.client_id,
            action=action,
        )
    )
    return await _stored(context, source_id)


@dataclass(frozen=True, slots=True)
class DryRun:
    latency_ms: int | None  # the probe's, when it would be accepted
    problems: list[str]  # every reason it would be refused
    replaces: list[str]  # the agency's sources it would replace


async def test(context: RequestContext, registration: dict[str, Any]) -> DryRun:
    """Dry run: what `register` would say, storing nothing."""
    principal = require_agency_changer(context)
    if problems := _shape_problems(registration):
        return DryRun(None, problems, [])
    try:
        latency, replaces = await context.registry.test(**registration, agency=principal.agency)
    except MappingError as error:
        return DryRun(None, list(error.problems), [])
    except ReplacementRequired as error:
        return DryRun(None, [str(error)], list(error.serving))
    except (RegistrationError, SourceError) as error:
        return DryRun(None, [refusal_text(error)], [])
    return DryRun(latency, [], replaces)


async def disable(context: RequestContext, source_id: str) -> DataSource:
    principal = require_agency_changer(context)
    await refused_unless(
        lambda: context.registry.disable(
            source_id, agency=principal.agency, actor=principal.client_id
        )
    )
    return await _stored(context, source_id)


async def restore(
    context: RequestContext, source_id: str, number: int, replaces: str | None = None
) -> DataSource:
    """Register an earlier version again: checked and probed like any registration."""
    principal = require_agency_changer(context)
    if await own_source(context, source_id) is None:
        raise not_yours(principal, "data source", source_id)
    async with context.sessions() as session:
        earlier = await version(session, RegistrationKind.DATA_SOURCE, source_id, number)
    if earlier is None:
        raise Refused([f"data source {source_id!r} has no version {number}"])
    state = earlier.snapshot
    if not state.get("enabled", True):
        return await disable(context, source_id)
    await refused_unless(
        lambda: context.registry.register(
            source_id=source_id,
            agency=principal.agency,
            record_type=state["record_type"],
            kind=state["kind"],
            connection=context.registry.open_connection(state["connection_sealed"]),
            mapping=state["mapping"],
            timeout=state.get("timeout_seconds"),
            replaces=replaces,
            actor=principal.client_id,
            action=Action.RESTORED,
        )
    )
    return await _stored(context, source_id)


async def _stored(context: RequestContext, source_id: str) -> DataSource:
    async with context.sessions() as session:
        row: DataSource | None = await session.get(DataSource, source_id)
    assert row is not None  # just written by this request
    return row
