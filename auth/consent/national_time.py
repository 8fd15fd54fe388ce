"""Ages and birthdays are civil facts of Iran: counted in Iran Standard Time (no DST since 2022)."""

from __future__ import annotations

from datetime import date, datetime, time

from standard.national_time import NATIONAL_TZ
from store.db import aware

__all__ = ["AGE_OF_MAJORITY", "NATIONAL_TZ", "add_years", "majority_begins", "national_date"]
AGE_OF_MAJORITY = 18


def national_date(moment: datetime) -> date:
    return aware(moment).astimezone(NATIONAL_TZ).date()


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February: the birthday falls on 1 March in common years
        return date(day.year + years, 3, 1)


def majority_begins(birth: date) -> datetime:
    """The first instant the child is an adult: midnight of their 18th birthday, national time."""
    return datetime.combine(add_years(birth, AGE_OF_MAJORITY), time(), NATIONAL_TZ)
