"""The demo civil registry's own writes: a birth or a death recorded in its database, in its own
shape (demo.agencies), as the registry's clerks would before it reports the event to the gateway.

Used by `python -m demo.events` and by the demo's first start, which adds the children whose
sixth birthday has just passed (so the age scan has offers to make).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection

from demo.agencies import CIVIL_ADDRESSES, CIVIL_DEATHS, CIVIL_PEOPLE
from demo.names import FEMALE_FIRST_NAMES, MALE_FIRST_NAMES
from standard import solar_hijri
from standard.national_id import with_check_digit
from store.db import create_engine

MIN_PARENT_AGE = 15
SCHOOL_AGE = 6


class RegistryRefused(ValueError):
    """The registry would not record this (no such person, already dead, ...)."""


@dataclass(frozen=True)
class Birth:
    national_id: str
    first_name: str
    last_name: str
    birth_date: date
    father_id: str | None
    mother_id: str | None
    city: str | None


def sixth_birthdays(start: date, days: int) -> list[tuple[date, date]]:
    """(birthday, birth date) for each of the `days` days before `start` that is someone's sixth
    Solar Hijri birthday (30 Esfand of a leap year is none, six years on)."""
    found = []
    for back in range(days, 0, -1):
        birthday = start - timedelta(days=back)
        year, month, day = solar_hijri.from_gregorian(birthday)
        try:
            found.append((birthday, solar_hijri.to_gregorian(year - SCHOOL_AGE, month, day)))
        except ValueError:
            continue
    return found


async def _new_national_id(connection: AsyncConnection, rng: random.Random) -> str:
    """A valid code nobody in the registry holds (one repeated digit is never issued)."""
    for _ in range(100):
        code = with_check_digit(f"{rng.randrange(10**9):09d}")
        if len(set(code)) == 1:
            continue
        taken = await connection.scalar(
            select(func.count()).where(CIVIL_PEOPLE.c.shomare_melli == code)
        )
        if not taken:
            return code
    raise RuntimeError("no free national code found")  # 10^9 codes; a world holds millions


async def _other_parent(connection: AsyncConnection, parent: str, female: bool) -> str | None:
    """The parent's partner, as the registry knows it: the other parent of their last child."""
    mine, theirs = (
        (CIVIL_PEOPLE.c.shomare_melli_madar, CIVIL_PEOPLE.c.shomare_melli_pedar)
        if female
        else (CIVIL_PEOPLE.c.shomare_melli_pedar, CIVIL_PEOPLE.c.shomare_melli_madar)
    )
    query = (
        select(theirs)
        .where(mine == parent, theirs.is_not(None))
        .order_by(CIVIL_PEOPLE.c.tarikh_tavallod.desc())
        .limit(1)
    )
    return await connection.scalar(query)


async def _alive(connection: AsyncConnection, national_id: str) -> bool:
    query = select(func.count()).where(CIVIL_DEATHS.c.shomare_melli == national_id)
    return not await connection.scalar(query)


