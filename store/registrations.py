"""The history of agency registrations (data sources, service cards): every change appends the
whole registration as it then stood, with who made it and when, so any version can be restored."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from store.models import RegistrationVersion


class RegistrationKind(StrEnum):
    DATA_SOURCE = "data_source"
    SERVICE_CARD = "service_card"
    SERVICE_CLIENT = "service_client"


class Action(StrEnum):
    REGISTERED = "registered"
    UPDATED = "updated"
    DISABLED = "disabled"
    ENABLED = "enabled"
    RESTORED = "restored"


async def record_version(
    session: AsyncSession,
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
    """Append one version in the caller's transaction: the change and its history land together.

    The unique (kind, object_id, version) index makes two concurrent changes of one registration
    collide instead of both claiming the same version.
    """
    row = RegistrationVersion(
        kind=kind.value,
        object_id=object_id,
        version=version,
        agency_code=agency,
        action=action.value,
        snapshot=snapshot,
        changed_by=changed_by,
        changed_at=changed_at or datetime.now(UTC),
    )
    session.add(row)
    await session.flush()
    return row


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
