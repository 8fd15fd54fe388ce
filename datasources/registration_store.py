"""How a data-source registration is written: the row, a new version, and its history entry, in
the caller's transaction. A change and its history land together or not at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.connections import RegistrationError
from store.models import Agency, DataSource
from store.registrations import Action, RegistrationKind, new_version, record_version

SYSTEM_ACTOR = "darvazeh"  # changes made by the gateway's own set-up (the demo seed)


@dataclass(frozen=True, slots=True)
class StoredRegistration:
    source_id: str
    agency: str
    record_type: str
    kind: str
    connection_sealed: str
    connection_display: str
    mapping: dict[str, Any]
    timeout_seconds: float | None


def snapshot(row: DataSource) -> dict[str, Any]:
    """The registration as it stands, for its version history (the connection stays sealed)."""
    return {
        "record_type": row.record_type,
        "kind": row.kind,
        "connection_sealed": row.connection_sealed,
        "connection_display": row.connection_display,
        "mapping": row.mapping,
        "timeout_seconds": row.timeout_seconds,
        "enabled": row.enabled,
    }


async def check_ownership(
    session: AsyncSession, source_id: str, agency: str, record_type: str
) -> None:
    """An agency registers only under its own ids, and only record types no other agency
    serves; raises RegistrationError otherwise."""
    if await session.get(Agency, agency) is None:
        raise RegistrationError(f"unknown agency {agency!r}")
    existing = await session.get(DataSource, source_id)
    if existing is not None and existing.agency_code != agency:
        raise RegistrationError(f"source {source_id!r} belongs to another agency")
    owners = await session.scalars(
        select(DataSource.agency_code).where(
            DataSource.record_type == record_type,
            DataSource.enabled,
            DataSource.id != source_id,
        )
    )
    if any(owner != agency for owner in owners):
        raise RegistrationError(f"{record_type} records are served by another agency's source")


def unchanged(
    row: DataSource,
    stored: StoredRegistration,
    connection: dict[str, Any],
    row_connection: dict[str, Any],
) -> bool:
    """Would storing `stored` change nothing? (Sealing is randomised, so connections are
    compared opened.)"""
    return (
        row.enabled
        and (row.agency_code, row.record_type, row.kind, row.timeout_seconds)
        == (stored.agency, stored.record_type, stored.kind, stored.timeout_seconds)
        and row.mapping == stored.mapping
        and row_connection == connection
    )


async def write_registration(
    session: AsyncSession, stored: StoredRegistration, *, actor: str, action: Action | None
) -> datetime:
    """Create or replace the registration (enabled), and disable the agency's earlier source
    for the same record type: one source per record type. Returns the new updated_at."""
    row = await session.get(DataSource, stored.source_id)
    if row is None:
        row = DataSource(id=stored.source_id, version=0)
        session.add(row)
        action = action or Action.REGISTERED
    row.agency_code = stored.agency
    row.record_type = stored.record_type
    row.kind = stored.kind
    row.connection_sealed = stored.connection_sealed
    row.connection_display = stored.connection_display
    row.mapping = stored.mapping
    row.enabled = True
    row.timeout_seconds = stored.timeout_seconds
    await _new_version(session, row, actor, action or Action.UPDATED)
    others = await session.scalars(
        select(DataSource).where(
            DataSource.record_type == stored.record_type,
            DataSource.enabled,
            DataSource.id != stored.source_id,
        )
    )
    for other in others:
        other.enabled = False
        await _new_version(session, other, actor, Action.DISABLED)
    return row.updated_at


async def write_disabled(
    session: AsyncSession, source_id: str, *, agency: str, actor: str
) -> DataSource:
    """Disable one of the agency's sources (already disabled: nothing changes)."""
    row = await session.get(DataSource, source_id)
    if row is None or row.agency_code != agency:
        raise RegistrationError(f"agency {agency!r} has no data source {source_id!r}")
    if row.enabled:
        row.enabled = False
        await _new_version(session, row, actor, Action.DISABLED)
    return row


async def _new_version(session: AsyncSession, row: DataSource, actor: str, action: Action) -> None:
    row.version = (row.version or 0) + 1
    row.updated_by = actor
    row.updated_at = datetime.now(UTC)
    await record_version(
        session,
        new_version(
            kind=RegistrationKind.DATA_SOURCE,
            object_id=row.id,
            version=row.version,
            agency=row.agency_code,
            action=action,
            snapshot=snapshot(row),
            changed_by=actor,
            changed_at=row.updated_at,
        ),
    )
