"""Solar Hijri dates through jdatetime: known days, every day of two centuries both ways, the
agencies' spellings (the demo world's civil registry dates among them) and what is refused."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from demo.world import generate
from standard import solar_hijri

# Days checked against the jalaali-js reference algorithm (the gateway's own port before it used
# jdatetime): new years, the leap years' last day, and an ordinary day.
KNOWN = [
    ((1300, 1, 1), date(1921, 3, 21)),
    ((1354, 1, 1), date(1975, 3, 21)),
    ((1357, 11, 22), date(1979, 2, 11)),
    ((1399, 1, 1), date(2020, 3, 20)),
    ((1399, 12, 30), date(2021, 3, 20)),
    ((1402, 5, 12), date(2023, 8, 3)),
    ((1403, 1, 1), date(2024, 3, 20)),
    ((1403, 12, 30), date(2025, 3, 20)),
    ((1404, 1, 1), date(2025, 3, 21)),
    ((1408, 12, 30), date(2030, 3, 20)),
    ((1499, 12, 29), date(2121, 3, 20)),
]


@pytest.mark.parametrize(("solar", "gregorian"), KNOWN)
def test_known_days_both_ways(solar: tuple[int, int, int], gregorian: date) -> None:
    assert solar_hijri.to_gregorian(*solar) == gregorian
    assert solar_hijri.from_gregorian(gregorian) == solar
    year, month, day = solar
    assert solar_hijri.format(gregorian) == f"{year:04d}/{month:02d}/{day:02d}"


def test_every_day_of_two_centuries_round_trips_and_months_have_their_lengths() -> None:
    day, end = date(1900, 1, 1), date(2100, 1, 1)
    previous = solar_hijri.from_gregorian(day - timedelta(days=1))
    lengths: dict[tuple[int, int], int] = {}
    while day < end:
        solar = solar_hijri.from_gregorian(day)
        assert solar_hijri.to_gregorian(*solar) == day
        assert solar_hijri.parse(solar_hijri.format(day)) == day
        # Consecutive days: the next day of the month, or the first of the next month.
        if solar[1:] == (1, 1):
            assert solar[0] == previous[0] + 1
        elif solar[2] == 1:
            assert solar[:2] == (previous[0], previous[1] + 1)
        else:
            assert solar == (previous[0], previous[1], previous[2] + 1)
        lengths[solar[:2]] = solar[2]
        previous = solar
        day += timedelta(days=1)
    for (year, month), length in lengths.items():
        if 1279 < year < 1478:  # whole years in the range
            expected = {31} if month <= 6 else {30} if month <= 11 else {29, 30}
            assert length in expected, (year, month, length)


@pytest.mark.parametrize(
    "written",
    [
        "1402/05/12",
        "1402-5-12",
        "1402.05.12",
        "1402/05-12",
        "  1402/05/12\t",
        "1402/05/12" + " " * 240,  # a fixed-width column's padding
        "۱۴۰۲/۰۵/۱۲",
        "١٤٠٢/٠٥/١٢",
    ],
)
def test_the_agencies_spellings(written: str) -> None:
    assert solar_hijri.parse(written) == date(2023, 8, 3)


def test_three_digit_years() -> None:
    assert solar_hijri.parse("999/01/01") == date(1620, 3, 20)


@pytest.mark.parametrize(
    "written",
    [
        "",
        "1402/05",
        "14020/05/12",
        "1402//05/12",
        "1402/005/12",
        "1402 05 12",
        "1402/13/01",
        "1402/00/10",
        "1402/12/30",  # 1402 is not a leap year
        "1402/07/31",
        "0000/01/01",
        "१४०२/०५/१२",  # Devanagari digits: not a script Iranian agencies write
        "1402/05/12x",
        "1" * 10_000,
    ],
)
def test_what_is_not_a_solar_hijri_date_is_refused(written: str) -> None:
    with pytest.raises(ValueError) as refused:
        solar_hijri.parse(written)
    assert written.strip() == "" or written not in str(refused.value)


def test_the_demo_worlds_civil_registry_dates_round_trip() -> None:
    world = generate(count=2000, seed=1405)
    dates = [person.birth_date for person in world.people]
    dates += [person.death_date for person in world.people if person.death_date is not None]
    assert len(dates) > 2000
    for day in dates:
        written = solar_hijri.format(day)
        assert written.isascii() and len(written) == 10
        assert solar_hijri.parse(written) == day
