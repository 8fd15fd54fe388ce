"""Changing service cards: register (create or update), disable, enable, restore a version.

Each change is validated, bumps the card's version and appends that version to the registration
history (`store.registrations`), all in the caller's transaction: a refused change leaves nothing
behind. A change that changes nothing is no new version. Who may change which card is the
caller's decision (an agency admin, only its own agency's cards).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.cards import CONTENT, CardDraft, CardInvalid, Problem, check
from standard.errors import Refused
from store.db import aware
from store.models import Agency, RegistrationVersion, ServiceCard
from store.registrations import (
    Action,
    RegistrationKind,
    new_version,
    record_version,
    record_versions,
    version,
    versions,
)

KIND = RegistrationKind.SERVICE_CARD


class VersionNotFound(Refused):
    """The card has no such version."""

    def __init__(self, message: str) -> None:
        super().__init__([message])


@dataclass(frozen=True, slots=True)
class CardVersion:
    """One version of a service card's history: the change, and the card it left."""

    version: int
    action: Action
    changed_by: str
    changed_at: datetime
    card: CardDraft
    enabled: bool


def draft_of(card: ServiceCard) -> CardDraft:
    return CardDraft.of(card.id, card.agency_code, {name: getattr(card, name) for name in CONTENT})


def snapshot(card: ServiceCard) -> dict[str, Any]:
    """The whole card as it stands, for its history."""
    return {
        "id": card.id,
        "agency": card.agency_code,
        **draft_of(card).content(),
        "enabled": card.enabled,
        "version": card.version,
    }


def draft_from_snapshot(saved: dict[str, Any]) -> CardDraft:
    return CardDraft.of(saved["id"], saved["agency"], saved)


def version_of(row: RegistrationVersion) -> CardVersion:
    saved = row.snapshot
    return CardVersion(
        version=row.version,
        action=Action(row.action),
        changed_by=row.changed_by,
        changed_at=aware(row.changed_at),
        card=draft_from_snapshot(saved),
        enabled=bool(saved.get("enabled", True)),
    )


async def card_for_change(session: AsyncSession, card_id: str) -> ServiceCard | None:
    """The card, locked against concurrent changes until the transaction ends (PostgreSQL; on
    SQLite the writer's lock does the same)."""
    query = select(ServiceCard).where(ServiceCard.id == card_id).with_for_update()
    return (await session.scalars(query)).first()


async def _agencies(session: AsyncSession, code: str) -> set[str]:
    return {code} if await session.get(Agency, code) is not None else set()


def _apply(card: ServiceCard, draft: CardDraft) -> None:
    for name, value in draft.content().items():
        setattr(card, name, value)


def _stamp(card: ServiceCard, action: Action, changed_by: str) -> dict[str, Any]:
    """Mark the card changed now by `changed_by`; what its new version in the history says."""
    card.updated_by = changed_by
    card.updated_at = datetime.now(UTC)
    return {
        "kind": KIND,
        "object_id": card.id,
        "version": card.version,
        "agency": card.agency_code,
        "action": action,
        "snapshot": snapshot(card),
        "changed_by": changed_by,
        "changed_at": card.updated_at,
    }


async def _commit_version(
    session: AsyncSession, card: ServiceCard, action: Action, changed_by: str
) -> ServiceCard:
    await record_version(session, new_version(**_stamp(card, action, changed_by)))
    return card


async def register(
    session: AsyncSession, draft: CardDraft, *, changed_by: str, existing: ServiceCard | None
) -> ServiceCard:
    """Create the card, or update `existing` (the same card, from `card_for_change`) to `draft`.

    Raises CardInvalid naming every problem. A new card starts enabled at version 1; an update
    keeps the card enabled or disabled as it was.
    """
    cleaned = check(draft, agencies=await _agencies(session, draft.agency))
    if existing is None:
        card = ServiceCard(id=cleaned.id, agency_code=cleaned.agency, enabled=True, version=1)
        _apply(card, cleaned)
        session.add(card)
        return await _commit_version(session, card, Action.REGISTERED, changed_by)
    if existing.agency_code != cleaned.agency:
        raise CardInvalid(cleaned.id, [Problem("agency", "a card stays with the agency it has")])
    if draft_of(existing) == cleaned:
        return existing
    _apply(existing, cleaned)
    existing.version += 1
    return await _commit_version(session, existing, Action.UPDATED, changed_by)


async def set_enabled(
    session: AsyncSession, card: ServiceCard, enabled: bool, *, changed_by: str
) -> ServiceCard:
    """Enable or disable the card (from `card_for_change`); a disabled card is out of the
    catalogue's lists and coverage. Doing it twice is one change."""
    if card.enabled == enabled:
        return card
    card.enabled = enabled
    card.version += 1
    action = Action.ENABLED if enabled else Action.DISABLED
    return await _commit_version(session, card, action, changed_by)


async def restore(
    session: AsyncSession, card: ServiceCard, number: int, *, changed_by: str
) -> ServiceCard:
    """Make the card (from `card_for_change`) again what it was at version `number`, enabled
    or not, as a new version. The old version is checked against today's rules first.

    Raises VersionNotFound, or CardInvalid if that version would not be valid today.
    """
    found = await version(session, KIND, card.id, number)
    if found is None:
        raise VersionNotFound(f"service card {card.id!r} has no version {number}")
    saved = found.snapshot
    draft = check(draft_from_snapshot(saved), agencies=await _agencies(session, card.agency_code))
    enabled = bool(saved.get("enabled", True))
    if draft_of(card) == draft and card.enabled == enabled:
        return card
    _apply(card, draft)
    card.enabled = enabled
    card.version += 1
    return await _commit_version(session, card, Action.RESTORED, changed_by)


async def history(session: AsyncSession, card_id: str) -> list[RegistrationVersion]:
    """Every version of the card, newest first (`version_of` reads one)."""
    return await versions(session, KIND, card_id)


async def register_missing(
    session: AsyncSession, drafts: Sequence[CardDraft], *, changed_by: str
) -> list[str]:
    """Register each card not registered yet, all validated and versioned, in two bulk inserts
    (the demo world and the bench do this); cards already there are left as they are. Returns
    the ids registered."""
    wanted = [draft.id for draft in drafts]
    present: set[str] = set()
    for start in range(0, len(wanted), 500):  # keep IN lists short
        chunk = wanted[start : start + 500]
        found = await session.scalars(select(ServiceCard.id).where(ServiceCard.id.in_(chunk)))
        present |= set(found)
    known = set(await session.scalars(select(Agency.code)))
    added: list[ServiceCard] = []
    history: list[RegistrationVersion] = []
    for draft in drafts:
        if draft.id in present:
            continue
        cleaned = check(draft, agencies=known)
        card = ServiceCard(id=cleaned.id, agency_code=cleaned.agency, enabled=True, version=1)
        _apply(card, cleaned)
        history.append(new_version(**_stamp(card, Action.REGISTERED, changed_by)))
        session.add(card)
        present.add(card.id)
        added.append(card)
    await session.flush()
    await record_versions(session, history)
    return [card.id for card in added]
