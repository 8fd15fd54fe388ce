"""The loader on real servers: civil registry in PostgreSQL, tax in MariaDB.

The agencies' table names are fixed by their shapes, so these tests replace those tables.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from demo.agencies import CIVIL_DEATHS, CIVIL_PEOPLE, TAXPAYERS, agency_file, load_agency
from demo.generate import main as generate_main
from demo.world import World, generate_world
from standard import solar_hijri
from store.db import create_engine


@pytest.fixture(scope="module")
def small_world() -> World:
    return generate_world(200, 1405)


@pytest.fixture
async def postgres(postgres_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(postgres_url)
    yield engine
    await engine.dispose()


@pytest.fixture
async def mariadb(mariadb_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(mariadb_url)
    yield engine
    await engine.dispose()


@pytest.mark.postgres
async def test_civil_registry_in_postgres(
    postgres: AsyncEngine, postgres_url: str, small_world: World
) -> None:
    counts = await load_agency("civil", postgres_url, small_world)
    assert counts["sabt_ahval_afrad"] == counts["neshani"] == 200
    assert await load_agency("civil", postgres_url, small_world) == counts  # replace
    people = {p.national_id: p for p in small_world.people}
    async with postgres.connect() as connection:
        rows = list(await connection.execute(select(CIVIL_PEOPLE)))
        deaths = await connection.scalar(select(func.count()).select_from(CIVIL_DEATHS))
    assert len(rows) == 200
    assert deaths == sum(p.death_date is not None for p in small_world.people)
    for row in rows:
        person = people[row.shomare_melli]
        assert row.nam == person.first_name  # Persian script survives
        assert solar_hijri.parse(row.tarikh_tavallod) == person.birth_date
        assert row.shomare_melli_pedar == person.father_id


@pytest.mark.mariadb
async def test_tax_in_mariadb(mariadb: AsyncEngine, mariadb_url: str, small_world: World) -> None:
    counts = await load_agency("tax", mariadb_url, small_world)
    assert counts == {"TAXPAYERS": len(small_world.tax_records)}
    async with mariadb.connect() as connection:
        rows = {row.NATIONAL_CODE: row for row in await connection.execute(select(TAXPAYERS))}
        created = (await connection.execute(text("SHOW CREATE TABLE TAXPAYERS"))).one()[1]
    assert "utf8mb4" in created and "AUTO_INCREMENT" not in created
    for record in small_world.tax_records:
        row = rows[int(record.national_id)]
        assert f"{row.NATIONAL_CODE:010d}" == record.national_id
        assert record.taxpayer_id == row.TIN


@pytest.mark.postgres
@pytest.mark.mariadb
async def test_generate_cli_across_servers(
    postgres: AsyncEngine,
    mariadb: AsyncEngine,
    postgres_url: str,
    mariadb_url: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the CLI calls asyncio.run, which a running loop forbids: run it in a worker thread
    argv = ["--count", "300", "--var-dir", str(tmp_path),
            "--civil-url", postgres_url, "--tax-url", mariadb_url]  # fmt: skip
    citizens = await asyncio.to_thread(generate_main, argv)
    assert set(citizens) == {"parent", "minor_child", "deceased", "no_tax_record", "newborn"}
    assert agency_file(tmp_path / "agencies", "social").is_file()
    assert not agency_file(tmp_path / "agencies", "civil").exists()
    async with postgres.connect() as connection:
        assert await connection.scalar(select(func.count()).select_from(CIVIL_PEOPLE)) == 300
    assert '"newborn"' in capsys.readouterr().out
