"""An empty, migrated gateway store on SQLite and on PostgreSQL, with a way to tamper with it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from store.db import create_engine, sessionmaker
from store.migrate import upgrade_async
from tests.conftest import fresh_database

ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@dataclass
class Store:
    url: str
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]

    @property
    def dialect(self) -> str:
        return make_url(self.url).get_backend_name()

    async def tamper(self, statement: str, **params: object) -> None:
        """Run `statement` with the append-only guard lifted, then put the guard back."""
        async with self.engine.begin() as connection:
            if self.dialect == "postgresql":
                await connection.execute(
                    text("ALTER TABLE audit_records DISABLE TRIGGER audit_records_append_only")
                )
                await connection.execute(text(statement), params)
                await connection.execute(
                    text("ALTER TABLE audit_records ENABLE TRIGGER audit_records_append_only")
                )
            else:
                for event in ("update", "delete"):
                    await connection.execute(text(f"DROP TRIGGER audit_records_no_{event}"))
                await connection.execute(text(statement), params)
                for event in ("UPDATE", "DELETE"):
                    await connection.execute(
                        text(
                            f"CREATE TRIGGER audit_records_no_{event.lower()} BEFORE {event} "
                            "ON audit_records BEGIN SELECT RAISE(ABORT, "
                            f"'audit_records is append-only: {event} refused'); END"
                        )
                    )


@pytest.fixture(params=ENGINES)
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store URL (SQLite) or a database server URL (PostgreSQL) to make a fresh store on."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    return request.getfixturevalue("postgres_url")


async def empty_store(target: str, name: str = "darvazeh_audit_test") -> str:
    url = target if target.startswith("sqlite") else await fresh_database(target, name)
    await upgrade_async(url)
    return url


@pytest.fixture
async def store(store_target: str) -> AsyncIterator[Store]:
    url = await empty_store(store_target)
    engine = create_engine(url)
    try:
        yield Store(url, engine, sessionmaker(engine))
    finally:
        await engine.dispose()
