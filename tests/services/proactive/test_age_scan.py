"""The daily age scan over the demo civil registry's real source (Solar Hijri text dates): a
citizen's birthday becomes one `age.reached.N` event, missed days are caught up, and no day is
scanned twice, by one worker or two at once."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

import pytest
from sqlalchemy import delete, func, select

from services.proactive.age_scan import (
    birthday,
    births_for,
    days_due,
    event_id,
    scan_day,
    scan_due,
)
from standard import solar_hijri
from standard.life_events import LifeEvent
from store.audit_models import AuditRecord
from store.proactive_models import AgeScanDay, LifeEventRecord
from tests.harness import RunningGateway


@pytest.fixture
async def fresh_days(gateway: RunningGateway) -> RunningGateway:
    """No day scanned yet, and none of the scan's events (the session's gateway is shared)."""
    async with gateway.gateway.sessions() as session, session.begin():
        await session.execute(delete(AgeScanDay))
        await session.execute(delete(LifeEventRecord).where(LifeEventRecord.channel == "AGE_SCAN"))
    return gateway


def a_six_year_old(gateway: RunningGateway) -> tuple[str, date]:
    """A citizen of the demo world and the day they turn 6."""
    person = next(p for p in gateway.world.people if p.death_date is None)
    day = birthday(person.birth_date, 6)
    assert day is not None
    return person.national_id, day


async def scanned_events(gateway: RunningGateway) -> list[LifeEventRecord]:
    async with gateway.gateway.sessions() as session:
        query = select(LifeEventRecord).where(LifeEventRecord.channel == "AGE_SCAN")
        return list((await session.scalars(query)).all())


def test_birthdays_in_the_solar_hijri_calendar() -> None:
    born = solar_hijri.to_gregorian(1397, 7, 1)
    assert birthday(born, 6) == solar_hijri.to_gregorian(1403, 7, 1)
    leap_born = solar_hijri.to_gregorian(1399, 12, 30)  # 1399 is a leap year
    assert birthday(leap_born, 1) == solar_hijri.to_gregorian(1400, 12, 29)
    # 29 Esfand of a common year is the birthday of those born on the 29th and the 30th.
    within = births_for(solar_hijri.to_gregorian(1405, 12, 29), 6)
    assert within is not None
    assert (within.first, within.last) == (
        solar_hijri.to_gregorian(1399, 12, 29),
        solar_hijri.to_gregorian(1399, 12, 30),
    )


async def test_a_birthday_makes_one_event_and_an_audited_read(fresh_days: RunningGateway) -> None:
    gateway = fresh_days
    citizen, day = a_six_year_old(gateway)
    reads = gateway.gateway.birthdays
    assert reads is not None
    done = await scan_day(gateway.gateway.sessions, reads, day)
    assert done.done_here and done.events >= 1
    ours = [e for e in await scanned_events(gateway) if e.national_id == citizen]
    assert [(e.kind, e.source_event_id, e.agency_code) for e in ours] == [
        ("age.reached.6", event_id(LifeEvent.AGE_REACHED_6, day, citizen), "civil-registry")
    ]
    async with gateway.gateway.sessions() as session:
        logged = await session.scalar(
            select(func.count()).where(
                AuditRecord.subject == citizen, AuditRecord.case_reference == "age-scan"
            )
        )
    assert logged and logged >= 1
    again = await scan_day(gateway.gateway.sessions, reads, day)
    assert not again.done_here and again.events == 0
    assert len(await scanned_events(gateway)) == done.events


async def test_two_missed_days_are_caught_up_once(fresh_days: RunningGateway) -> None:
    gateway = fresh_days
    citizen, day = a_six_year_old(gateway)
    sessions, reads = gateway.gateway.sessions, gateway.gateway.birthdays
    assert reads is not None
    # The last scan was three days ago: the scanner was down the two days before `day`.
    async with sessions() as session, session.begin():
        session.add(AgeScanDay(day=day - timedelta(days=3), events=0))
    assert await days_due(sessions, day, 31) == [day - timedelta(days=n) for n in (2, 1, 0)]
    scanned = await scan_due(sessions, reads, until=day, catch_up_days=31)
    assert [item.day for item in scanned] == [day - timedelta(days=n) for n in (2, 1, 0)]
    events = await scanned_events(gateway)
    assert sum(item.events for item in scanned) == len(events)
    assert [e.national_id for e in events].count(citizen) == 1
    # The next round finds nothing due; the same day asked again fires nothing.
    assert await scan_due(sessions, reads, until=day, catch_up_days=31) == []
    assert len(await scanned_events(gateway)) == len(events)


async def test_two_workers_on_one_day_leave_one_set(fresh_days: RunningGateway) -> None:
    gateway = fresh_days
    citizen, day = a_six_year_old(gateway)
    sessions, reads = gateway.gateway.sessions, gateway.gateway.birthdays
    assert reads is not None
    first, second = await asyncio.gather(
        scan_day(sessions, reads, day), scan_day(sessions, reads, day)
    )
    assert sorted([first.done_here, second.done_here]) == [False, True]
    events = await scanned_events(gateway)
    assert len(events) == first.events + second.events
    assert [e.national_id for e in events].count(citizen) == 1


async def test_catching_up_is_bounded(fresh_days: RunningGateway) -> None:
    sessions = fresh_days.gateway.sessions
    today = date(2025, 9, 23)
    assert await days_due(sessions, today, 31) == [today]  # the first scan ever: today only
    async with sessions() as session, session.begin():
        session.add(AgeScanDay(day=today - timedelta(days=100), events=0))
    due = await days_due(sessions, today, 5)
    assert due == [today - timedelta(days=n) for n in range(4, -1, -1)]
