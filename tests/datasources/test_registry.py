from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from datasources.base import Fault, MappingError, RegistrationError, SourceError
from datasources.connections import display_connection
from datasources.policy import SourcePolicy
from datasources.registry import Registry
from standard.statuses import SourceStatus
from store.db import create_engine
from store.models import DataSource
from store.secrets import SecretBox
from tests.datasources.conftest import (
    API_KEY,
    IDENTITY_MAPPING,
    SPECS,
    STUDENTS_MAPPING,
    make_identity_table,
    make_policy,
    nid,
)


async def rows(sessions: async_sessionmaker[AsyncSession]) -> list[DataSource]:
    async with sessions() as session:
        return list((await session.scalars(select(DataSource))).all())


async def register_identity(registry: Registry, url: str, **changes: Any) -> Any:
    args: dict[str, Any] = {
        "source_id": "sabt-identity",
        "agency": "sabt",
        "record_type": "identity",
        "kind": "sql",
        "connection": {"url": url},
        "mapping": IDENTITY_MAPPING,
    }
    return await registry.register(**{**args, **changes})


async def test_register_then_fetch_and_count_calls(
    registry: Registry, identity_db: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    source = await register_identity(registry, identity_db)
    assert registry.source_for("identity") is source
    assert registry.sources() == [source]
    assert source.timeout == 2.0 and source.kind == "sql" and source.agency == "sabt"
    found = await registry.fetch(source, [nid(1), nid(2)])
    assert found[nid(2)].values["gender"] == "MALE"
    assert await registry.fetch(source, []) == {}
    assert source.calls == 1
    [row] = await rows(sessions)
    assert row.mapping == IDENTITY_MAPPING and row.enabled and row.kind == "sql"


async def test_refuses_a_mapping_naming_an_unknown_column(
    registry: Registry, identity_db: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    mapping = copy.deepcopy(IDENTITY_MAPPING)
    mapping["fields"]["lastName"] = {"from": "famil"}
    with pytest.raises(SourceError, match="has no column 'famil'"):
        await register_identity(registry, identity_db, mapping=mapping)
    assert await rows(sessions) == []
    assert registry.source_for("identity") is None


async def test_refused_registration_swaps_nothing(
    registry: Registry, identity_db: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    source = await register_identity(registry, identity_db)
    bad = copy.deepcopy(IDENTITY_MAPPING)
    bad["table"] = "afrad"
    with pytest.raises(SourceError, match="table 'afrad' does not exist"):
        await register_identity(registry, identity_db, mapping=bad)
    invalid = copy.deepcopy(IDENTITY_MAPPING)
    del invalid["fields"]["firstName"]
    with pytest.raises(MappingError, match="required field 'firstName' is not mapped"):
        await register_identity(registry, identity_db, mapping=invalid)
    assert registry.source_for("identity") is source
    [row] = await rows(sessions)
    assert row.mapping == IDENTITY_MAPPING


async def test_refusals_before_any_probe(
    registry: Registry, identity_db: str, tmp_path: Path
) -> None:
    with pytest.raises(RegistrationError, match=r"unknown source kind 'soap' \(use one of: sql, "):
        await register_identity(registry, identity_db, kind="soap")
    with pytest.raises(RegistrationError, match="unknown record type 'shoes'"):
        await register_identity(registry, identity_db, record_type="shoes")
    with pytest.raises(RegistrationError, match="unknown agency 'nobody'"):
        await register_identity(registry, identity_db, agency="nobody")
    await register_identity(registry, identity_db)
    with pytest.raises(RegistrationError, match="agency 'maliat''s own folder"):
        await register_identity(registry, identity_db, source_id="maliat-id", agency="maliat")
    (tmp_path / "agencies" / "maliat").mkdir()
    maliat_db = f"sqlite+aiosqlite:///{tmp_path / 'agencies' / 'maliat' / 'sabt.db'}"
    await make_identity_table(maliat_db)
    with pytest.raises(RegistrationError, match="served by another agency"):
        await register_identity(registry, maliat_db, source_id="maliat-id", agency="maliat")
    with pytest.raises(RegistrationError, match="needs"):
        await register_identity(registry, identity_db, source_id="x", connection={})


async def test_reregistering_takes_effect_at_once(
    registry: Registry, identity_db: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    first = await register_identity(registry, identity_db)
    await registry.fetch(first, [nid(1)])
    mapping = copy.deepcopy(IDENTITY_MAPPING)
    mapping["fields"]["firstName"] = {"from": "nam_pedar"}
    second = await register_identity(
        registry,
        identity_db,
        source_id="sabt-identity-v2",
        mapping=mapping,
        replaces="sabt-identity",
    )
    assert registry.source_for("identity") is second
    found = await registry.fetch(second, [nid(1)])
    assert found[nid(1)].values["firstName"] == "Pedar1"
    enabled = {row.id: row.enabled for row in await rows(sessions)}
    assert enabled == {"sabt-identity": False, "sabt-identity-v2": True}


async def test_connection_secrets_are_sealed_and_masked(
    registry: Registry, agency_api: str, sessions: async_sessionmaker[AsyncSession], box: SecretBox
) -> None:
    connection = {"base_url": agency_api, "headers": {"X-Api-Key": API_KEY}}
    source = await registry.register(
        source_id="amoozesh-school",
        agency="amoozesh",
        record_type="schoolEnrollment",
        kind="http",
        connection=connection,
        mapping=STUDENTS_MAPPING,
    )
    assert len(await registry.fetch(source, [nid(5)])) == 1
    [row] = await rows(sessions)
    assert API_KEY not in row.connection_sealed and agency_api not in row.connection_sealed
    assert API_KEY not in row.connection_display
    assert json.loads(row.connection_display) == {
        "base_url": agency_api,
        "headers": {"X-Api-Key": "***"},
    }
    assert json.loads(box.open(row.connection_sealed)) == connection


def test_display_connection_masks_sql_passwords() -> None:
    shown = display_connection(
        "sql", {"url": "postgresql+asyncpg://sabt:Pa55word@db:5432/sabt?ssl=require&api_token=x1"}
    )
    assert "Pa55word" not in shown and "x1" not in shown
    assert json.loads(shown)["url"].startswith("postgresql+asyncpg://sabt:***@db:5432/sabt?")


async def test_another_worker_loads_registered_sources(
    registry: Registry,
    identity_db: str,
    sessions: async_sessionmaker[AsyncSession],
    box: SecretBox,
    policy: SourcePolicy,
) -> None:
    await register_identity(registry, identity_db)
    other = Registry(sessions, box, SPECS, policy=policy)
    try:
        await other.load()
        loaded = other.source_for("identity")
        assert loaded is not None and loaded.timeout == 3.0
        assert nid(4) in await other.fetch(loaded, [nid(4)])
        await other.load()  # unchanged rows keep their live source
        assert other.source_for("identity") is loaded
    finally:
        await other.close()


async def test_probe_fails_naming_a_renamed_column(
    registry: Registry, identity_db: str, agency_api: str
) -> None:
    await register_identity(registry, identity_db)
    await registry.register(
        source_id="amoozesh-school",
        agency="amoozesh",
        record_type="schoolEnrollment",
        kind="http",
        connection={"base_url": agency_api, "headers": {"X-Api-Key": API_KEY}},
        mapping=STUDENTS_MAPPING,
    )
    results = await registry.probe_all()
    assert all(result.ok for result in results.values()) and len(results) == 2

    engine = create_engine(identity_db)
    async with engine.begin() as conn:
        await conn.execute(text("ALTER TABLE sabt_ahval_afrad RENAME COLUMN nam TO esm"))
    await engine.dispose()
    results = await registry.probe_all()
    assert not results["sabt-identity"].ok
    assert "has no column 'nam'" in (results["sabt-identity"].error or "")
    assert results["amoozesh-school"].ok

    stored = await registry.last_probes()
    assert stored["sabt-identity"].error == results["sabt-identity"].error
    assert stored["sabt-identity"].probed_at.tzinfo is not None
    assert stored["amoozesh-school"].ok


async def test_down_says_why_after_a_failed_call_and_a_failed_probe(
    registry: Registry, identity_db: str
) -> None:
    """The agency renames a column under its mapping: the failed call's message (its words, the
    missing column) is the health view's last error, and so is the failed probe's, even when the
    source is registered again in this worker (a fresh monitor)."""
    source = await register_identity(registry, identity_db)
    engine = create_engine(identity_db)
    async with engine.begin() as conn:
        await conn.execute(text("ALTER TABLE sabt_ahval_afrad RENAME COLUMN nam TO esm"))
    await engine.dispose()
    with pytest.raises(SourceError) as raised:
        await registry.fetch(source, [nid(1)])
    assert raised.value.fault is Fault.MISMATCH
    said = "data source 'sabt-identity' no longer matches its mapping: table "
    assert raised.value.for_agency.startswith(said) and "has no column 'nam'" in str(raised.value)
    await registry.flush_health()
    view = (await registry.shared_health.views())["sabt-identity"]
    assert view.last_error == raised.value.for_agency and view.last_failure_at is not None

    await registry.probe_all()
    view = (await registry.shared_health.views())["sabt-identity"]
    assert view.status == SourceStatus.DOWN and view.probe_ok is False
    assert view.last_error is not None and "has no column 'nam'" in view.last_error
    assert "sqlite" not in view.last_error and "OperationalError" not in view.last_error


async def test_load_skips_a_row_it_cannot_build(
    registry: Registry, identity_db: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    await register_identity(registry, identity_db)
    async with sessions() as session, session.begin():
        row = await session.get(DataSource, "sabt-identity")
        assert row is not None
        row.mapping = {"table": "x"}
    await registry.load()
    assert registry.source_for("identity") is None
    assert await registry.probe_all() == {}


@pytest.mark.postgres
async def test_sql_password_is_sealed_postgres(
    sessions: async_sessionmaker[AsyncSession], box: SecretBox, postgres_url: str, tmp_path: Path
) -> None:
    url = postgres_url.replace(
        "://postgres@", "://postgres:Sup3rSecretPw@"
    )  # trust auth ignores it
    table = f"sabt_{uuid.uuid4().hex[:8]}"
    await make_identity_table(url, table=table)
    engine = create_engine(url)
    server = make_url(url)
    allowed = {"sabt": [f"{server.host}:{server.port or 5432}/{server.database}"]}
    registry = Registry(sessions, box, SPECS, policy=make_policy(tmp_path, allowed))
    try:
        source = await register_identity(
            registry, url, mapping={**IDENTITY_MAPPING, "table": table}
        )
        assert nid(7) in await registry.fetch(source, [nid(7)])
        [row] = await rows(sessions)
        assert "Sup3rSecretPw" not in row.connection_sealed
        assert "Sup3rSecretPw" not in row.connection_display
        assert "postgres:***@" in row.connection_display
    finally:
        await registry.close()
        async with engine.begin() as conn:
            await conn.execute(text(f"DROP TABLE IF EXISTS {table}"))
        await engine.dispose()
