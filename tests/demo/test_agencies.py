"""The agency databases hold each agency's own shape, and the loader is idempotent."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from demo.agencies import (
    AGENCY_CODES,
    CIVIL_ADDRESSES,
    CIVIL_DEATHS,
    CIVIL_PEOPLE,
    SOCIAL_INSURED,
    STUDENTS,
    TAXPAYERS,
    load_agency,
)
from demo.world import World
from standard import solar_hijri
from store.db import create_engine


async def _rows(url: str, table: object) -> list:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return list(await connection.execute(select(table)))  # type: ignore[call-overload]
    finally:
        await engine.dispose()


async def test_files_are_where_the_gateway_expects(agency_urls: dict[str, str]) -> None:
    for name, url in agency_urls.items():
        # Each agency's file in its own folder, named by its code: the connection policy lets
        # an agency open only the files in its own folder.
        folder = AGENCY_CODES[name]
        assert url.startswith("sqlite+aiosqlite:///")
        assert url.endswith(f"agencies/{folder}/{name}.db")
        assert Path(url.removeprefix("sqlite+aiosqlite:///")).is_file()  # noqa: ASYNC240


async def test_civil_registry_shape(world: World, agency_urls: dict[str, str]) -> None:
    people = {p.national_id: p for p in world.people}
    rows = await _rows(agency_urls["civil"], CIVIL_PEOPLE)
    assert len(rows) == len(people)
    for row in rows:
        person = people[row.shomare_melli]
        assert solar_hijri.parse(row.tarikh_tavallod) == person.birth_date
        assert row.jensiat == (1 if person.gender == "MALE" else 2)
        assert (row.nam, row.nam_khanevadegi, row.nam_pedar) == (
            person.first_name,
            person.last_name,
            person.father_name,
        )
        assert (row.shomare_melli_pedar, row.shomare_melli_madar) == (
            person.father_id,
            person.mother_id,
        )
        assert datetime.fromtimestamp(row.akharin_taghyir, UTC) == person.updated_at.replace(
            microsecond=0
        )
    deaths = await _rows(agency_urls["civil"], CIVIL_DEATHS)
    assert len(deaths) == sum(p.death_date is not None for p in world.people)
    for row in deaths:
        assert solar_hijri.parse(row.tarikh_fot) == people[row.shomare_melli].death_date
    addresses = await _rows(agency_urls["civil"], CIVIL_ADDRESSES)
    assert {(r.shomare_melli, r.code_posti) for r in addresses} == {
        (p.national_id, p.postal_code) for p in world.people
    }


async def test_tax_codes_are_numbers_without_leading_zeros(
    world: World, agency_urls: dict[str, str]
) -> None:
    rows = {row.NATIONAL_CODE: row for row in await _rows(agency_urls["tax"], TAXPAYERS)}
    assert len(rows) == len(world.tax_records)
    zero = next(r for r in world.tax_records if r.national_id.startswith("0"))
    stored = rows[int(zero.national_id)]
    assert isinstance(stored.NATIONAL_CODE, int)
    assert len(str(stored.NATIONAL_CODE)) < 10
    assert f"{stored.NATIONAL_CODE:010d}" == zero.national_id
    assert ("Y" if zero.cleared else "N") == stored.CLEARANCE_FLAG
    assert zero.last_filing_year == stored.LAST_RETURN_YEAR
    assert stored.UPDATED_AT.replace(tzinfo=UTC) == zero.updated_at


async def test_social_security_shape(world: World, agency_urls: dict[str, str]) -> None:
    rows = {row.insured_id: row for row in await _rows(agency_urls["social"], SOCIAL_INSURED)}
    assert len(rows) == len(world.insurances)
    assert {row.status_code for row in rows.values()} == {"A", "S", "E"}
    assert {row.coverage_type for row in rows.values()} == {
        "salaried",
        "self_employed",
        "voluntary",
        "dependant",
        "pensioner",
    }
    for record in world.insurances:
        row = rows[record.national_id]
        assert row.start_date == record.since.isoformat()
        assert [d for d in row.dependants.split(",") if d] == record.dependants
        modified = datetime.fromisoformat(row.modified)
        assert modified.utcoffset() is not None and modified == record.updated_at


async def test_education_shape(world: World, agency_urls: dict[str, str]) -> None:
    rows = {row.code_melli: row for row in await _rows(agency_urls["education"], STUDENTS)}
    assert len(rows) == len(world.enrollments)
    for record in world.enrollments:
        row = rows[record.national_id]
        assert row.vaziat == record.status.lower()
        assert (row.paye, row.sal_tahsili, row.madrese_code) == (
            record.grade,
            record.academic_year,
            record.school_code,
        )
        assert datetime.fromisoformat(row.updated) == record.updated_at


async def test_reload_replaces_and_rows_load(tmp_path: Path, world: World) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'tax.db'}"
    first = await load_agency("tax", url, world)
    again = await load_agency("tax", url, world)  # replace: no duplicate keys
    assert first == again == {"TAXPAYERS": len(world.tax_records)}
    row = {
        "NATIONAL_CODE": 12345,
        "TIN": "1",
        "CLEARANCE_FLAG": "Y",
        "LAST_RETURN_YEAR": 1404,
        "UPDATED_AT": datetime(2026, 1, 1),
    }
    rows = {"TAXPAYERS": [row]}
    assert await load_agency("tax", url, rows) == {"TAXPAYERS": 1}
    engine = create_engine(url)
    async with engine.connect() as connection:
        count = await connection.scalar(text('SELECT count(*) FROM "TAXPAYERS"'))
    await engine.dispose()
    assert count == 1


async def test_bad_names_are_refused(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'x.db'}"
    with pytest.raises(ValueError, match="unknown agency"):
        await load_agency("police", url, World())
    with pytest.raises(ValueError, match="no table"):
        await load_agency("tax", url, {"taxpayers": []})