async def _record_birth(
    connection: AsyncConnection, parent: str, born: date, at: datetime, rng: random.Random
) -> Birth:
    row = (
        await connection.execute(select(CIVIL_PEOPLE).where(CIVIL_PEOPLE.c.shomare_melli == parent))
    ).one_or_none()
    if row is None:
        raise RegistryRefused(f"the civil registry holds no one with the national code {parent}")
    if not await _alive(connection, parent):
        raise RegistryRefused(f"{parent} is registered as deceased")
    if (born - solar_hijri.parse(row.tarikh_tavallod)).days < MIN_PARENT_AGE * 365:
        raise RegistryRefused(f"{parent} is younger than {MIN_PARENT_AGE}")
    female = row.jensiat == 2
    other = await _other_parent(connection, parent, female)
    father_id, mother_id = (other, parent) if female else (parent, other)
    father = None
    if father_id is not None:
        father = (
            await connection.execute(
                select(CIVIL_PEOPLE).where(CIVIL_PEOPLE.c.shomare_melli == father_id)
            )
        ).one_or_none()
    home = (
        await connection.execute(
            select(CIVIL_ADDRESSES).where(
                or_(*(CIVIL_ADDRESSES.c.shomare_melli == p for p in (parent, other) if p))
            )
        )
    ).first()
    male = rng.random() < 0.51
    birth = Birth(
        national_id=await _new_national_id(connection, rng),
        first_name=rng.choice(MALE_FIRST_NAMES if male else FEMALE_FIRST_NAMES),
        last_name=father.nam_khanevadegi if father is not None else row.nam_khanevadegi,
        birth_date=born,
        father_id=father_id,
        mother_id=mother_id,
        city=home.shahr if home is not None else None,
    )
    stamp = int(at.timestamp())
    await connection.execute(
        CIVIL_PEOPLE.insert().values(
            shomare_melli=birth.national_id,
            nam=birth.first_name,
            nam_khanevadegi=birth.last_name,
            nam_pedar=father.nam if father is not None else None,
            jensiat=1 if male else 2,
            tarikh_tavallod=solar_hijri.format(born),
            mahal_tavallod=birth.city,
            shomare_melli_pedar=father_id,
            shomare_melli_madar=mother_id,
            akharin_taghyir=stamp,
        )
    )
    if home is not None:  # the child lives with its parents
        await connection.execute(
            CIVIL_ADDRESSES.insert().values(
                shomare_melli=birth.national_id,
                ostan=home.ostan,
                shahr=home.shahr,
                code_posti=home.code_posti,
                akharin_taghyir=stamp,
            )
        )
    return birth


async def record_births(
    civil_url: str,
    births: list[tuple[str, date]],
    *,
    at: datetime | None = None,
    rng: random.Random | None = None,
) -> list[Birth]:
    """Record a child of each (parent's national code, birth date), in one transaction."""
    rng = rng or random.SystemRandom()
    engine = create_engine(civil_url)
    try:
        async with engine.begin() as connection:
            return [
                await _record_birth(connection, parent, born, at or datetime.now(UTC), rng)
                for parent, born in births
            ]
    finally:
        await engine.dispose()


async def record_death(
    civil_url: str, national_id: str, day: date, *, at: datetime | None = None
) -> None:
    """Record `national_id`'s death on `day`, where the registry holds them and alive."""
    engine = create_engine(civil_url)
    try:
        async with engine.begin() as connection:
            held = await connection.scalar(
                select(func.count()).where(CIVIL_PEOPLE.c.shomare_melli == national_id)
            )
            if not held:
                raise RegistryRefused(f"the civil registry holds no one with {national_id}")
            if not await _alive(connection, national_id):
                raise RegistryRefused(f"{national_id} is already registered as deceased")
            home = await connection.scalar(
                select(CIVIL_ADDRESSES.c.shahr).where(
                    CIVIL_ADDRESSES.c.shomare_melli == national_id
                )
            )
            await connection.execute(
                CIVIL_DEATHS.insert().values(
                    shomare_melli=national_id,
                    tarikh_fot=solar_hijri.format(day),
                    mahal_fot=home,
                    akharin_taghyir=int((at or datetime.now(UTC)).timestamp()),
                )
            )
    finally:
        await engine.dispose()


async def add_school_starters(
    civil_url: str, parents: list[str], start: date, *, days: int = 3
) -> list[dict[str, str | None]]:
    """A child for each parent (one per day), whose sixth birthday is one of the `days` days
    before `start`: the age scan's first days find them and offer each a school."""
    birthdays = sixth_birthdays(start, days)
    pairs = list(zip(parents, birthdays, strict=False))
    births = await record_births(civil_url, [(parent, born) for parent, (_, born) in pairs])
    return [
        {
            "child": birth.national_id,
            "father": birth.father_id,
            "mother": birth.mother_id,
            "sixth_birthday": birthday.isoformat(),
        }
        for birth, (_, (birthday, _born)) in zip(births, pairs, strict=True)
    ]
