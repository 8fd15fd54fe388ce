"""The registry's calls go through each source's breaker and stats; outages are real (a real
agency server is stopped and started again on the same port); only the breaker's clock is the
test's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from datasources.base import RecordError, SourceError
from datasources.health import CircuitOpenError, HealthPolicy
from datasources.registry import Registry, Source
from standard.statuses import BreakerState
from store.db import create_engine
from store.secrets import SecretBox
from tests.datasources.conftest import (
    API_KEY,
    SPECS,
    STUDENTS_MAPPING,
    agency_app,
    make_policy,
    nid,
)
from tests.datasources.test_health import Clock
from tests.datasources.test_registry import register_identity
from tests.harness import free_port, serve


@pytest_asyncio.fixture
async def clock() -> Clock:
    return Clock()


@pytest.fixture
def port() -> int:
    """Where a test starts (and stops) the agency's API; allowed to amoozesh."""
    return free_port()


@pytest_asyncio.fixture
async def watched(
    sessions: async_sessionmaker[AsyncSession],
    box: SecretBox,
    clock: Clock,
    tmp_path: Path,
    agency_api: str,
    port: int,
) -> AsyncIterator[Registry]:
    health = HealthPolicy(failures=3, cooldown=30, clock=clock)
    allowed = [agency_api.removeprefix("http://"), f"127.0.0.1:{port}"]
    policy = make_policy(tmp_path, {"amoozesh": allowed})
    registry = Registry(sessions, box, SPECS, policy=policy, default_timeout=2.0, health=health)
    yield registry
    await registry.close()


async def register_students(registry: Registry, base_url: str, **changes: Any) -> Source:
    args: dict[str, Any] = {
        "source_id": "amoozesh-school",
        "agency": "amoozesh",
        "record_type": "schoolEnrollment",
        "kind": "http",
        "connection": {"base_url": base_url, "headers": {"X-Api-Key": API_KEY}},
        "mapping": STUDENTS_MAPPING,
    }
    return await registry.register(**{**args, **changes})


async def test_an_outage_opens_the_circuit_and_a_trial_after_the_cooldown_closes_it(
    watched: Registry, clock: Clock, port: int
) -> None:
    async with serve(agency_app(), port) as url:
        source = await register_students(watched, url)
        assert nid(3) in await watched.fetch(source, [nid(3)])
    # The agency is down: every call fails until the third opens the circuit.
    for _ in range(3):
        with pytest.raises(SourceError, match="failed") as failed:
            await watched.fetch(source, [nid(3)])
        assert not isinstance(failed.value, CircuitOpenError)
    assert watched.monitor(source).breaker.state == BreakerState.OPEN
    assert source.calls == 4

    async with serve(agency_app(), port):  # back on the same port, but still cooling down
        with pytest.raises(CircuitOpenError, match="next trial call after"):
            await watched.fetch(source, [nid(3)])
        assert await watched.probe_all() == {}  # the probe leaves it alone as well
        assert source.calls == 4
        clock.advance(30)
        assert watched.monitor(source).breaker.state == BreakerState.HALF_OPEN
        assert nid(3) in await watched.fetch(source, [nid(3)])  # the trial call
        assert watched.monitor(source).breaker.state == BreakerState.CLOSED
        assert source.calls == 5

    report = watched.monitor(source).report()
    assert (report.stats.calls, report.stats.errors) == (5, 3)
    assert report.stats.last_success_at is not None
    assert report.stats.last_failure_at is not None
    assert report.stats.last_error == "data source 'amoozesh-school' could not be reached"
    assert report.stats.latency_p50_ms is not None and report.stats.latency_p50_ms > 0


async def test_a_successful_probe_past_the_cooldown_closes_the_circuit(
    watched: Registry, clock: Clock, port: int
) -> None:
    async with serve(agency_app(), port) as url:
        source = await register_students(watched, url)
    for _ in range(3):
        with pytest.raises(SourceError):
            await watched.fetch(source, [nid(1)])
    async with serve(agency_app(), port):
        clock.advance(30)
        results = await watched.probe_all()
        assert results["amoozesh-school"].ok
        assert watched.monitor(source).breaker.state == BreakerState.CLOSED
        assert (await last_probe_ok(watched))["amoozesh-school"] is True


async def last_probe_ok(registry: Registry) -> dict[str, bool]:
    return {key: probe.ok for key, probe in (await registry.last_probes()).items()}


async def test_failing_probes_open_the_circuit_too(watched: Registry, port: int) -> None:
    async with serve(agency_app(), port) as url:
        source = await register_students(watched, url)
    for _ in range(3):
        assert not (await watched.probe_all())["amoozesh-school"].ok
    assert watched.monitor(source).breaker.state == BreakerState.OPEN
    assert await watched.probe_all() == {}
    assert (await last_probe_ok(watched))["amoozesh-school"] is False


async def test_a_timeout_is_a_failure_with_its_latency(watched: Registry, agency_api: str) -> None:
    source = await register_students(
        watched, agency_api, mapping={**STUDENTS_MAPPING, "endpoint": "/api/v1/slow:batch"}
    )
    source.timeout = 0.2
    with pytest.raises(SourceError, match=r"did not answer within 0\.2s"):
        await watched.fetch(source, [nid(1)])
    stats = watched.monitor(source).report().stats
    assert (stats.calls, stats.errors) == (1, 1)
    assert stats.last_error == "data source 'amoozesh-school' did not answer in time: limit 0.2s"
    assert stats.latency_p50_ms is not None and 150 < stats.latency_p50_ms < 1500


async def test_a_citizens_unfit_row_is_not_a_source_failure(
    watched: Registry, identity_db: str
) -> None:
    engine = create_engine(identity_db)
    async with engine.begin() as conn:  # a gender code the mapping does not know
        await conn.execute(
            text("UPDATE sabt_ahval_afrad SET jensiat = 9 WHERE shomare_melli = :id"),
            {"id": nid(5)},
        )
    await engine.dispose()
    source = await register_identity(watched, identity_db)
    for _ in range(4):
        found = await watched.fetch(source, [nid(5), nid(6)])
        assert isinstance(found[nid(5)], RecordError)
    report = watched.monitor(source).report()
    assert report.breaker == BreakerState.CLOSED
    assert (report.stats.calls, report.stats.errors) == (4, 0)


async def test_reregistering_starts_with_fresh_health(watched: Registry, port: int) -> None:
    async with serve(agency_app(), port) as url:
        old = await register_students(watched, url)
    for _ in range(3):
        with pytest.raises(SourceError):
            await watched.fetch(old, [nid(1)])
    assert watched.monitor(old).breaker.state == BreakerState.OPEN
    async with serve(agency_app(), port) as url:  # well within the cool-down
        new = await register_students(watched, url)
        assert watched.source_for("schoolEnrollment") is new
        report = watched.monitor(new).report()
        assert report.breaker == BreakerState.CLOSED and report.stats.calls == 0
        assert nid(2) in await watched.fetch(new, [nid(2)])


async def test_a_registered_source_is_healthy_before_its_first_scheduled_probe(
    watched: Registry, sessions: async_sessionmaker[AsyncSession], agency_api: str
) -> None:
    await register_students(watched, agency_api)
    [(source_id, probe)] = (await watched.last_probes()).items()
    assert source_id == "amoozesh-school" and probe.ok and probe.latency_ms >= 0
    view = (await watched.shared_health.views())["amoozesh-school"]
    assert view.status == "HEALTHY" and view.probe_ok is True
