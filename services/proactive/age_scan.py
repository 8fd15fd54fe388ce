"""The daily age scan: `age.reached.N` for each citizen whose N-th Solar Hijri birthday is the day.

The gateway keeps no copy of citizens' birth dates: each day it asks the civil registry's
registered source for the citizens born on that day N years before (datasources.ranges, in the
agency's own date format), through `BirthdayReads` (resolvers.life_events: an audited system
read). Someone born on 30 Esfand of a leap year has their birthday on 29 Esfand in other years.

Each day is scanned once: its mark (store.proactive_models.AgeScanDay) is written in the same
transaction as its events, so two workers scanning the same day leave one set of events, and a
scan that fails half way leaves nothing. After downtime the scan resumes at the day after the last
one done (at most `catch_up_days` back); a day whose source fails stops the round there, to be
tried again, so days are done in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

import jdatetime
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from datasources.ranges import DateRange
from services.proactive.intake import CheckedEvent, record_scanned
from standard import solar_hijri
from standard.errors import DarvazehError
from standard.life_events import AGE_EVENTS, LifeEvent
from store.db import transaction
from store.proactive_models import AgeScanDay

logger = logging.getLogger(__name__)

# The day turns at midnight in Iran: that is when a child is a year older.
ZONE = ZoneInfo("Asia/Tehran")
SCANNER = "darvazeh-age-scan"  # reported_by on the outbox rows it makes
# How often the loop looks whether a new day has begun (and retries a failed one).
ROUND_SECONDS = 600.0


class BirthdayReads(Protocol):
    """The civil registry's citizens born within a range, read as the gateway's own audited
    system read (one access-log record per citizen found)."""

    async def born_within(self, within: DateRange, day: date) -> tuple[str, dict[str, date]]:
        """(the agency whose source answered, national code -> birth date). Raises
        DarvazehError (SOURCE_UNAVAILABLE) when the source or the access log fails."""
        ...


@dataclass(frozen=True, slots=True)
class ScannedDay:
    day: date
    events: int  # new outbox rows (0 when another worker had already done the day)
    done_here: bool


def today(now: datetime | None = None) -> date:
    """The day it is in Iran."""
    return (now or datetime.now(UTC)).astimezone(ZONE).date()


def birthday(born: date, age: int) -> date | None:
    """The Gregorian day of the `age`-th Solar Hijri birthday of someone born on `born`."""
    year, month, day = solar_hijri.from_gregorian(born)
    target = year + age
    if month == 12 and day == 30 and not jdatetime.date(target, 1, 1).isleap():
        day = 29
    try:
        return solar_hijri.to_gregorian(target, month, day)
    except ValueError:
        return None


def births_for(day: date, age: int) -> DateRange | None:
    """The birth dates whose `age`-th birthday is `day` (two on 29 Esfand of a common year)."""
    year, month, day_of_month = solar_hijri.from_gregorian(day)
    try:
        first = solar_hijri.to_gregorian(year - age, month, day_of_month)
    except ValueError:  # 30 Esfand, and the birth year had none
        return None
    last = first
    if month == 12 and day_of_month == 29 and not jdatetime.date(year, 1, 1).isleap():
        with contextlib.suppress(ValueError):  # the birth year had no 30 Esfand
            last = solar_hijri.to_gregorian(year - age, 12, 30)
    return DateRange(first, last)


def event_id(kind: LifeEvent, day: date, national_id: str) -> str:
    return f"{kind.value}:{day.isoformat()}:{national_id}"


async def days_due(
    sessions: async_sessionmaker[AsyncSession], until: date, catch_up_days: int
) -> list[date]:
    """The days to scan, oldest first: after the last day done up to `until`, at most
    `catch_up_days` of them (the first scan ever does `until` only)."""
    async with sessions() as session:
        last = await session.scalar(select(func.max(AgeScanDay.day)))
    if last is None:
        return [until]
    first = last + timedelta(days=1)
    oldest = until - timedelta(days=max(catch_up_days, 1) - 1)
    if first < oldest:
        logger.warning("age scan: days %s to %s are past catching up", first, oldest)
        first = oldest
    return [first + timedelta(days=n) for n in range((until - first).days + 1)]


async def scan_day(
    sessions: async_sessionmaker[AsyncSession], reads: BirthdayReads, day: date
) -> ScannedDay:
    """Every age event of `day`, in the outbox with the day's mark, in one transaction."""
    events: list[CheckedEvent] = []
    agency: str | None = None
    occurred = datetime.combine(day, time(), ZONE).astimezone(UTC)
    for kind in AGE_EVENTS:
        age = kind.age
        assert age is not None
        within = births_for(day, age)
        if within is None:
            continue
        agency, born = await reads.born_within(within, day)
        for national_id, birth in sorted(born.items()):
            if birthday(birth, age) != day:  # the source's answer is checked, not trusted
                continue
            events.append(
                CheckedEvent(kind, national_id, event_id(kind, day, national_id), occurred)
            )
    try:
        async with transaction(sessions) as session:
            session.add(AgeScanDay(day=day, events=len(events)))
            await session.flush()  # the day's mark first: a second scanner stops here
            created = (
                await record_scanned(session, events, agency=agency or "", reported_by=SCANNER)
                if events
                else 0
            )
            mark = await session.get(AgeScanDay, day)
            assert mark is not None
            mark.events = created
    except IntegrityError:
        return ScannedDay(day, 0, False)  # done by another worker meanwhile
    return ScannedDay(day, created, True)


async def scan_due(
    sessions: async_sessionmaker[AsyncSession],
    reads: BirthdayReads,
    *,
    until: date,
    catch_up_days: int,
) -> list[ScannedDay]:
    """Scan each due day in order; a day that fails stops the round (tried again next round)."""
    done: list[ScannedDay] = []
    for day in await days_due(sessions, until, catch_up_days):
        try:
            done.append(await scan_day(sessions, reads, day))
        except DarvazehError as error:
            logger.warning("age scan of %s stopped: %s", day, error)
            break
    return done


async def run_age_scan(
    sessions: async_sessionmaker[AsyncSession],
    reads: BirthdayReads,
    *,
    catch_up_days: int,
    round_seconds: float = ROUND_SECONDS,
) -> None:
    """The scan, forever: every round, the days due up to today (cancel to stop)."""
    while True:
        try:
            scanned = await scan_due(sessions, reads, until=today(), catch_up_days=catch_up_days)
            for item in scanned:
                if item.done_here:
                    logger.info("age scan of %s: %d events", item.day, item.events)
        except Exception:  # the store may be briefly away; the next round tries again
            logger.exception("age scan round failed")
        await asyncio.sleep(round_seconds)
