from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncEngine

from datasources.base import Fault, MappedRecord, RecordError, SourceError
from datasources.mapping import Mapping
from datasources.sql import ENGINES, SqlAdapter
from store.db import create_engine
from tests.datasources.conftest import IDENTITY, IDENTITY_MAPPING, TAX, nid


def identity_adapter(url: str) -> SqlAdapter:
    return SqlAdapter(url, Mapping.parse(IDENTITY_MAPPING, IDENTITY, "sql"), name="sabt-identity")


class Statements:
    """Counts statements an engine sends, to prove a batch is one query."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.sent: list[str] = []
        self._engine = engine
        event.listen(engine.sync_engine, "before_cursor_execute", self._count)

    def _count(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.sent.append(statement)

    def stop(self) -> None:
        event.remove(self._engine.sync_engine, "before_cursor_execute", self._count)


@pytest.fixture
def counted() -> Iterator[list[Statements]]:
    made: list[Statements] = []
    yield made
    for statements in made:
        statements.stop()


async def test_fetch_maps_rows_and_leaves_out_ids_without_record(identity_db: str) -> None:
    adapter = identity_adapter(identity_db)
    try:
        found = await adapter.fetch([nid(1), nid(10), nid(999)])
    finally:
        await adapter.close()
    assert set(found) == {nid(1), nid(10)}
    assert found[nid(1)].values == {
        "firstName": "Nam1",
        "lastName": "Family1",
        "fatherName": "Pedar1",
        "gender": "FEMALE",
    }
    assert found[nid(10)].values["fatherName"] is None
    assert found[nid(1)].last_updated == datetime.fromtimestamp(1_700_000_001, UTC)


async def test_a_batch_of_100_ids_is_one_query(identity_db: str, counted: list[Statements]) -> None:
    adapter = identity_adapter(identity_db)
    ids = [nid(i) for i in range(1, 101)]
    await adapter.fetch(ids[:1])  # connect first: SQLite's PRAGMAs are statements too
    statements = Statements(adapter.engine)
    counted.append(statements)
    try:
        found = await adapter.fetch(ids)
    finally:
        await adapter.close()
    assert len(found) == 100
    assert len(statements.sent) == 1
    assert "sabt_ahval_afrad" in statements.sent[0] and " IN (" in statements.sent[0]


async def test_integer_key_that_lost_its_leading_zeros(agency_sqlite: str) -> None:
    """The tax agency keeps codes in a numeric column, upper-case names, as in its MariaDB."""
    engine = create_engine(agency_sqlite)
    async with engine.begin() as conn:
        await conn.execute(
            text(
                'CREATE TABLE "TAXPAYERS" ("NATIONAL_CODE" BIGINT, "TAXPAYER_ID" TEXT, '
                '"CLEARED" INTEGER, "LAST_YEAR" INTEGER)'
            )
        )
        await conn.execute(
            text('INSERT INTO "TAXPAYERS" VALUES (:c, :t, :ok, :y)'),
            [
                {"c": int(nid(1)), "t": "T-1", "ok": 1, "y": 1401},
                {"c": int(nid(2)), "t": "T-2", "ok": 0, "y": None},
            ],
        )
    await engine.dispose()
    raw = {
        "table": "TAXPAYERS",
        "key": {"from": "NATIONAL_CODE", "type": "integer"},
        "fields": {
            "taxpayerId": {"from": "TAXPAYER_ID"},
            "clearance": {"from": "CLEARED"},
            "lastFilingYear": {"from": "LAST_YEAR"},
        },
    }
    assert nid(1).startswith("00")
    adapter = SqlAdapter(agency_sqlite, Mapping.parse(raw, TAX, "sql"))
    try:
        await adapter.probe()
        found = await adapter.fetch([nid(1), nid(2), nid(3)])
    finally:
        await adapter.close()
    assert found[nid(1)].values == {"taxpayerId": "T-1", "clearance": True, "lastFilingYear": 1401}
    assert found[nid(2)].values == {"taxpayerId": "T-2", "clearance": False, "lastFilingYear": None}
    assert nid(3) not in found


async def test_probe_names_a_dropped_column_and_a_missing_table(identity_db: str) -> None:
    adapter = identity_adapter(identity_db)
    try:
        await adapter.probe()
        engine = create_engine(identity_db)
        async with engine.begin() as conn:
            await conn.execute(
                text("ALTER TABLE sabt_ahval_afrad RENAME COLUMN nam_pedar TO pedar")
            )
        with pytest.raises(SourceError, match="has no column 'nam_pedar'") as caught:
            await adapter.probe()
        assert "sabt-identity" in str(caught.value)
        async with engine.begin() as conn:
            await conn.execute(text("DROP TABLE sabt_ahval_afrad"))
        await engine.dispose()
        with pytest.raises(SourceError, match="table 'sabt_ahval_afrad' does not exist"):
            await adapter.probe()
        # A call fails the same way, in the agency's words (no driver message).
        with pytest.raises(SourceError) as failed:
            await adapter.fetch([nid(1)])
        assert failed.value.fault is Fault.MISMATCH
        assert failed.value.for_agency.endswith("table 'sabt_ahval_afrad' does not exist")
    finally:
        await adapter.close()


async def test_a_row_that_does_not_fit_costs_only_its_citizen(identity_db: str) -> None:
    engine = create_engine(identity_db)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE sabt_ahval_afrad SET jensiat = 7 WHERE nam = 'Nam3'"))
    await engine.dispose()
    adapter = identity_adapter(identity_db)
    try:
        found = await adapter.fetch([nid(2), nid(3)])
        assert isinstance(found[nid(2)], MappedRecord)
        assert isinstance(found[nid(3)], RecordError)
        assert "field 'gender' (from 'jensiat')" in str(found[nid(3)])
        assert "7" not in str(found[nid(3)])  # the stored value may be personal: never echoed
    finally:
        await adapter.close()


async def test_engines_are_shared_per_url(identity_db: str) -> None:
    first, second = identity_adapter(identity_db), identity_adapter(identity_db)
    assert first.engine is second.engine
    await first.close()
    await first.close()  # closing twice releases once
    assert len(await second.fetch([nid(1)])) == 1
    await second.close()
    assert identity_db not in ENGINES._engines


async def test_connection_refused_does_not_leak_the_password() -> None:
    url = "postgresql+asyncpg://agency:Hunter2Secret@127.0.0.1:1/sabt"
    adapter = SqlAdapter(url, Mapping.parse(IDENTITY_MAPPING, IDENTITY, "sql"))
    try:
        with pytest.raises(SourceError) as caught:
            await adapter.fetch([nid(1)])
        with pytest.raises(SourceError) as probed:
            await adapter.probe()
    finally:
        await adapter.close()
    for error in (caught.value, probed.value):
        assert "Hunter2Secret" not in str(error)
        assert nid(1) not in str(error)
    assert "agency:***@127.0.0.1:1/sabt" in str(caught.value)
    print(caught.value, probed.value, sep="\n")


def test_unknown_driver_is_a_source_error() -> None:
    with pytest.raises(SourceError, match="cannot use"):
        identity_adapter("nosuchdb+nodriver://u:pw@host/db")


# -- the agencies' real database servers --------------------------------------------------


async def _server_roundtrip(url: str, quote: str) -> None:
    """A table in upper-case names with an integer key, made, read, probed, dropped."""
    name = f"TAXPAYERS_{uuid.uuid4().hex[:8].upper()}"
    q = quote
    engine = create_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(
                text(
                    f"CREATE TABLE {q}{name}{q} ({q}NATIONAL_CODE{q} BIGINT PRIMARY KEY, "
                    f"{q}TAXPAYER_ID{q} VARCHAR(20), {q}CLEARED{q} SMALLINT, {q}LAST_YEAR{q} INT)"
                )
            )
            await conn.execute(
                text(f"INSERT INTO {q}{name}{q} VALUES (:c, :t, :ok, :y)"),
                [
                    {"c": int(nid(i)), "t": f"T-{i}", "ok": i % 2, "y": 1400 + i}
                    for i in range(1, 6)
                ],
            )
        raw = {
            "table": name,
            "key": {"from": "NATIONAL_CODE", "type": "integer"},
            "fields": {
                "taxpayerId": {"from": "TAXPAYER_ID"},
                "clearance": {"from": "CLEARED"},
                "lastFilingYear": {"from": "LAST_YEAR"},
            },
        }
        adapter = SqlAdapter(url, Mapping.parse(raw, TAX, "sql"))
        try:
            await adapter.probe()
            found = await adapter.fetch([nid(1), nid(2), nid(9)])
            assert set(found) == {nid(1), nid(2)}
            assert found[nid(1)].values == {
                "taxpayerId": "T-1",
                "clearance": True,
                "lastFilingYear": 1401,
            }
            async with engine.begin() as conn:
                await conn.execute(text(f"ALTER TABLE {q}{name}{q} DROP COLUMN {q}LAST_YEAR{q}"))
            with pytest.raises(SourceError, match="has no column 'LAST_YEAR'"):
                await adapter.probe()
        finally:
            await adapter.close()
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f"DROP TABLE IF EXISTS {q}{name}{q}"))
        await engine.dispose()


@pytest.mark.postgres
async def test_postgres_upper_case_table_with_integer_key(postgres_url: str) -> None:
    await _server_roundtrip(postgres_url, '"')


@pytest.mark.mariadb
async def test_mariadb_upper_case_table_with_integer_key(mariadb_url: str) -> None:
    await _server_roundtrip(mariadb_url, "`")
