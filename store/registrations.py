"""The history of agency registrations (data sources, service cards): every change appends the
whole registration as it then stood, with who made it and when, so any version can be restored."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import RegistrationVersion


class RegistrationKind(StrEnum):
    DATA_SOURCE = "data_source"
    SERVICE_CARD = "service_card"
    SERVICE_CLIENT = "service_client"
    QUERY_SAFELIST = "query_safelist"  # a service client's persisted documents


class Action(StrEnum):
    REGISTERED = "registered"
    UPDATED = "updated"
    DISABLED = "disabled"
    ENABLED = "enabled"
    RESTORED = "restored"
    REMOVED = "removed"
    ROTATED = "rotated"  # a client's secret replaced (the history never holds the secret)


def not_owned(agency: str, what: str, object_id: str) -> str:
    """The refusal for an id `agency` does not own, whether another agency owns it or nobody
    does (a data source, service card or service client): one answer, so nobody learns which."""
    return f"agency {agency!r} has no {what} {object_id!r}"


def id_taken(what: str, object_id: str) -> str:
    """The refusal for registering under an id another agency holds (ids are shared)."""
    return f"the {what} id {object_id!r} is taken; choose another"


def new_version(
    *,
    kind: RegistrationKind,
    object_id: str,
    version: int,
    agency: str,
    action: Action,
    snapshot: dict[str, Any],
    changed_by: str,
    changed_at: datetime | None = None,
) -> RegistrationVersion:
    """One version of a registration, not yet added to any session."""
    return RegistrationVersion(
        kind=kind.value,
        object_id=object_id,
        version=version,
        agency_code=agency,
        action=action.value,
        snapshot=snapshot,
        changed_by=changed_by,
        changed_at=changed_at or datetime.now(UTC),
    )


async def record_version(session: AsyncSession, version: RegistrationVersion) -> None:
    """Append one version (from `new_version`) in the caller's transaction: the change and its
    history land together.

    The unique (kind, object_id, version) index makes two concurrent changes of one registration
    collide instead of both claiming the same version.
    """
    session.add(version)
    await session.flush()


_VERSION_COLUMNS = [c.key for c in RegistrationVersion.__table__.columns if c.key != "id"]


async def record_versions(session: AsyncSession, rows: Sequence[RegistrationVersion]) -> None:
    """Append many versions (from `new_version`) in one statement, in the caller's transaction:
    registering many objects at once (a demo world, a benchmark). Their ids are not read back."""
    if rows:
        values = [{key: getattr(row, key) for key in _VERSION_COLUMNS} for row in rows]
        await session.execute(insert(RegistrationVersion), values)


async def versions(
    session: AsyncSession, kind: RegistrationKind, object_id: str
) -> list[RegistrationVersion]:
    """Every version of one registration, newest first."""
    query = (
        select(RegistrationVersion)
        .where(RegistrationVersion.kind == kind.value, RegistrationVersion.object_id == object_id)
        .order_by(RegistrationVersion.version.desc())
    )
    return list((await session.scalars(query)).all())


async def version(
    session: AsyncSession, kind: RegistrationKind, object_id: str, number: int
) -> RegistrationVersion | None:
    query = select(RegistrationVersion).where(
        RegistrationVersion.kind == kind.value,
        RegistrationVersion.object_id == object_id,
        RegistrationVersion.version == number,
    )
    return (await session.scalars(query)).first()


async def latest_version(session: AsyncSession, kind: RegistrationKind, object_id: str) -> int:
    """The highest version recorded for one registration; 0 if none."""
    query = select(func.max(RegistrationVersion.version)).where(
        RegistrationVersion.kind == kind.value, RegistrationVersion.object_id == object_id
    )
    return int(await session.scalar(query) or 0)
