"""The demo world's records: plain dataclasses, the fixed "today", and date helpers."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime

TODAY = date(2026, 11, 29)  # fixed "today": the world must not change with the clock
NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
SCHOOL_YEAR_START = date(2026, 9, 23)  # 1 Mehr 1405
CURRENT_ACADEMIC_YEAR = "1405-1406"
NEWBORN_DAYS = 60


@dataclass(slots=True)
class Person:
    national_id: str
    first_name: str
    last_name: str
    father_name: str
    gender: str  # 'MALE' | 'FEMALE'
    birth_date: date
    birth_place: str
    father_id: str | None
    mother_id: str | None
    death_date: date | None
    death_place: str | None
    province: str
    city: str
    postal_code: str
    updated_at: datetime  # last change to the identity/birth record
    address_updated_at: datetime
    death_recorded_at: datetime | None = None


@dataclass(slots=True)
class Insurance:
    national_id: str
    insurance_number: str
    status: str  # ACTIVE | SUSPENDED | EXPIRED
    type: str  # SALARIED | SELF_EMPLOYED | VOLUNTARY | DEPENDANT | PENSIONER
    since: date
    dependants: list[str]
    updated_at: datetime


@dataclass(slots=True)
class Enrollment:
    national_id: str
    school_name: str
    school_code: str
    grade: int
    academic_year: str  # '1405-1406'
    status: str  # ENROLLED | GRADUATED | WITHDRAWN
    updated_at: datetime


@dataclass(slots=True)
class TaxRecord:
    national_id: str
    taxpayer_id: str
    cleared: bool
    last_filing_year: int  # Solar Hijri
    updated_at: datetime


@dataclass(slots=True)
class World:
    """A world, or one chunk of it: whole households, so links never cross a chunk."""

    people: list[Person] = field(default_factory=list)
    insurances: list[Insurance] = field(default_factory=list)
    enrollments: list[Enrollment] = field(default_factory=list)
    tax_records: list[TaxRecord] = field(default_factory=list)

    def extend(self, other: World) -> None:
        self.people.extend(other.people)
        self.insurances.extend(other.insurances)
        self.enrollments.extend(other.enrollments)
        self.tax_records.extend(other.tax_records)


def age(birth: date, on: date = TODAY) -> int:
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)
