"""The demo civil registry's own writes: a birth (a new valid code, the parents, their home), a
death, what it refuses; the children whose sixth birthday has just passed; the age scan's start."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from demo.agencies import CIVIL_ADDRESSES, CIVIL_DEATHS, CIVIL_PEOPLE, load_agency
from demo.civil_registry import (
    RegistryRefused,
    add_school_starters,
    record_births,
    record_death,
    sixth_birthdays,
)
from demo.seed import start_age_scan
from demo.world import World, interesting_citizens, young_parents
from standard import solar_hijri
from standard.national_id import validate
from store.db import create_engine, sessionmaker
from store.migrate import upgrade_async
from store.proactive_models import AgeScanDay

TODAY = date(2026, 12, 1)


@pytest.fixture
async def civil(world: World, tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'civil.db'}"
    await load_agency("civil", url, world)
    return url


async def rows(url: str, table, national_id: str) -> list:  # type: ignore[no-untyped-def]
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            query = select(table).where(table.c.shomare_melli == national_id)
            return list(await connection.execute(query))
    finally:
        await engine.dispose()


async def test_a_birth_to_a_parent(civil: str, world: World) -> None:
    people = {person.national_id: person for person in world.people}
    sibling = people[interesting_citizens(world)["minor_child"]]
    mother = people[sibling.mother_id or ""]
    (birth,) = await record_births(civil, [(mother.national_id, TODAY)])
    assert validate(birth.national_id) == birth.national_id
    assert birth.national_id not in people
    # The registry knows the father as the other parent of the mother's children.
    assert (birth.father_id, birth.mother_id) == (sibling.father_id, mother.national_id)
    (row,) = await rows(civil, CIVIL_PEOPLE, birth.national_id)
    assert solar_hijri.parse(row.tarikh_tavallod) == TODAY
    assert (row.shomare_melli_pedar, row.shomare_melli_madar) == (
        birth.father_id,
        mother.national_id,
    )
    assert row.nam_khanevadegi == people[birth.father_id or ""].last_name
    (home,) = await rows(civil, CIVIL_ADDRESSES, birth.national_id)
    assert (home.shahr, home.code_posti) == (mother.city, mother.postal_code)


async def test_what_the_registry_refuses(civil: str, world: World) -> None:
    citizens = interesting_citizens(world)
    for parent, reason in (
        ("0000000000", "holds no one"),
        (citizens["deceased"], "deceased"),
        (citizens["newborn"], "younger than 15"),
    ):
        with pytest.raises(RegistryRefused, match=reason):
            await record_births(civil, [(parent, TODAY)])
    with pytest.raises(RegistryRefused, match="already registered as deceased"):
        await record_death(civil, citizens["deceased"], TODAY)


async def test_a_death(civil: str, world: World) -> None:
    someone = interesting_citizens(world)["no_tax_record"]
    at = datetime(2026, 12, 1, 9, tzinfo=UTC)
    await record_death(civil, someone, TODAY, at=at)
    (row,) = await rows(civil, CIVIL_DEATHS, someone)
    assert solar_hijri.parse(row.tarikh_fot) == TODAY and row.akharin_taghyir == int(at.timestamp())


def test_sixth_birthdays_are_solar_hijri() -> None:
    found = sixth_birthdays(TODAY, 3)
    assert [birthday for birthday, _ in found] == [TODAY - timedelta(days=n) for n in (3, 2, 1)]
    for birthday, born in found:
        year, month, day = solar_hijri.from_gregorian(born)
        assert solar_hijri.from_gregorian(birthday) == (year + 6, month, day)
    # The last day of 1405 is 29 Esfand (not a leap year): a child of 29 Esfand 1399's birthday.
    after = solar_hijri.to_gregorian(1406, 1, 1)
    assert [born for _, born in sixth_birthdays(after, 1)] == [
        solar_hijri.to_gregorian(1399, 12, 29)
    ]


async def test_school_starters(civil: str, world: World) -> None:
    parents = young_parents(world, 3)
    assert parents[0] == interesting_citizens(world)["parent"]  # the showcase family's first
    starters = await add_school_starters(civil, parents, TODAY, days=3)
    assert [s["father"] for s in starters] == parents
    for starter in starters:
        (row,) = await rows(civil, CIVIL_PEOPLE, str(starter["child"]))
        year, month, day = solar_hijri.from_gregorian(solar_hijri.parse(row.tarikh_tavallod))
        birthday = date.fromisoformat(str(starter["sixth_birthday"]))
        assert solar_hijri.from_gregorian(birthday) == (year + 6, month, day)
        assert TODAY - timedelta(days=3) <= birthday < TODAY
        assert row.shomare_melli_madar == starter["mother"] is not None


async def test_the_age_scan_starts_days_back_on_a_fresh_store(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    await upgrade_async(url)
    engine = create_engine(url)
    sessions = sessionmaker(engine)
    try:
        assert await start_age_scan(sessions, TODAY - timedelta(days=3))
        assert not await start_age_scan(sessions, TODAY)  # a scan under way is left alone
        async with sessions() as session:
            days = list(await session.scalars(select(AgeScanDay.day)))
    finally:
        await engine.dispose()
    assert days == [TODAY - timedelta(days=4)]  # done, as far as the scan knows
