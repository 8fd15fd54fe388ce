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


async def _upgrade_populated_store(url: str) -> None:
    """A store at 0004 holding a card that a client refers to, as a running deployment's does,
    then upgraded to head: no migration may need to drop a referenced table."""
    import asyncio

    from alembic import command
    from sqlalchemy import text

    from store.migrate import alembic_config

    await asyncio.to_thread(command.upgrade, alembic_config(url), "0004")
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            await connection.execute(
                text("INSERT INTO agencies (code, name_fa, name_en) VALUES ('a', 'آ', 'A')")
            )
            await connection.execute(
                text(
                    "INSERT INTO service_cards (id, agency_code, name_fa, name_en, purpose_fa, "
                    "purpose_en, datasets, legal_basis) "
                    "VALUES ('card', 'a', 'ک', 'Card', '', '', '[\"civil.birth\"]', 'consent')"
                )
            )
            await connection.execute(
                text(
                    "INSERT INTO oauth_clients (client_id, name, agency_code, role, "
                    "service_card_id, grant_types, scopes, token_endpoint_auth_method, "
                    "redirect_uris, require_par, require_dpop, enabled, created_at) VALUES "
                    "('c', 'c', 'a', 'service', 'card', '[]', '[]', 'client_secret_basic', "
                    "'[]', false, false, true, CURRENT_TIMESTAMP)"
                )
            )
        await upgrade_async(url)
        async with engine.connect() as connection:
            card = (
                await connection.execute(
                    text("SELECT version, enabled, proactive, updated_at FROM service_cards")
                )
            ).one()
    finally:
        await engine.dispose()
    assert card.version == 1 and card.enabled and not card.proactive
    assert card.updated_at is not None and str(card.updated_at) > "2000"
    assert await _drift(url) == []


async def test_a_populated_sqlite_store_upgrades(tmp_path: Path) -> None:
    await _upgrade_populated_store(f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}")


async def test_a_populated_postgres_store_upgrades(postgres_url: str) -> None:
    await _upgrade_populated_store(await fresh_database(postgres_url, "darvazeh_upgrade_test"))
