"""Source health shared across workers: two Registry instances over one migrated store (SQLite,
and PostgreSQL when reachable) flush their own rows; the read API combines the fresh ones."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from datasources.base import SourceError
from datasources.health import CircuitOpenError, HealthPolicy
from datasources.health_store import SharedHealth, SourceHealthView, health_status, source_health
from datasources.registry import Registry
from standard.statuses import SourceStatus
from store.db import create_engine, sessionmaker, transaction
from store.migrate import upgrade_async
from store.models import Agency, DataSource, SourceHealth, SourceProbe
from store.secrets import SecretBox
from tests.conftest import fresh_database
from tests.datasources.conftest import SPECS, agency_app, make_policy, nid
from tests.datasources.test_health_registry import register_students
from tests.datasources.test_registry import register_identity
from tests.harness import free_port, serve

SOURCE = "amoozesh-school"


async def health_rows(sessions: async_sessionmaker[AsyncSession]) -> list[SourceHealth]:
    async with sessions() as session:
        return list((await session.scalars(select(SourceHealth))).all())


async def two_workers_share_their_view(url: str, tmp_path: Path) -> None:
    await upgrade_async(url)
    engine = create_engine(url)
    sessions = sessionmaker(engine)
    async with transaction(sessions) as session:
        session.add(Agency(code="amoozesh", name_fa="amoozesh", name_en="amoozesh"))
    box = SecretBox(Fernet.generate_key())
    health = HealthPolicy(failures=3)
    port = free_port()
    policy = make_policy(tmp_path, {"amoozesh": [f"127.0.0.1:{port}"]})
    first = Registry(sessions, box, SPECS, policy=policy, health=health)
    second = Registry(sessions, box, SPECS, policy=policy, health=health)
    try:
        assert first.worker_id != second.worker_id
        async with serve(agency_app(), port) as base_url:
            source = await register_students(first, base_url)
            for _ in range(3):
                await first.fetch(source, [nid(1), nid(2)])
            await second.load()  # the other worker picks the source up from the store
            loaded = second.source_for("schoolEnrollment")
            assert loaded is not None
            await second.fetch(loaded, [nid(3)])
        # The agency goes down; only the second worker happens to call it.
        for _ in range(3):
            with pytest.raises(SourceError):
                await second.fetch(loaded, [nid(3)])
        with pytest.raises(CircuitOpenError):
            await second.fetch(loaded, [nid(3)])

        await first.flush_health()
        await second.flush_health()
        await first.flush_health()  # a second flush updates the worker's row, adds none
        rows = await health_rows(sessions)
        assert sorted(row.worker_id for row in rows) == sorted([first.worker_id, second.worker_id])

        view = (await first.shared_health.views())[SOURCE]
        # The worst worker's breaker.
        assert view.status == SourceStatus.DOWN and view.breaker == "open"
        assert view.calls == 7 and view.error_rate == pytest.approx(3 / 7)
        assert view.probe_ok is True and view.probed_at is not None  # from the registration
        assert view.last_success_at is not None and view.last_failure_at is not None
        assert view.last_failure_at >= view.last_success_at
        # What the agency may see: the kind of fault, never the endpoint or the driver's words.
        assert view.last_error == "data source 'amoozesh-school' could not be reached"
        assert view.latency_p50_ms is not None and view.latency_p95_ms is not None
        assert view.latency_p95_ms >= view.latency_p50_ms

        # The second worker stops flushing: once its row is stale, only the first one counts.
        async with transaction(sessions) as session:
            await session.execute(
                update(SourceHealth)
                .where(SourceHealth.worker_id == second.worker_id)
                .values(updated_at=datetime.now(UTC) - timedelta(minutes=5))
            )
        view = (await first.shared_health.views())[SOURCE]
        found = (view.status, view.breaker, view.calls, view.error_rate)
        assert found == (SourceStatus.HEALTHY, "closed", 3, 0)
        assert view.last_failure_at is not None  # still true, whoever saw it
        assert (await source_health(sessions, stale_after=3600))[SOURCE].breaker == "open"
        # Where workers flush every two minutes, a row five minutes old still counts.
        slow = SharedHealth(sessions, flush_interval=120.0)
        assert (await slow.views())[SOURCE].breaker == "open"

        # Rows of workers gone for long are pruned by anyone's flush.
        async with transaction(sessions) as session:
            await session.execute(
                update(SourceHealth)
                .where(SourceHealth.worker_id == second.worker_id)
                .values(updated_at=datetime.now(UTC) - timedelta(hours=2))
            )
        await first.flush_health()
        assert [row.worker_id for row in await health_rows(sessions)] == [first.worker_id]

        # A source that no longer exists takes its health and probe rows with it.
        async with transaction(sessions) as session:
            await session.execute(delete(DataSource).where(DataSource.id == SOURCE))
        async with sessions() as session:
            assert await session.scalar(select(func.count()).select_from(SourceProbe)) == 0
        assert await health_rows(sessions) == []
        assert await first.shared_health.views() == {}
        await first.flush_health()  # its live source is gone from the store: nothing written
        assert await health_rows(sessions) == []
    finally:
        await first.close()
        await second.close()
        await engine.dispose()


async def test_two_workers_share_their_view_sqlite(tmp_path: Path) -> None:
    await two_workers_share_their_view(f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}", tmp_path)


@pytest.mark.postgres
async def test_two_workers_share_their_view_postgres(postgres_url: str, tmp_path: Path) -> None:
    url = await fresh_database(postgres_url, "darvazeh_health_store_test")
    await two_workers_share_their_view(url, tmp_path)


async def test_a_source_never_probed_nor_called_is_unknown(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with transaction(sessions) as session:
        session.add(
            DataSource(
                id="maliat-tax",
                agency_code="maliat",
                record_type="taxStatus",
                kind="sql",
                connection_sealed="x",
                connection_display="x",
                mapping={},
            )
        )
    [view] = (await source_health(sessions, stale_after=15.0)).values()
    assert view == SourceHealthView(
        source_id="maliat-tax",
        status=SourceStatus.UNKNOWN,
        breaker="closed",
        last_success_at=None,
        last_failure_at=None,
        last_error=None,
        calls=0,
        error_rate=None,
        latency_p50_ms=None,
        latency_p95_ms=None,
        probe_ok=None,
        probed_at=None,
    )
    assert view.as_dict()["status"] == SourceStatus.UNKNOWN and view.as_dict()["probed_at"] is None


@pytest.mark.parametrize(
    ("probe_ok", "breaker", "error_rate", "status"),
    [
        (None, "closed", None, SourceStatus.UNKNOWN),
        (True, "closed", None, SourceStatus.HEALTHY),
        (True, "closed", 0.19, SourceStatus.HEALTHY),
        (True, "closed", 0.2, SourceStatus.DEGRADED),
        (None, "closed", 0.5, SourceStatus.DEGRADED),
        (True, "half_open", 0.0, SourceStatus.DEGRADED),
        (True, "open", 0.0, SourceStatus.DOWN),
        (False, "closed", 0.0, SourceStatus.DOWN),
        (False, "half_open", None, SourceStatus.DOWN),
    ],
)
def test_status_rules(
    probe_ok: bool | None, breaker: str, error_rate: float | None, status: str
) -> None:
    assert health_status(probe_ok, breaker, error_rate) == status


def test_as_dict_is_json_ready() -> None:
    moment = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
    view = SourceHealthView(
        SOURCE, SourceStatus.HEALTHY, "closed", moment, None, None, 4, 0.0, 12.5, 40.0, True, moment
    )
    shown = view.as_dict()
    assert shown["last_success_at"] == "2026-11-29T10:00:00+00:00"
    assert shown["probed_at"] == "2026-11-29T10:00:00+00:00"
    assert shown["calls"] == 4 and shown["latency_p95_ms"] == 40.0
    assert list(shown) == [
        "source_id",
        "status",
        "breaker",
        "last_success_at",
        "last_failure_at",
        "last_error",
        "calls",
        "error_rate",
        "latency_p50_ms",
        "latency_p95_ms",
        "probe_ok",
        "probed_at",
    ]


async def test_the_flush_after_a_source_is_replaced_runs(
    registry: Registry, identity_db: str, sessions: async_sessionmaker[AsyncSession]
) -> None:
    """This worker flushed a row for a source a registration then replaced: the next flush's
    prune compared that row's time, read back naive from SQLite, with an aware one (TypeError)."""
    first = await register_identity(registry, identity_db)
    await registry.fetch(first, [nid(1)])
    await registry.flush_health()
    await register_identity(
        registry, identity_db, source_id="sabt-identity-2", replaces="sabt-identity"
    )
    await registry.flush_health()
    rows = {row.source_id: row for row in await health_rows(sessions)}
    assert set(rows) == {"sabt-identity", "sabt-identity-2"}
    assert all(row.updated_at.tzinfo is UTC for row in rows.values())
