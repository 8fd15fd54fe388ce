"""The generator: deterministic, valid codes, coherent families and agency records."""

from __future__ import annotations

from datetime import timedelta

from demo.world import (
    NEWBORN_DAYS,
    TODAY,
    World,
    age,
    generate_world,
    interesting_citizens,
    iter_world,
)
from standard.national_id import validate


def test_same_seed_same_world(world: World) -> None:
    assert generate_world(len(world.people), 1405) == world


def test_other_seed_other_world(world: World) -> None:
    other = generate_world(len(world.people), 7)
    assert {p.national_id for p in other.people} != {p.national_id for p in world.people}


def test_chunking_does_not_change_the_world(world: World) -> None:
    chunks = list(iter_world(len(world.people), 1405, chunk_size=700))
    assert len(chunks) > 3
    joined = World()
    for chunk in chunks:
        joined.extend(chunk)
    assert joined == world


def test_exact_count_and_small_worlds() -> None:
    for count in (1, 5, 6, 7, 200):
        assert len(generate_world(count, 3).people) == count


def test_national_ids_valid_unique_and_some_start_with_zero(world: World) -> None:
    ids = [p.national_id for p in world.people]
    assert len(set(ids)) == len(ids)
    for code in ids:
        validate(code)
    zeros = sum(code.startswith("0") for code in ids)
    assert 0.05 < zeros / len(ids) < 0.2


def test_family_links_point_at_older_people(world: World) -> None:
    people = {p.national_id: p for p in world.people}
    linked = 0
    for person in world.people:
        for parent_id, gender in ((person.father_id, "MALE"), (person.mother_id, "FEMALE")):
            if parent_id is None:
                continue
            linked += 1
            parent = people[parent_id]
            assert parent.gender == gender
            assert age(parent.birth_date, person.birth_date) >= 18
            # a parent was alive at the child's birth
            assert parent.death_date is None or parent.death_date >= person.birth_date
        if person.father_id:
            assert person.last_name == people[person.father_id].last_name
            assert person.father_name == people[person.father_id].first_name
    assert linked > len(world.people) / 3


def test_deaths_and_dates_are_coherent(world: World) -> None:
    dead = [p for p in world.people if p.death_date is not None]
    assert 0.01 < len(dead) / len(world.people) < 0.06
    for person in world.people:
        assert person.birth_date <= TODAY
        assert len(person.postal_code) == 10 and person.postal_code.isdigit()
        assert person.gender in {"MALE", "FEMALE"}
        if person.death_date is not None:
            assert person.birth_date < person.death_date < TODAY
            assert person.death_place and person.death_recorded_at
        else:
            assert person.death_place is None


def test_agency_records_fit_the_people(world: World) -> None:
    people = {p.national_id: p for p in world.people}
    newborn_since = TODAY - timedelta(days=NEWBORN_DAYS)
    insured = [row.national_id for row in world.insurances]
    assert len(set(insured)) == len(insured)
    for row in world.insurances:
        assert age(people[row.national_id].birth_date) >= 18
        for dependant in row.dependants:
            assert dependant in people
            assert people[dependant].birth_date < newborn_since  # newborns wait for the service
        assert row.since <= TODAY
    for row in world.enrollments:
        child = people[row.national_id]
        assert 6 <= age(child.birth_date) <= 18 and child.death_date is None
        assert 1 <= row.grade <= 12
        # grade follows age on 1 Mehr: a child of 6 then is in grade 1
        if row.status != "GRADUATED":
            assert row.grade == age(child.birth_date, TODAY.replace(month=9, day=22)) - 5
    taxed = [row.national_id for row in world.tax_records]
    assert len(set(taxed)) == len(taxed)
    for row in world.tax_records:
        person = people[row.national_id]
        assert 18 <= age(person.birth_date) <= 65 and person.death_date is None
        assert 1398 <= row.last_filing_year <= 1404
    assert {row.cleared for row in world.tax_records} == {True, False}
    working_age = [p for p in world.people if 18 <= age(p.birth_date) <= 65 and not p.death_date]
    assert 0.45 < len(taxed) / len(working_age) < 0.75


def test_interesting_citizens_fit_their_description(world: World) -> None:
    found = interesting_citizens(world)
    people = {p.national_id: p for p in world.people}
    parent, child = people[found["parent"]], people[found["minor_child"]]
    assert child.father_id == parent.national_id or child.mother_id == parent.national_id
    assert age(child.birth_date) < 18 and parent.death_date is None
    assert people[found["deceased"]].death_date is not None
    taxed = {row.national_id for row in world.tax_records}
    no_tax = people[found["no_tax_record"]]
    assert no_tax.national_id not in taxed and age(no_tax.birth_date) >= 18
    newborn = people[found["newborn"]]
    assert (TODAY - newborn.birth_date).days <= NEWBORN_DAYS
    assert newborn.father_id in people and newborn.mother_id in people
    # the newborn's parent is insured, with the newborn not yet among the dependants
    holder = next(row for row in world.insurances if row.national_id == newborn.father_id)
    assert holder.status == "ACTIVE" and newborn.national_id not in holder.dependants


def test_interesting_citizens_exist_in_a_small_world() -> None:
    assert set(interesting_citizens(generate_world(6, 99))) == {
        "parent",
        "minor_child",
        "deceased",
        "no_tax_record",
        "newborn",
    }
