"""A migrated gateway store on SQLite and on PostgreSQL, with agencies, data sources and their
probes written directly (what coverage reads), and cards registered the way agencies do."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from datasources.health_store import SharedHealth
from services.card_registration import register_missing
from services.cards import CardDraft
from store.db import create_engine, sessionmaker, transaction
from store.migrate import upgrade_async
from store.models import Agency, DataSource, SourceProbe
from tests.conftest import fresh_database

ENGINES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
AGENCIES = {"civil": ("ثبت احوال", "Civil registry"), "tax": ("مالیات", "Tax")}
# One source per record type, as the demo has them.
SOURCES = {
    "identity": "src-identity",
    "birth": "src-birth",
    "death": "src-death",
    "address": "src-address",
    "insurance": "src-insurance",
    "schoolEnrollment": "src-school",
    "taxStatus": "src-tax",
}
ADMIN = "civil-admin"


@pytest.fixture(params=ENGINES)
def store_target(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A store URL (SQLite) or a database server URL (PostgreSQL) to make a fresh store on."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}"
    return str(request.getfixturevalue("postgres_url"))


@pytest.fixture
async def sessions(store_target: str) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    if store_target.startswith("sqlite"):
        url = store_target
    else:
        url = await fresh_database(store_target, "darvazeh_catalogue")
    await upgrade_async(url)
    engine = create_engine(url)
    factory = sessionmaker(engine)
    async with transaction(factory) as session:
        for code, (fa, en) in AGENCIES.items():
            session.add(Agency(code=code, name_fa=fa, name_en=en))
        await session.flush()
        for record_type, source_id in SOURCES.items():
            session.add(
                DataSource(
                    id=source_id,
                    agency_code="civil",
                    record_type=record_type,
                    kind="sql",
                    connection_sealed="-",
                    connection_display="-",
                    mapping={},
                )
            )
        await session.flush()
        for source_id in SOURCES.values():
            session.add(SourceProbe(source_id=source_id, ok=True, probed_at=datetime.now(UTC)))
    try:
        yield factory
    finally:
        await engine.dispose()


def health(sessions: async_sessionmaker[AsyncSession]) -> SharedHealth:
    """Source health as the workers' flushes leave it, at the default flush interval."""
    return SharedHealth(sessions, flush_interval=5.0)


async def set_probe(
    sessions: async_sessionmaker[AsyncSession], source_id: str, ok: bool | None
) -> None:
    """The source's last probe: ok, failed, or (None) never probed."""
    async with transaction(sessions) as session:
        await session.execute(delete(SourceProbe).where(SourceProbe.source_id == source_id))
        if ok is not None:
            session.add(SourceProbe(source_id=source_id, ok=ok, probed_at=datetime.now(UTC)))


async def set_source_enabled(
    sessions: async_sessionmaker[AsyncSession], source_id: str, enabled: bool
) -> None:
    async with transaction(sessions) as session:
        source = await session.get(DataSource, source_id)
        assert source is not None
        source.enabled = enabled
        source.updated_at = datetime.now(UTC)


def draft(card_id: str, *datasets: str, agency: str = "civil", **changes: object) -> CardDraft:
    """A valid statutory card needing `datasets`."""
    fields: dict[str, object] = {
        "id": card_id,
        "agency": agency,
        "name_fa": f"خدمت {card_id}",
        "name_en": f"Service {card_id}",
        "datasets": datasets,
        "legal_basis": "statute",
        "statute": "Some Act, article 1",
    }
    return CardDraft(**(fields | changes))  # type: ignore[arg-type]


async def register(sessions: async_sessionmaker[AsyncSession], *drafts: CardDraft) -> None:
    async with transaction(sessions) as session:
        await register_missing(session, drafts, changed_by=ADMIN)
