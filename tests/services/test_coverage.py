"""Coverage: which cards are connected and why not, overall and per agency, on SQLite and
PostgreSQL; pages of cards; the per-worker cache of cards and what it notices."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from schema.records import RECORDS, record_specs
from services import card_registration
from services.catalogue import Card, CatalogueCache, Coverage, catalogue_view, page
from services.coverage import (
    MissingReason,
    SourceStatus,
    gaps_by_dataset,
    missing_for,
    served_by,
    source_statuses,
    source_views,
)
from standard.errors import DarvazehError, ErrorCode
from store.db import create_engine, sessionmaker, transaction
from tests.services.conftest import (
    SOURCES,
    draft,
    health,
    register,
    set_probe,
    set_source_enabled,
)

# Eight cards over the standard and a planned dataset, in two agencies.
CARDS = [
    draft("birth-a", "civil.birth"),
    draft("birth-b", "civil.birth", "civil.family"),
    draft("identity-a", "civil.identity"),
    draft("identity-b", "civil.identity", "civil.address"),
    draft("tax-a", "tax.status", agency="tax"),
    draft("tax-b", "tax.status", "civil.identity", agency="tax"),
    draft("deeds-a", "civil.identity", "property.deeds", agency="tax"),
    draft("school-a", "education.enrollment", "social.coverage"),
]


# Which record types serve each dataset, from the standard records as the schema declares them.
SERVED = served_by(record_specs().values())


def ids(cards: list[Card]) -> list[str]:
    return [card.id for card in cards]


def test_datasets_are_served_by_the_record_types_with_fields_in_them() -> None:
    assert SERVED["civil.identity"] == ("identity", "death")
    assert SERVED["civil.birth"] == ("birth",)
    assert SERVED["civil.family"] == ("birth",)
    assert SERVED["tax.status"] == ("taxStatus",)
    specs = [r.SPEC for r in RECORDS]
    derived = {
        dataset.value: {s.record_type for s in specs if dataset in s.datasets}
        for s in specs
        for dataset in s.datasets
    }
    assert {dataset: set(types) for dataset, types in SERVED.items()} == derived


def test_a_degraded_source_still_connects_unknown_and_down_do_not() -> None:
    for status, connected in [
        (SourceStatus.HEALTHY, True),
        (SourceStatus.DEGRADED, True),
        (SourceStatus.DOWN, False),
        (SourceStatus.UNKNOWN, False),
    ]:
        sources = source_views([("tax-1", "taxStatus")], {"tax-1": status})
        gaps = gaps_by_dataset(["tax.status"], sources, SERVED)["tax.status"]
        assert (not gaps) is connected, status
        if not connected:
            assert gaps[0].reason is MissingReason.UNHEALTHY
            assert gaps[0].detail == f"the source of taxStatus records: tax-1 is {status}"


async def test_connected_when_every_dataset_has_a_healthy_source(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await register(sessions, *CARDS)
    view = await catalogue_view(sessions, health(sessions), SERVED)
    assert ids(view.cards(connected=False)) == ["deeds-a"]
    deeds = view.card("deeds-a")
    assert deeds is not None
    (gap,) = view.missing(deeds)
    assert (gap.dataset, gap.reason) == ("property.deeds", MissingReason.NOT_IN_STANDARD)
    assert "planned" in gap.detail
    assert view.coverage() == Coverage(7, 8)
    assert view.coverage().share == pytest.approx(7 / 8)


async def test_a_disabled_source_unconnects_exactly_the_cards_needing_its_datasets(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await register(sessions, *CARDS)
    await set_source_enabled(sessions, SOURCES["death"], False)
    view = await catalogue_view(sessions, health(sessions), SERVED)
    # Death records carry civil.identity fields: every card needing civil.identity is out.
    assert ids(view.cards(connected=False)) == ["deeds-a", "identity-a", "identity-b", "tax-b"]
    identity = view.card("identity-b")
    assert identity is not None
    (gap,) = view.missing(identity)
    assert (gap.dataset, gap.reason) == ("civil.identity", MissingReason.NO_SOURCE)
    assert gap.detail == "no enabled data source serves death records"
    deeds = view.card("deeds-a")
    assert deeds is not None
    assert [g.reason for g in view.missing(deeds)] == [
        MissingReason.NOT_IN_STANDARD if g.dataset == "property.deeds" else MissingReason.NO_SOURCE
        for g in view.missing(deeds)
    ]
    assert {g.dataset for g in view.missing(deeds)} == {"civil.identity", "property.deeds"}
    await set_source_enabled(sessions, SOURCES["death"], True)
    assert ids(
        (await catalogue_view(sessions, health(sessions), SERVED)).cards(connected=False)
    ) == ["deeds-a"]


async def test_an_unhealthy_source_is_named_with_its_status(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await register(sessions, *CARDS)
    await set_probe(sessions, SOURCES["taxStatus"], ok=False)
    await set_probe(sessions, SOURCES["birth"], ok=None)  # never probed
    assert (await source_statuses(health(sessions)))[SOURCES["taxStatus"]] == SourceStatus.DOWN
    assert (await source_statuses(health(sessions)))[SOURCES["birth"]] == SourceStatus.UNKNOWN
    view = await catalogue_view(sessions, health(sessions), SERVED)
    assert ids(view.cards(connected=False)) == ["birth-a", "birth-b", "deeds-a", "tax-a", "tax-b"]
    tax = view.card("tax-a")
    birth = view.card("birth-b")
    assert tax is not None and birth is not None
    assert [(g.reason, g.detail) for g in view.missing(tax)] == [
        (MissingReason.UNHEALTHY, "the source of taxStatus records: src-tax is DOWN")
    ]
    # Both of birth-b's datasets live in birth records: one entry each.
    assert [(g.dataset, g.detail) for g in view.missing(birth)] == [
        ("civil.birth", "the source of birth records: src-birth is UNKNOWN"),
        ("civil.family", "the source of birth records: src-birth is UNKNOWN"),
    ]
    assert await missing_for(sessions, health(sessions), ["tax.status"], SERVED) == view.missing(
        tax
    )


async def test_coverage_per_agency_and_disabled_cards_do_not_count(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await register(sessions, *CARDS)
    await set_source_enabled(sessions, SOURCES["taxStatus"], False)
    view = await catalogue_view(sessions, health(sessions), SERVED)
    assert [(a.code, a.name_en, a.coverage) for a in view.agencies()] == [
        ("civil", "Civil registry", Coverage(5, 5)),
        ("tax", "Tax", Coverage(0, 3)),
    ]
    assert view.coverage() == Coverage(5, 8)
    async with transaction(sessions) as session:
        card = await card_registration.card_for_change(session, "tax-a")
        assert card is not None
        await card_registration.set_enabled(session, card, False, changed_by="tax-admin")
    view = await catalogue_view(sessions, health(sessions), SERVED)
    assert [a.coverage for a in view.agencies()] == [Coverage(5, 5), Coverage(0, 2)]
    assert view.coverage() == Coverage(5, 7)
    assert "tax-a" not in ids(view.cards()) and "tax-a" not in ids(view.cards(connected=False))
    disabled = view.card("tax-a")
    assert disabled is not None and not disabled.enabled  # still there, by id


async def test_pages_by_id_with_filters(sessions: async_sessionmaker[AsyncSession]) -> None:
    await register(sessions, *CARDS)
    view = await catalogue_view(sessions, health(sessions), SERVED)
    every = ids(view.cards())
    assert every == sorted(card.id for card in CARDS)
    seen: list[str] = []
    after = None
    while True:
        shown, more = page(view.cards(), first=3, after=after)
        seen += ids(shown)
        if not more:
            break
        after = shown[-1].id
    assert seen == every
    assert ids(view.cards(agency="tax")) == ["deeds-a", "tax-a", "tax-b"]
    assert ids(view.cards(agency="tax", connected=True)) == ["tax-a", "tax-b"]
    assert view.cards(agency="nowhere") == []
    # A keyset cursor: an id that is gone still places the page.
    assert ids(page(view.cards(), first=2, after="c")[0]) == ["deeds-a", "identity-a"]
    with pytest.raises(DarvazehError) as refused:
        page(view.cards(), first=0, after=None)
    assert refused.value.code is ErrorCode.BAD_USER_INPUT


async def test_the_cache_reads_cards_once_and_sees_another_workers_change(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await register(sessions, *CARDS)
    cache = CatalogueCache()
    first = await cache.view(sessions, health(sessions), SERVED)
    assert await cache.view(sessions, health(sessions), SERVED) is first and cache.loads == 1
    # Another worker: its own engine, sessions and cache on the same store.
    url = sessions.kw["bind"].url
    other_engine = create_engine(url.render_as_string(hide_password=False))
    try:
        other = sessionmaker(other_engine)
        other_cache = CatalogueCache()
        assert ids((await other_cache.view(other, health(other), SERVED)).cards()) == ids(
            first.cards()
        )
        async with transaction(other) as session:
            card = await card_registration.card_for_change(session, "birth-a")
            await card_registration.register(
                session, draft("birth-a", "property.deeds"), changed_by="civil-admin", existing=card
            )
        await register(other, draft("zeta", "civil.birth"))
    finally:
        await other_engine.dispose()
    seen = await cache.view(sessions, health(sessions), SERVED)
    # Only the two changed cards were read, and merged in.
    assert (cache.loads, cache.refreshes) == (1, 1)
    assert ids(seen.cards())[-1] == "zeta"
    assert ids(seen.cards(connected=False)) == ["birth-a", "deeds-a"]
    assert ids(seen.cards()) == ids((await CatalogueCache().view(sessions, health(sessions),
                                                                 SERVED)).cards())  # fmt: skip
    # Sources and health are read on every request: no card reload, a new view.
    await set_probe(sessions, SOURCES["address"], ok=False)
    again = await cache.view(sessions, health(sessions), SERVED)
    assert again is not seen and again.snapshot is seen.snapshot and cache.loads == 1
    assert "identity-b" in ids(again.cards(connected=False))


async def test_a_change_committed_out_of_time_order_reloads_every_card(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """A transaction that stamped its card before the latest change kept, and committed after
    it was read, is not among the cards changed since: the fingerprint tells, and every card is
    read again."""
    await register(sessions, *CARDS)
    cache = CatalogueCache()
    await cache.view(sessions, health(sessions), SERVED)
    async with transaction(sessions) as session:
        card = await card_registration.card_for_change(session, "tax-a")
        await card_registration.register(
            session, draft("tax-a", "property.deeds", agency="tax"), changed_by="tax-admin",
            existing=card,
        )  # fmt: skip
        card.updated_at = datetime(2020, 1, 1, tzinfo=UTC)  # as if stamped long ago
    view = await cache.view(sessions, health(sessions), SERVED)
    assert (cache.loads, cache.refreshes) == (2, 0)
    assert "tax-a" in ids(view.cards(connected=False))
    assert await cache.view(sessions, health(sessions), SERVED) is view


async def test_an_open_circuit_on_any_worker_disconnects_its_cards(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """The probe may be fine while live calls fail: a worker's open breaker counts."""

    from store.db import transaction
    from store.models import SourceHealth

    await register(sessions, *CARDS)
    await set_probe(sessions, SOURCES["taxStatus"], ok=True)
    assert (await source_statuses(health(sessions)))[SOURCES["taxStatus"]] == SourceStatus.HEALTHY
    async with transaction(sessions) as session:
        session.add(
            SourceHealth(
                source_id=SOURCES["taxStatus"],
                worker_id="worker-2",
                calls=12,
                errors=12,
                breaker="open",
                last_failure_at=datetime.now(UTC),
                last_error="did not answer within 3s",
                updated_at=datetime.now(UTC),
            )
        )
    assert (await source_statuses(health(sessions)))[SOURCES["taxStatus"]] == SourceStatus.DOWN
    assert [
        g.reason for g in await missing_for(sessions, health(sessions), ["tax.status"], SERVED)
    ] == [MissingReason.UNHEALTHY]
