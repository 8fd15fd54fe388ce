"""One household at a time: the seeded draws that make people, families and agency records.

Every random choice comes from one random.Random, in a fixed order, so a seed names a world.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta

from demo.citizens import (
    CURRENT_ACADEMIC_YEAR,
    NEWBORN_DAYS,
    NOW,
    SCHOOL_YEAR_START,
    TODAY,
    Enrollment,
    Insurance,
    Person,
    TaxRecord,
    World,
    add_years,
    age,
)
from demo.names import (
    FEMALE_FIRST_NAMES,
    LAST_NAMES,
    MALE_FIRST_NAMES,
    PLACE_WEIGHTS,
    PLACES,
    schools_for,
)
from standard import solar_hijri
from standard.national_id import with_check_digit

_DIGITIZED = datetime(2009, 3, 21, tzinfo=UTC)  # older paper records carry their digitization date
_CHILDREN_FROM = date(2004, 1, 1)  # older children have left home and are not linked


class _Codes:
    """A seeded bijection over n-digit numbers: unique codes without remembering the issued ones."""

    def __init__(self, rng: random.Random, digits: int) -> None:
        self._digits = digits
        self._modulus = 10**digits
        self._a, self._c = self._unit(rng), self._unit(rng)
        self._b, self._d = rng.randrange(self._modulus), rng.randrange(self._modulus)
        self._next = 0

    def _unit(self, rng: random.Random) -> int:
        while True:  # invertible modulo 10**n: coprime to 2 and 5
            a = rng.randrange(self._modulus // 10, self._modulus)
            if a % 2 and a % 5:
                return a

    def take(self) -> str:
        n = self._digits
        x = (self._a * self._next + self._b) % self._modulus
        self._next += 1
        text = f"{x:0{n}d}"
        rotated = int(text[4:] + text[:4])  # breaks the affine pattern, still a bijection
        return f"{(self._c * rotated + self._d) % self._modulus:0{n}d}"


class HouseholdGenerator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self._ids = _Codes(self.rng, 9)
        self._insurance_numbers = _Codes(self.rng, 10)
        self._tins = _Codes(self.rng, 12)
        self.households = 0

    # --- small draws -------------------------------------------------------------------------
    def national_id(self) -> str:
        while True:
            code = with_check_digit(self._ids.take())
            if len(set(code)) > 1:  # one repeated digit is never issued
                return code

    def day_between(self, first: date, last: date) -> date:
        if last <= first:
            return first
        return date.fromordinal(self.rng.randint(first.toordinal(), last.toordinal()))

    def moment_between(self, first: datetime, last: datetime) -> datetime:
        span = int((last - first).total_seconds())
        return first if span <= 0 else first + timedelta(seconds=self.rng.randrange(span))

    def born_in(self, year: float) -> date:
        start = date(int(year), 1, 1)
        return min(start + timedelta(days=self.rng.randrange(365)), TODAY)

    def place(self) -> int:
        return self.rng.choices(range(len(PLACES)), PLACE_WEIGHTS)[0]

    def address(self, place: int) -> tuple[int, str, datetime]:
        rng = self.rng
        head = PLACES[place].postal_prefix + "".join(rng.choice("13456789") for _ in range(4))
        tail = f"{rng.randrange(10**5):05d}"
        moved = self.moment_between(datetime(2012, 1, 1, tzinfo=UTC), NOW)
        return place, head + tail, moved

    def registered(self, birth: date) -> datetime:
        rng = self.rng
        at = datetime.combine(birth, time(9), UTC) + timedelta(
            days=rng.randint(1, 15), minutes=rng.randrange(480)
        )
        if at < _DIGITIZED:
            at = _DIGITIZED + timedelta(days=rng.randrange(1000), minutes=rng.randrange(480))
        if rng.random() < 0.15:  # a later amendment (name spelling, a correction)
            at = self.moment_between(at, NOW)
        return min(at, NOW)

    # --- people ------------------------------------------------------------------------------
    def person(
        self,
        gender: str,
        birth: date,
        home: tuple[int, str, datetime],
        *,
        last_name: str | None = None,
        father: Person | None = None,
        mother: Person | None = None,
    ) -> Person:
        rng = self.rng
        place, postal_code, moved = home
        names = MALE_FIRST_NAMES if gender == "MALE" else FEMALE_FIRST_NAMES
        birth_place = PLACES[place if rng.random() < 0.7 else self.place()].city
        return Person(
            national_id=self.national_id(),
            first_name=rng.choice(names),
            last_name=father.last_name if father else last_name or rng.choice(LAST_NAMES),
            father_name=father.first_name if father else rng.choice(MALE_FIRST_NAMES),
            gender=gender,
            birth_date=birth,
            birth_place=birth_place,
            father_id=father.national_id if father else None,
            mother_id=mother.national_id if mother else None,
            death_date=None,
            death_place=None,
            province=PLACES[place].province,
            city=PLACES[place].city,
            postal_code=postal_code,
            updated_at=self.registered(birth),
            address_updated_at=max(moved, datetime.combine(birth, time(10), UTC)),
        )

    def die(self, person: Person, not_before: date) -> None:
        first = max(not_before, person.birth_date + timedelta(days=1))
        if first >= TODAY:
            return
        person.death_date = self.day_between(first, TODAY - timedelta(days=1))
        same_city = self.rng.random() < 0.8
        person.death_place = person.city if same_city else PLACES[self.place()].city
        recorded = datetime.combine(person.death_date, time(9), UTC)
        person.death_recorded_at = min(recorded + timedelta(days=self.rng.randint(1, 10)), NOW)

    # --- households --------------------------------------------------------------------------
    def household(self, budget: int) -> World:
        """One household of at most `budget` people, with its agency records."""
        self.households += 1
        rng = self.rng
        if self.households == 1 and budget >= 6:
            return self.couple(showcase=True)
        if budget < 8 or rng.random() < 0.28:
            return self.single()
        return self.couple(showcase=False)

    def single(self) -> World:
        rng = self.rng
        gender = "MALE" if rng.random() < 0.5 else "FEMALE"
        person = self.person(
            gender, self.born_in(rng.triangular(1950, 2008, 1997)), self.address(self.place())
        )
        if rng.random() < (0.08 if person.birth_date.year < 1960 else 0.012):
            self.die(person, person.birth_date)
        world = World(people=[person])
        self.records(world, [(person, rng.random() < 0.75)], [])
        return world

    def couple(self, *, showcase: bool) -> World:
        rng = self.rng
        home = self.address(self.place())
        if showcase:  # a family that exercises every demo story: see interesting_citizens()
            mother_birth = self.born_in(1991)
            father_birth = self.born_in(1987)
            kids = [self.born_in(2017), TODAY - timedelta(days=rng.randint(5, 50))]
        else:
            mother_birth = self.born_in(rng.triangular(1955, 2003, 1988))
            father_birth = max(
                mother_birth - timedelta(days=rng.randint(0, 8 * 365)), date(1950, 1, 1)
            )
            kids = self.child_births(mother_birth)
        world = World()
        grandparents: list[tuple[Person, bool]] = []
        father_parents: tuple[Person, Person] | None = None
        if showcase or (father_birth.year >= 1968 and rng.random() < 0.35):
            gp_home = home if rng.random() < 0.5 else self.address(home[0])
            grandmother_birth = add_years(father_birth, -int(rng.uniform(20, 36)))
            grandfather_birth = grandmother_birth - timedelta(days=rng.randint(0, 8 * 365))
            grandfather = self.person("MALE", grandfather_birth, gp_home)
            grandmother = self.person("FEMALE", grandmother_birth, gp_home)
            for elder in (grandfather, grandmother):
                old = elder.birth_date.year < 1945
                if (showcase and elder is grandfather) or (
                    not showcase and rng.random() < (0.45 if old else 0.12)
                ):
                    self.die(elder, father_birth)
            father_parents = (grandfather, grandmother)
            grandparents = [(grandfather, rng.random() < 0.6), (grandmother, rng.random() < 0.4)]
            world.people += [grandfather, grandmother]
        if father_parents:
            father = self.person(
                "MALE", father_birth, home, father=father_parents[0], mother=father_parents[1]
            )
        else:
            father = self.person("MALE", father_birth, home)
        mother = self.person("FEMALE", mother_birth, home)
        children = [
            self.person(
                "MALE" if rng.random() < 0.51 else "FEMALE",
                birth,
                home,
                father=father,
                mother=mother,
            )
            for birth in kids
        ]
        if not showcase:
            youngest = max(kids, default=father_birth)
            for parent in (father, mother):
                if rng.random() < 0.012:
                    self.die(parent, youngest)
            for child in children:
                if rng.random() < 0.002:
                    self.die(child, child.birth_date)
        world.people += [father, mother, *children]
        father_works = showcase or rng.random() < 0.85
        mother_works = not showcase and rng.random() < 0.45
        if grandparents:
            self.records(world, grandparents, [])
        couple = [(father, father_works), (mother, mother_works)]
        self.records(world, couple, children, showcase=showcase)
        return world

    def child_births(self, mother_birth: date) -> list[date]:
        rng = self.rng
        count = rng.choices(range(5), (15, 30, 35, 15, 5))[0]
        births: list[date] = []
        at = mother_birth + timedelta(days=int(rng.uniform(19, 32) * 365.25))
        for _ in range(count):
            if at > TODAY:
                break
            if at >= _CHILDREN_FROM:
                births.append(at)
            at += timedelta(days=rng.randint(550, 2200))
        return births

    # --- agency records ----------------------------------------------------------------------
    def records(
        self,
        world: World,
        adults: list[tuple[Person, bool]],
        children: list[Person],
        *,
        showcase: bool = False,
    ) -> None:
        """Insurance, tax and school records for one family: a couple or a single, and children."""
        rng = self.rng
        covered: list[Insurance] = []
        for person, works in adults:
            lived = age(person.birth_date, person.death_date or TODAY)
            if lived < 18:
                continue
            kind: str | None = None
            if showcase and person is adults[0][0]:
                kind = "SALARIED"  # the showcase family's holder, whatever the dice say
            elif works and rng.random() > 0.08:  # 8% work informally, uninsured
                kind = (
                    "PENSIONER"
                    if lived >= 62
                    else rng.choices(("SALARIED", "SELF_EMPLOYED", "VOLUNTARY"), (65, 25, 10))[0]
                )
            elif not works and lived < 62 and rng.random() < 0.08:
                kind = "VOLUNTARY"
            if kind:
                covered.append(self.insurance(person, kind))
                if showcase and person is adults[0][0]:
                    covered[-1].status = "ACTIVE"
            # The showcase's non-working mother is the demo's adult without a tax record.
            taxpayer = rng.random() < (0.85 if works else 0.25) and not (showcase and not works)
            if taxpayer and person.death_date is None and lived <= 65:
                world.tax_records.append(self.tax_record(person))
        # The family's holder: a living insured adult if there is one.
        holder = next((row for row in covered if row.status != "EXPIRED"), None)
        if holder is not None:
            by_id = {row.national_id for row in covered}
            for person, _works in adults:
                if (
                    person.national_id not in by_id
                    and person.death_date is None
                    and age(person.birth_date) >= 18
                ):
                    covered.append(self.dependant(person, holder))
            newborn_since = TODAY - timedelta(days=NEWBORN_DAYS)
            holder.dependants += [
                child.national_id
                for child in children
                # newborns are not yet enrolled: the proactive birth service does that
                if child.death_date is None
                and age(child.birth_date) < 18
                and child.birth_date < newborn_since
            ]
        world.insurances += covered
        for child in children:
            if child.death_date is None:
                enrollment = self.enrollment(child)
                if enrollment:
                    world.enrollments.append(enrollment)

    def insurance(self, person: Person, kind: str) -> Insurance:
        rng = self.rng
        end = min(TODAY - timedelta(days=30), person.death_date or TODAY)
        if kind == "PENSIONER":
            since = min(add_years(person.birth_date, 62) + timedelta(days=rng.randrange(400)), end)
        else:
            since = self.day_between(max(add_years(person.birth_date, 18), date(1995, 3, 21)), end)
        if person.death_date:
            status = "EXPIRED"
            updated = person.death_recorded_at or NOW
        else:
            status = rng.choices(("ACTIVE", "SUSPENDED", "EXPIRED"), (88, 5, 7))[0]
            updated = self.moment_between(datetime.combine(since, time(8), UTC), NOW)
        number = self._insurance_numbers.take()
        return Insurance(person.national_id, number, status, kind, since, [], updated)

    def dependant(self, person: Person, holder: Insurance) -> Insurance:
        holder.dependants.append(person.national_id)
        since = min(max(holder.since, add_years(person.birth_date, 18)), TODAY)
        number = self._insurance_numbers.take()
        return Insurance(
            person.national_id, number, holder.status, "DEPENDANT", since, [], holder.updated_at
        )

    def tax_record(self, person: Person) -> TaxRecord:
        rng = self.rng
        cleared = rng.random() < 0.85
        year = (1404 if rng.random() < 0.8 else 1403) if cleared else rng.randint(1398, 1403)
        filed = datetime.combine(solar_hijri.to_gregorian(year + 1, 1, 1), time(7), UTC)
        updated = min(filed + timedelta(days=rng.randint(10, 110), minutes=rng.randrange(600)), NOW)
        return TaxRecord(person.national_id, self._tins.take(), cleared, year, updated)

    def enrollment(self, child: Person) -> Enrollment | None:
        rng = self.rng
        # A child starts grade 1 in the school year they are six on its first day (1 Mehr).
        grade = age(child.birth_date, SCHOOL_YEAR_START - timedelta(days=1)) - 5
        if grade < 1 or age(child.birth_date) > 18:
            return None
        city = next(i for i, place in enumerate(PLACES) if place.city == child.city)
        if grade > 12:
            school = rng.choice(schools_for(city, 12))
            updated = datetime(2026, 6, 21, 8, tzinfo=UTC) + timedelta(hours=rng.randrange(24 * 20))
            return Enrollment(
                child.national_id, school.name, school.code, 12, "1404-1405", "GRADUATED", updated
            )
        school = rng.choice(schools_for(city, grade))
        start = datetime.combine(SCHOOL_YEAR_START, time(8), UTC)
        if rng.random() < 0.03:
            status, updated = "WITHDRAWN", self.moment_between(start, NOW)
        else:
            status, updated = "ENROLLED", start + timedelta(hours=rng.randrange(24 * 30))
        return Enrollment(
            child.national_id,
            school.name,
            school.code,
            grade,
            CURRENT_ACADEMIC_YEAR,
            status,
            updated,
        )
