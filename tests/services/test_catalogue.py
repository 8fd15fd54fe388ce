"""The catalogue's snapshot of the cards: merging changed cards into one gives what reading every
card anew gives (the cards in order, their sets of datasets, the tallies per agency), and the
fingerprint worked out from the cards is the one the store reads for them."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.catalogue import Card, Snapshot, card_of, fingerprint, fingerprint_of
from store.models import ServiceCard
from tests.services.conftest import draft, register

START = datetime(2026, 3, 21, tzinfo=UTC)
NAMES = {"civil": ("ثبت احوال", "Civil registry"), "tax": ("مالیات", "Tax")}


def card(card_id: str, *datasets: str, minute: int = 0, **changes: Any) -> Card:
    made = asdict(draft(card_id, *datasets, agency=changes.pop("agency", "civil")))
    fields = made | {"datasets": tuple(datasets), "enabled": True, "version": 1,
                     "updated_at": START + timedelta(minutes=minute)}  # fmt: skip
    return Card(**(fields | changes))


def seen(snapshot: Snapshot) -> dict[str, Any]:
    """What a snapshot says, whatever index each set of datasets got."""
    need_of = {index: need for need, index in snapshot.needs.items()}
    return {
        "cards": snapshot.cards,
        "needs": {card_id: need_of[index] for card_id, index in snapshot.need_by_id.items()},
        "tally": {(need_of[n], agency): count for (n, agency), count in snapshot.tally.items()},
        "proactive": {
            (need_of[n], agency): count for (n, agency), count in snapshot.proactive.items()
        },
        "latest": snapshot.latest,
        "by_id": snapshot.by_id,
    }


BEFORE = [
    card("a-birth", "civil.birth"),
    card("b-tax", "tax.status", agency="tax", proactive=True),
    card("c-deeds", "civil.identity", "property.deeds", minute=1),
    card("d-off", "civil.identity", enabled=False, minute=2),
]


def test_merging_changed_cards_gives_what_reading_them_all_does() -> None:
    changes = [
        card("a-birth", "property.deeds", version=2, minute=5),  # another set of datasets
        card("b-tax", "tax.status", agency="tax", enabled=False, version=2, minute=5),
        card("d-off", "civil.identity", version=2, minute=6),  # enabled again
        card("aa-new", "civil.birth", proactive=True, minute=6),  # a new card, placed by id
    ]
    old = Snapshot.of((), BEFORE, NAMES)
    merged = old.changed(changes, ("new",), NAMES)
    after = {c.id: c for c in BEFORE} | {c.id: c for c in changes}
    assert seen(merged) == seen(Snapshot.of(("new",), after.values(), NAMES))
    assert [c.id for c in merged.cards] == ["a-birth", "aa-new", "b-tax", "c-deeds", "d-off"]
    assert merged.fingerprint == ("new",) and merged.latest == START + timedelta(minutes=6)
    # No tally is left at zero: an agency without enabled cards is not listed.
    assert ("tax.status",) not in {need for need, _ in seen(merged)["tally"]}
    assert seen(old) == seen(Snapshot.of((), BEFORE, NAMES))  # the old snapshot is untouched


def test_a_snapshot_with_no_cards_takes_changes() -> None:
    merged = Snapshot.of((), [], NAMES).changed(BEFORE, ("x",), NAMES)
    assert seen(merged) == seen(Snapshot.of(("x",), BEFORE, NAMES))


async def test_the_fingerprint_of_the_cards_is_the_stores(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        assert await fingerprint(session) == fingerprint_of([], 2)
    await register(sessions, draft("x-one", "civil.birth"), draft("x-two", "tax.status"))
    async with sessions() as session:
        stored = await fingerprint(session)
        cards = [card_of(row) for row in await session.scalars(select(ServiceCard))]
    assert stored == fingerprint_of(cards, 2)
