"""Every datetime the store hands back is aware UTC, on every engine: nothing in the gateway ever
compares a naive datetime read back from SQLite with an aware one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import DateTime, delete, select

from store.db import create_engine, sessionmaker, transaction
from store.metadata import metadata
from store.migrate import upgrade_async
from store.models import Agency, DataSource, SourceHealth
from store.types import UtcDateTime

TEHRAN = timezone(timedelta(hours=3, minutes=30))


def test_every_datetime_column_of_the_store_reads_back_aware() -> None:
    naive_columns = [
        f"{table.name}.{column.name}"
        for table in metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, DateTime) and not isinstance(column.type, UtcDateTime)
    ]
    datetime_columns = [
        column
        for table in metadata.tables.values()
        for column in table.columns
        if isinstance(column.type, UtcDateTime)
    ]
    assert naive_columns == []
    assert len(datetime_columns) > 20  # the scan sees every model module's tables


async def test_sqlite_round_trip_is_aware_utc_and_keeps_the_instant(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    await upgrade_async(url)
    engine = create_engine(url)
    sessions = sessionmaker(engine)
    local = datetime(2025, 3, 20, 12, 0, tzinfo=TEHRAN)  # 08:30 UTC
    try:
        async with transaction(sessions) as session:
            session.add(Agency(code="sabt", name_fa="sabt", name_en="sabt"))
            session.add(
                DataSource(
                    id="s",
                    agency_code="sabt",
                    record_type="identity",
                    kind="sql",
                    connection_sealed="x",
                    connection_display="{}",
                    mapping={},
                    created_at=datetime(2025, 3, 20, 8, 30),  # naive: taken as UTC
                    updated_at=local,
                )
            )
        async with sessions() as session:
            row = await session.get(DataSource, "s")
            assert row is not None
            assert row.created_at.tzinfo is UTC and row.updated_at.tzinfo is UTC
            assert row.created_at == row.updated_at == local
            # A comparison in SQL binds the same way the column was written.
            found = await session.scalar(
                select(DataSource.id).where(DataSource.updated_at < local + timedelta(seconds=1))
            )
            assert found == "s"
    finally:
        await engine.dispose()


async def test_a_bulk_delete_evaluated_in_python_compares_aware_datetimes(tmp_path: Path) -> None:
    """The ORM evaluates a bulk DELETE's WHERE against the objects a session holds: rows read back
    from SQLite must be aware, or the comparison with an aware bound raises TypeError."""
    url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    await upgrade_async(url)
    engine = create_engine(url)
    sessions = sessionmaker(engine)
    try:
        async with transaction(sessions) as session:
            session.add(Agency(code="sabt", name_fa="sabt", name_en="sabt"))
            session.add(
                DataSource(
                    id="s",
                    agency_code="sabt",
                    record_type="identity",
                    kind="sql",
                    connection_sealed="x",
                    connection_display="{}",
                    mapping={},
                )
            )
            session.add(SourceHealth(source_id="s", worker_id="w", updated_at=datetime.now(UTC)))
        async with transaction(sessions) as session:
            held = list(await session.scalars(select(SourceHealth)))
            horizon = datetime.now(UTC) - timedelta(hours=1)
            await session.execute(delete(SourceHealth).where(SourceHealth.updated_at < horizon))
            assert held[0].updated_at.tzinfo is UTC
        async with sessions() as session:
            assert len(list(await session.scalars(select(SourceHealth)))) == 1
    finally:
        await engine.dispose()
