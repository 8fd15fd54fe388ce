"""A range of birth dates asked of each adapter kind in the agency's own format: Solar Hijri text
(every spelling), ISO text, DATE and DATETIME columns on SQLite, PostgreSQL and MariaDB; an HTTP
range endpoint and a GraphQL range query taking Solar Hijri, ISO or epoch bounds."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from datasources.base import MappingError, SourceError
from datasources.graphql import GraphqlAdapter
from datasources.http import HttpAdapter
from datasources.mapping import Mapping
from datasources.ranges import DateRange, solar_spellings
from datasources.sql import SqlAdapter, create_engine
from standard import solar_hijri
from tests.conftest import fresh_database
from tests.datasources.conftest import BIRTH, nid
from tests.harness import serve

# 1 Mehr 1398 is 2019-09-23; the rows around it, each spelled as agencies do.
MEHR_1 = date(2019, 9, 23)
ROWS = [
    (nid(1), "1398/07/01"),
    (nid(2), "1398-7-1"),
    (nid(3), "۱۳۹۸/۰۷/۰۲"),
    (nid(4), "1398.07.03"),
    (nid(5), "1398/06/31"),  # the day before
    (nid(6), "1398/07/04"),  # the day after
    (nid(7), "1398/7/10"),  # '1398/7/1' is a prefix of it: no lexicographic accident
    (nid(8), "not a date"),
]
IN_RANGE = {nid(1): MEHR_1, nid(2): MEHR_1, nid(3): date(2019, 9, 24), nid(4): date(2019, 9, 25)}
THREE_DAYS = DateRange(MEHR_1, date(2019, 9, 25))


def solar_mapping(column: str = "tarikh") -> dict[str, Any]:
    return {
        "table": "tavallod",
        "key": {"from": "kod"},
        "fields": {"date": {"from": column, "transform": "solar_hijri_date"}},
    }


async def seed(url: str, column_type: str, rows: list[tuple[str, Any]]) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(text("DROP TABLE IF EXISTS tavallod"))
            await connection.execute(
                text(f"CREATE TABLE tavallod (kod VARCHAR(10) PRIMARY KEY, tarikh {column_type})")
            )
            for code, value in rows:
                await connection.execute(
                    text("INSERT INTO tavallod (kod, tarikh) VALUES (:k, :v)"),
                    {"k": code, "v": value},
                )
    finally:
        await engine.dispose()


async def ask(url: str, mapping: dict[str, Any], within: DateRange) -> dict[str, date]:
    adapter = SqlAdapter(url, Mapping.parse(mapping, BIRTH, "sql"), name="civil-birth")
    try:
        return await adapter.keys_in_range("date", within)
    finally:
        await adapter.close()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'civil.db'}"


def test_every_spelling_of_a_day_is_asked() -> None:
    spellings = solar_spellings(MEHR_1)
    assert {"1398/07/01", "1398-7-1", "1398.07.01", "۱۳۹۸/۰۷/۰۱", "1398/7/01"} <= set(spellings)
    assert all(solar_hijri.parse(spelling) == MEHR_1 for spelling in spellings)
    assert "1398/7/10" not in spellings


async def test_solar_hijri_text_on_sqlite(sqlite_url: str) -> None:
    await seed(sqlite_url, "VARCHAR(20)", ROWS)
    assert await ask(sqlite_url, solar_mapping(), THREE_DAYS) == IN_RANGE


async def test_solar_hijri_text_on_postgresql(postgres_url: str) -> None:
    url = await fresh_database(postgres_url, "darvazeh_ranges_test")
    await seed(url, "VARCHAR(20)", ROWS)
    assert await ask(url, solar_mapping(), THREE_DAYS) == IN_RANGE


async def test_solar_hijri_text_on_mariadb(mariadb_url: str) -> None:
    url = await fresh_database(mariadb_url, "darvazeh_ranges_test")
    await seed(url, "VARCHAR(20)", ROWS)
    assert await ask(url, solar_mapping(), THREE_DAYS) == IN_RANGE


ISO_ROWS = [
    (nid(1), "2019-09-22"),
    (nid(2), "2019-09-23"),
    (nid(3), "2019-09-25"),
    (nid(4), "2019-09-26"),
]


@pytest.mark.parametrize("column_type", ["DATE", "VARCHAR(20)", "TIMESTAMP"])
async def test_iso_dates_by_column_type(postgres_url: str, column_type: str) -> None:
    url = await fresh_database(postgres_url, "darvazeh_ranges_iso_test")
    rows: list[tuple[str, Any]] = [
        (code, value if column_type == "VARCHAR(20)" else date.fromisoformat(value))
        for code, value in ISO_ROWS
    ]
    await seed(url, column_type, rows)
    mapping = {**solar_mapping(), "fields": {"date": {"from": "tarikh", "transform": "iso_date"}}}
    found = await ask(url, mapping, THREE_DAYS)
    assert found == {nid(2): MEHR_1, nid(3): date(2019, 9, 25)}


async def test_iso_date_column_on_sqlite_and_mariadb(sqlite_url: str, mariadb_url: str) -> None:
    maria = await fresh_database(mariadb_url, "darvazeh_ranges_iso_test")
    for url in (sqlite_url, maria):
        await seed(url, "DATE", [(code, date.fromisoformat(value)) for code, value in ISO_ROWS])
        mapping = {**solar_mapping(), "fields": {"date": {"from": "tarikh"}}}
        assert set(await ask(url, mapping, THREE_DAYS)) == {nid(2), nid(3)}


async def test_a_field_that_is_not_a_mapped_date_is_refused(sqlite_url: str) -> None:
    await seed(sqlite_url, "VARCHAR(20)", ROWS)
    mapping = {**solar_mapping(), "fields": {**solar_mapping()["fields"], "place": {"from": "kod"}}}
    adapter = SqlAdapter(sqlite_url, Mapping.parse(mapping, BIRTH, "sql"))
    try:
        with pytest.raises(SourceError):
            await adapter.keys_in_range("place", THREE_DAYS)
    finally:
        await adapter.close()


# -- http and graphql: the agency's own range API --------------------------------------------

AGENCY_ROWS = [
    {"code": nid(1), "born": "1398/07/01"},
    {"code": nid(2), "born": "1398/07/03"},
    {"code": nid(3), "born": "1398/07/09"},  # outside: an agency answering too much
    {"code": "12", "born": "1398/07/01"},  # no valid national code
]


def agency_app(asked: list[Any]) -> Starlette:
    """An agency answering every row it holds to any range, recording what it was asked."""

    async def births(request: Request) -> JSONResponse:
        asked.append(await request.json())
        return JSONResponse({"data": {"people": AGENCY_ROWS}})

    async def graphql(request: Request) -> JSONResponse:
        body = await request.json()
        asked.append(body)
        return JSONResponse({"data": {"birthsBetween": AGENCY_ROWS}})

    return Starlette(
        routes=[
            Route("/births", births, methods=["POST"]),
            Route("/graphql", graphql, methods=["POST"]),
        ]
    )


@pytest.fixture
async def agency() -> AsyncIterator[tuple[str, list[Any]]]:
    asked: list[Any] = []
    async with serve(agency_app(asked)) as url:
        yield url, asked


FIELDS = {"date": {"from": "born", "transform": "solar_hijri_date"}}


@pytest.mark.parametrize(
    ("fmt", "bounds"),
    [
        ("solar_hijri_date", ["1398/07/01", "1398/07/03"]),
        ("iso_date", ["2019-09-23", "2019-09-25"]),
        ("epoch_seconds", [1569110400, 1569542400]),  # widened a day each side, UTC midnights
    ],
)
async def test_http_range_in_the_agencys_format(
    agency: tuple[str, list[Any]], fmt: str, bounds: list[Any]
) -> None:
    url, asked = agency
    mapping = {
        "endpoint": "/people",
        "ids_field": "codes",
        "results": "data.people",
        "key": {"from": "code"},
        "fields": FIELDS,
        "range": {"field": "date", "endpoint": "/births", "from": "az", "to": "ta", "format": fmt},
    }
    adapter = HttpAdapter(url, Mapping.parse(mapping, BIRTH, "http"), name="civil-http")
    try:
        found = await adapter.keys_in_range("date", THREE_DAYS)
    finally:
        await adapter.close()
    assert asked == [{"az": bounds[0], "ta": bounds[1]}]
    assert found == {nid(1): MEHR_1, nid(2): date(2019, 9, 25)}


async def test_graphql_range_query(agency: tuple[str, list[Any]]) -> None:
    url, asked = agency
    mapping = {
        "query": {"field": "people", "argument": "codes"},
        "key": {"from": "code"},
        "fields": FIELDS,
        "range": {"field": "date", "query": "birthsBetween", "format": "solar_hijri_date"},
    }
    adapter = GraphqlAdapter(f"{url}/graphql", Mapping.parse(mapping, BIRTH, "graphql"))
    try:
        found = await adapter.keys_in_range("date", THREE_DAYS)
    finally:
        await adapter.close()
    (body,) = asked
    assert body["variables"] == {"from": "1398/07/01", "to": "1398/07/03"}
    assert "birthsBetween(from: $from, to: $to) { code born }" in body["query"]
    assert found == {nid(1): MEHR_1, nid(2): date(2019, 9, 25)}


def test_a_range_entry_is_checked() -> None:
    mapping = {
        "endpoint": "/people",
        "ids_field": "codes",
        "results": "data.people",
        "key": {"from": "code"},
        "fields": {**FIELDS, "place": {"from": "where"}},
        "range": {"field": "place", "format": "unix", "from": "a b", "extra": 1},
    }
    with pytest.raises(MappingError) as refused:
        Mapping.parse(mapping, BIRTH, "http")
    said = json.dumps(refused.value.problems)
    for fault in ("unknown option 'extra'", "date fields", "format must be", "endpoint"):
        assert fault in said
