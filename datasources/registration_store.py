"""How a data-source registration is written: the row, a new version, and its history entry, in
the caller's transaction. A change and its history land together or not at all."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from datasources.base import RegistrationError
from store.models import Agency, DataSource
from store.registrations import (
    Action,
    RegistrationKind,
    id_taken,
    new_version,
    not_owned,
    record_version,
)

SYSTEM_ACTOR = "darvazeh"  # changes made by the gateway's own set-up (the demo seed)
MAX_ID_CHARS = 64  # data_sources.id


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


class ReplacementRequired(RegistrationError):
    """Another of the agency's sources serves the record type; replacing it must be asked for."""

    def __init__(self, record_type: str, serving: list[str]) -> None:
        names = ", ".join(repr(source) for source in serving)
        super().__init__(
            f"{record_type} records are served today by data source {names}; to replace it, "
            f"name it in `replaces` ({serving[0]!r})"
        )
        self.serving = serving


def no_such_source(agency: str, source_id: str) -> RegistrationError:
    """The one refusal for a source id the agency does not own, whether another agency owns it or
    nobody does: the answer never tells the two apart."""
    return RegistrationError(not_owned(agency, "data source", source_id))


async def check_agency(session: AsyncSession, agency: str) -> None:
    if await session.get(Agency, agency) is None:
        raise RegistrationError(f"unknown agency {agency!r}")


async def check_registration(
    session: AsyncSession,
    source_id: str,
    agency: str,
    record_type: str,
    replaces: str | None = None,
) -> list[str]:
    """May `agency` serve `record_type` from `source_id`? The ids of the sources it would replace
    (those `replaces` names); RegistrationError otherwise.

    An agency registers only under ids no other agency holds, only record types no other agency
    serves, and replaces one of its own sources only when it says so.
    """
    await check_agency(session, agency)
    existing = await session.get(DataSource, source_id)
    if existing is not None and existing.agency_code != agency:
        raise RegistrationError(id_taken("data source", source_id))
    if replaces is not None and not 0 < len(replaces) <= MAX_ID_CHARS:
        raise RegistrationError(f"`replaces` is a source id of 1 to {MAX_ID_CHARS} characters")
    if replaces == source_id:
        raise RegistrationError("a source does not replace itself: leave `replaces` out")
    serving = (
        await session.execute(
            select(DataSource.id, DataSource.agency_code)
            .where(
                DataSource.record_type == record_type,
                DataSource.enabled,
                DataSource.id != source_id,
            )
            .order_by(DataSource.id)
        )
    ).all()
    if any(owner != agency for _, owner in serving):
        raise RegistrationError(f"{record_type} records are served by another agency's source")
    ours = [source for source, _ in serving]
    if ours and replaces is None:
        raise ReplacementRequired(record_type, ours)
    if replaces is not None and replaces not in ours:
        today = ", ".join(repr(source) for source in ours) or "no other source"
        raise RegistrationError(
            f"`replaces` names {replaces!r}, but {record_type} records are served today by {today}"
        )
    return ours


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
    session: AsyncSession,
    stored: StoredRegistration,
    *,
    actor: str,
    action: Action | None,
    replaces: str | None = None,
) -> datetime:
    """Create or replace the registration (enabled), and disable the source it replaces: one
    source per record type. Checked again here, in the writing transaction. Returns the new
    updated_at."""
    replaced = await check_registration(
        session, stored.source_id, stored.agency, stored.record_type, replaces
    )
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
    for source_id in replaced:
        other = await session.get(DataSource, source_id)
        if other is not None:
            other.enabled = False
            await _new_version(session, other, actor, Action.DISABLED)
    return row.updated_at


async def write_disabled(
    session: AsyncSession, source_id: str, *, agency: str, actor: str
) -> DataSource:
    """Disable one of the agency's sources (already disabled: nothing changes)."""
    row = await session.get(DataSource, source_id)
    if row is None or row.agency_code != agency:
        raise no_such_source(agency, source_id)
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
