"""Changing service cards, on SQLite and PostgreSQL: every change a new version with its history
entry, nothing for a change that changes nothing, and nothing at all for a refused one."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services import card_registration as cards
from services.cards import CardDraft, CardInvalid
from store.db import transaction
from store.models import RegistrationVersion, ServiceCard
from store.registrations import Action, RegistrationKind, new_version, record_version
from tests.services.conftest import ADMIN, draft, register

State = tuple[dict[str, Any] | None, list[tuple[int, str]]]
Change = Callable[[AsyncSession, ServiceCard], Awaitable[ServiceCard]]


async def state(sessions: async_sessionmaker[AsyncSession], card_id: str) -> State:
    """(card snapshot or None, [(version, action)] newest first)."""
    async with sessions() as session:
        card = await session.get(ServiceCard, card_id)
        history = await cards.history(session, card_id)
        return (
            cards.snapshot(card) if card else None,
            [(row.version, row.action) for row in history],
        )


async def change(
    sessions: async_sessionmaker[AsyncSession], card_id: str, how: Change
) -> ServiceCard:
    async with transaction(sessions) as session:
        card = await cards.card_for_change(session, card_id)
        assert card is not None
        return await how(session, card)


async def test_register_update_disable_enable_restore(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    first = draft("passport-renew", "civil.identity", purpose_en="Renew a passport")
    async with transaction(sessions) as session:
        made = await cards.register(session, first, changed_by=ADMIN, existing=None)
    assert (made.version, made.enabled, made.updated_by) == (1, True, ADMIN)
    snapshot, history = await state(sessions, "passport-renew")
    assert history == [(1, "registered")]
    assert snapshot == {
        "id": "passport-renew", "agency": "civil", "name_fa": "خدمت passport-renew",
        "name_en": "Service passport-renew", "purpose_fa": "", "purpose_en": "Renew a passport",
        "datasets": ["civil.identity"], "legal_basis": "statute", "statute": "Some Act, article 1",
        "proactive": False, "life_event": None, "proactive_mode": None, "reference_date": None,
        "enabled": True, "version": 1,
    }  # fmt: skip

    second = draft("passport-renew", "civil.identity", "civil.address", name_en="Passport renewal")

    async def update(session: AsyncSession, card: ServiceCard) -> ServiceCard:
        return await cards.register(session, second, changed_by=ADMIN, existing=card)

    assert (await change(sessions, "passport-renew", update)).version == 2
    assert (await change(sessions, "passport-renew", update)).version == 2  # nothing changed

    async def disable(session: AsyncSession, card: ServiceCard) -> ServiceCard:
        return await cards.set_enabled(session, card, False, changed_by="other-admin")

    async def enable(session: AsyncSession, card: ServiceCard) -> ServiceCard:
        return await cards.set_enabled(session, card, True, changed_by=ADMIN)

    assert (await change(sessions, "passport-renew", disable)).version == 3
    assert (await change(sessions, "passport-renew", disable)).version == 3
    assert (await change(sessions, "passport-renew", enable)).version == 4

    async def restore_1(session: AsyncSession, card: ServiceCard) -> ServiceCard:
        return await cards.restore(session, card, 1, changed_by=ADMIN)

    restored = await change(sessions, "passport-renew", restore_1)
    assert (restored.version, restored.name_en, restored.datasets) == (
        5, "Service passport-renew", ["civil.identity"]
    )  # fmt: skip
    snapshot, history = await state(sessions, "passport-renew")
    assert history == [
        (5, "restored"), (4, "enabled"), (3, "disabled"), (2, "updated"), (1, "registered")
    ]  # fmt: skip
    assert snapshot is not None and snapshot["version"] == 5
    async with sessions() as session:
        rows = await cards.history(session, "passport-renew")
    assert rows[2].changed_by == "other-admin" and rows[2].snapshot["enabled"] is False
    assert rows[0].snapshot == snapshot  # each version holds the card as it then stood

    # Restoring a disabled version disables the card again.
    async def restore_3(session: AsyncSession, card: ServiceCard) -> ServiceCard:
        return await cards.restore(session, card, 3, changed_by=ADMIN)

    again = await change(sessions, "passport-renew", restore_3)
    assert (again.version, again.enabled, again.name_en) == (6, False, "Passport renewal")


async def test_a_refused_change_changes_nothing(sessions: async_sessionmaker[AsyncSession]) -> None:
    await register(sessions, draft("school", "civil.birth"))
    before = await state(sessions, "school")
    invalid = draft("school", "civil.dna", name_fa=" ", proactive=True)
    moved = draft("school", "civil.birth", agency="tax")

    for refused in (invalid, moved):

        async def update(
            session: AsyncSession, card: ServiceCard, refused: CardDraft = refused
        ) -> ServiceCard:
            return await cards.register(session, refused, changed_by=ADMIN, existing=card)

        with pytest.raises(CardInvalid):
            await change(sessions, "school", update)
        assert await state(sessions, "school") == before

    async def restore_9(session: AsyncSession, card: ServiceCard) -> ServiceCard:
        return await cards.restore(session, card, 9, changed_by=ADMIN)

    with pytest.raises(cards.VersionNotFound):
        await change(sessions, "school", restore_9)
    # A version that today's rules refuse (its life event is gone) is not restored.
    async with transaction(sessions) as session:
        assert before[0] is not None
        bad = {**before[0], "proactive": True, "life_event": "age.reached.99", "version": 7}
        await record_version(session, new_version(
            kind=RegistrationKind.SERVICE_CARD, object_id="school", version=7,
            agency="civil", action=Action.UPDATED, snapshot=bad, changed_by=ADMIN,
        ))  # fmt: skip

    async def restore_7(session: AsyncSession, card: ServiceCard) -> ServiceCard:
        return await cards.restore(session, card, 7, changed_by=ADMIN)

    with pytest.raises(CardInvalid, match=r"age\.reached\.99"):
        await change(sessions, "school", restore_7)
    snapshot, history = await state(sessions, "school")
    assert snapshot == before[0] and history == [(7, "updated"), *before[1]]

    # A new card refused: not there, and no history.
    with pytest.raises(CardInvalid):
        async with transaction(sessions) as session:
            await cards.register(session, draft("Bad Id", "civil.birth"), changed_by=ADMIN,
                                 existing=None)  # fmt: skip
    assert await state(sessions, "Bad Id") == (None, [])


async def test_register_missing_once(sessions: async_sessionmaker[AsyncSession]) -> None:
    drafts = [draft(f"card-{n}", "civil.birth") for n in range(30)]
    async with transaction(sessions) as session:
        assert len(await cards.register_missing(session, drafts, changed_by=ADMIN)) == 30
    async with transaction(sessions) as session:
        assert await cards.register_missing(session, drafts, changed_by=ADMIN) == []
    async with sessions() as session:
        versions = await session.scalar(select(func.count()).select_from(RegistrationVersion))
    assert versions == 30
    assert (await state(sessions, "card-7"))[1] == [(1, "registered")]
    with pytest.raises(CardInvalid):
        async with transaction(sessions) as session:
            await cards.register_missing(
                session, [draft("card-99", "civil.birth", agency="nowhere")], changed_by=ADMIN
            )
    assert await state(sessions, "card-99") == (None, [])
