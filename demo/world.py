"""The demo world: a deterministic population of synthetic citizens and their agency records.

One seeded random.Random drives everything, so a seed names a world. Households are generated one
at a time and handed out in chunks, so a million citizens stream without living in memory at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

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
from demo.households import HouseholdGenerator

__all__ = [
    "CURRENT_ACADEMIC_YEAR",
    "NEWBORN_DAYS",
    "NOW",
    "SCHOOL_YEAR_START",
    "TODAY",
    "Enrollment",
    "Insurance",
    "Person",
    "TaxRecord",
    "World",
    "add_years",
    "age",
    "generate",
    "generate_world",
    "interesting_citizens",
    "iter_world",
    "young_parents",
]


def iter_world(
    count: int = 10_000, seed: int = 1405, *, chunk_size: int = 5_000
) -> Iterator[World]:
    """The world as chunks of whole households, each about chunk_size people.

    The chunk size only cuts the stream: the same seed and count give the same people.
    """
    generator = HouseholdGenerator(seed)
    chunk = World()
    made = 0
    while made < count:
        household = generator.household(count - made)
        chunk.extend(household)
        made += len(household.people)
        if len(chunk.people) >= chunk_size:
            yield chunk
            chunk = World()
    if chunk.people:
        yield chunk


def generate_world(count: int = 10_000, seed: int = 1405) -> World:
    world = World()
    for chunk in iter_world(count, seed):
        world.extend(chunk)
    return world


generate = generate_world  # the name demo/__main__.py uses


def interesting_citizens(world: World) -> dict[str, str]:
    """National ids for the demo's stories; the first household guarantees each one exists."""
    people = {person.national_id: person for person in world.people}
    taxed = {record.national_id for record in world.tax_records}
    enrolled = {row.national_id for row in world.enrollments}
    found: dict[str, str] = {}
    newborn_since = TODAY - timedelta(days=NEWBORN_DAYS)
    for person in world.people:
        alive = person.death_date is None
        parent = people.get(person.father_id or "")
        if (
            "minor_child" not in found
            and alive
            and person.national_id in enrolled
            and age(person.birth_date) < 18
            and parent is not None
            and parent.death_date is None
        ):
            found["parent"], found["minor_child"] = parent.national_id, person.national_id
        if "deceased" not in found and not alive:
            found["deceased"] = person.national_id
        working_age = 18 <= age(person.birth_date) <= 65
        if (
            "no_tax_record" not in found
            and alive
            and working_age
            and person.national_id not in taxed
        ):
            found["no_tax_record"] = person.national_id
        if (
            "newborn" not in found
            and alive
            and person.birth_date >= newborn_since
            and person.father_id in people
            and person.mother_id in people
        ):
            found["newborn"] = person.national_id
    missing = {"parent", "minor_child", "deceased", "no_tax_record", "newborn"} - found.keys()
    if missing:
        raise LookupError(f"this world has no {', '.join(sorted(missing))}")
    return found


def young_parents(world: World, count: int) -> list[str]:
    """Up to `count` fathers of young families (both parents alive, the father 25 to 50), the
    showcase household's first: the demo gives each a child turning 6 (demo.civil_registry)."""
    people = {person.national_id: person for person in world.people}
    found: list[str] = []
    for child in world.people:
        father, mother = people.get(child.father_id or ""), people.get(child.mother_id or "")
        if (
            father is not None
            and mother is not None
            and father.national_id not in found
            and father.death_date is None
            and mother.death_date is None
            and 25 <= age(father.birth_date) <= 50
        ):
            found.append(father.national_id)
            if len(found) == count:
                break
    return found
