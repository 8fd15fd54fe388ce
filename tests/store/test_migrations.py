"""Migrations build exactly the models' schema, on SQLite and on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from store.db import create_engine
from store.metadata import metadata
from store.migrate import upgrade_async
from tests.conftest import fresh_database


async def _drift(url: str) -> list:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(MigrationContext.configure(sync), metadata)
            )
    finally:
        await engine.dispose()


async def _tables(url: str) -> set[str]:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return set(await connection.run_sync(lambda sync: inspect(sync).get_table_names()))
    finally:
        await engine.dispose()


async def test_sqlite_store_migrates_to_the_models(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    await upgrade_async(url)
    await upgrade_async(url)  # a second run is a no-op
    assert await _drift(url) == []
    assert set(metadata.tables) <= await _tables(url)


async def test_postgres_store_migrates_to_the_models(postgres_url: str) -> None:
    url = await fresh_database(postgres_url, "darvazeh_migrations_test")
    await upgrade_async(url)
    assert await _drift(url) == []
    assert {"alembic_version", *metadata.tables} == await _tables(url)
