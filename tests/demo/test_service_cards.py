"""The demo catalogue: deterministic, valid, spread over many agencies, about two thirds
connectable; seeded once, with the hand-written cards kept."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from sqlalchemy import func, select

from demo.catalogue import AGENCIES, CARDS, CLIENTS
from demo.seed import _seed_catalogue, seed_catalogue
from demo.service_cards import BENCH_COUNT, DEMO_COUNT, service_cards
from services.cards import PLANNED_DATASETS, check
from store.db import create_engine, sessionmaker
from store.migrate import upgrade_async
from store.models import RegistrationVersion, ServiceCard

AGENCY_CODES = {code for code, _, _ in AGENCIES}


def test_the_demo_catalogue() -> None:
    cards = service_cards(DEMO_COUNT)
    assert len(cards) == DEMO_COUNT and cards == service_cards(DEMO_COUNT)
    assert cards[: len(CARDS)] == list(CARDS)
    assert [card.id for card in CARDS] == [
        "newborn-health-insurance", "subsidy-eligibility", "school-enrolment",
        "life-event-reports",
    ]  # fmt: skip
    assert len({card.id for card in cards}) == DEMO_COUNT
    for card in cards:
        check(card, agencies=AGENCY_CODES)
    per_agency = Counter(card.agency for card in cards)
    assert len(per_agency) >= 25 and min(per_agency.values()) >= 4
    proactive = [card for card in cards if card.proactive]
    assert len(proactive) >= 8
    assert {card.life_event for card in proactive} >= {
        "birth.registered", "death.registered", "age.reached.6", "age.reached.18"
    }  # fmt: skip
    # Each says what it asks of the citizen; an age service, the date the age is reckoned by.
    assert all(card.proactive_mode for card in proactive)
    stories = {card.id: card for card in proactive}
    newborn, school = stories["newborn-health-insurance"], stories["first-grade-introduction"]
    ending = stories["insurance-end-on-death"]
    assert (newborn.agency, newborn.life_event, newborn.proactive_mode) == (
        "social-security", "birth.registered", "NOTIFY"
    )  # fmt: skip
    assert (school.agency, school.life_event, school.proactive_mode, school.reference_date) == (
        "education", "age.reached.6", "CONFIRM", "07-01"
    )  # fmt: skip
    assert (ending.agency, ending.life_event, ending.proactive_mode) == (
        "social-security", "death.registered", "NOTIFY"
    )  # fmt: skip
    connectable = [card for card in cards if not set(card.datasets) & PLANNED_DATASETS]
    assert 0.6 <= len(connectable) / len(cards) <= 0.7
    assert {card.legal_basis for card in cards} == {"consent", "statute"}


def test_the_bench_catalogue_extends_the_demos() -> None:
    cards = service_cards(BENCH_COUNT)
    assert len({card.id for card in cards}) == BENCH_COUNT
    assert cards[:DEMO_COUNT] == service_cards(DEMO_COUNT)
    for card in cards[DEMO_COUNT::97]:
        check(card, agencies=AGENCY_CODES)
        assert "province" in card.name_en and "استان" in card.name_fa
    # A proactive service runs once on its event: the provinces copy only the services asked for.
    proactive = [card for card in cards if card.proactive]
    assert proactive == [card for card in service_cards(DEMO_COUNT) if card.proactive]
    assert not any("province" in card.name_en for card in proactive)


def test_agency_admins_for_tests() -> None:
    admins = {c.client_id: c.agency for c in CLIENTS if c.client_role == "agency_admin"}
    assert admins == {
        "civil-registry-admin": "civil-registry",
        "education-admin": "education",
        "social-security-admin": "social-security",  # receives its proactive cases
    }


async def test_seeding_is_idempotent(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    await upgrade_async(url)
    engine = create_engine(url)
    sessions = sessionmaker(engine)
    try:
        async with sessions() as session, session.begin():
            await _seed_catalogue(session)
        await seed_catalogue(sessions)  # what `make demo` does on every later start
        async with sessions() as session:
            cards = await session.scalar(select(func.count()).select_from(ServiceCard))
            versions = await session.scalar(select(func.count()).select_from(RegistrationVersion))
            newborn = await session.get(ServiceCard, "newborn-health-insurance")
    finally:
        await engine.dispose()
    assert cards == versions == DEMO_COUNT
    assert newborn is not None and newborn.proactive and newborn.life_event == "birth.registered"
