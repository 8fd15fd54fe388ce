"""Citizens whose own access has ended (a registered death): the account's marker, consulted before
any login, consent or token request so the civil registry is not asked again."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.citizen_models import EndedCitizen


class EndReason(StrEnum):
    DECEASED = "DECEASED"


async def ended(
    sessions: async_sessionmaker[AsyncSession], national_ids: Collection[str]
) -> dict[str, EndReason]:
    """Which of these citizens' access has ended, and why."""
    if not national_ids:
        return {}
    async with sessions() as session:
        rows = await session.execute(
            select(EndedCitizen.national_id, EndedCitizen.reason).where(
                EndedCitizen.national_id.in_(set(national_ids))
            )
        )
        return {national_id: EndReason(reason) for national_id, reason in rows}


async def mark_ended(
    session: AsyncSession, national_id: str, reason: EndReason, now: datetime
) -> None:
    """Mark the account ended (once; in the caller's transaction)."""
    if await session.get(EndedCitizen, national_id) is None:
        session.add(EndedCitizen(national_id=national_id, reason=reason.value, ended_at=now))
        await session.flush()
