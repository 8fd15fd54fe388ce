"""`python -m services.proactive` as real processes on a PostgreSQL store: a worker SIGKILLed in
the middle of a batch loses nothing and duplicates nothing; another worker takes its batch over
when the lease runs out, and stops gracefully on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, insert, select

from standard.life_events import LifeEvent
from standard.statuses import OutboxStatus
from store.models import ServiceCard
from store.proactive_models import LifeEventRecord, ServiceCaseRecord
from tests.conftest import fresh_database
from tests.harness import ROOT, RunningGateway, running_gateway

pytestmark = pytest.mark.postgres
EVENTS = 1_500
LEASE = "3"


@pytest.fixture(scope="module")
async def store(
    postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningGateway]:
    url = await fresh_database(postgres_url, "darvazeh_proactive_kill")
    async with running_gateway(
        Path(tmp_path_factory.mktemp("proactive")), store_url=url, in_process=False
    ) as running:
        yield running


async def start_worker(gateway: RunningGateway) -> asyncio.subprocess.Process:
    settings = gateway.gateway.settings
    env = os.environ | {
        "GATEWAY_DATABASE_URL": settings.store_url,
        "GATEWAY_VAR_DIR": str(settings.var_dir),
        "GATEWAY_AGENCIES_DIR": str(settings.agencies_folder),
        "GATEWAY_SOURCE_ALLOWLIST": settings.sources.allowlist,
        "GATEWAY_PROACTIVE_BATCH": "50",
        "GATEWAY_PROACTIVE_LEASE": LEASE,
        "GATEWAY_PROACTIVE_POLL_INTERVAL": "0.2",
        "GATEWAY_LOG_LEVEL": "WARNING",
    }
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", "services.proactive", cwd=ROOT, env=env
    )


async def statuses(gateway: RunningGateway) -> dict[str, int]:
    async with gateway.gateway.sessions() as session:
        rows = await session.execute(
            select(LifeEventRecord.status, func.count()).group_by(LifeEventRecord.status)
        )
        return {status: int(count) for status, count in rows}


async def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(
    store: RunningGateway,
) -> None:
    gateway = store
    people = [person.national_id for person in gateway.world.people if person.death_date is None]
    now = datetime.now(UTC)
    async with gateway.gateway.sessions() as session, session.begin():
        await session.execute(
            insert(LifeEventRecord),
            [
                {
                    "id": str(uuid.uuid4()),
                    "agency_code": "civil-registry",
                    "source_event_id": f"birth-{number}",
                    "kind": LifeEvent.BIRTH_REGISTERED.value,
                    "national_id": people[number % len(people)],
                    "occurred_at": now,
                    "channel": "NATS",
                    "reported_by": "test",
                    "reported_at": now,
                }
                for number in range(EVENTS)
            ],
        )
        cards = await session.scalar(
            select(func.count())
            .select_from(ServiceCard)
            .where(
                ServiceCard.proactive.is_(True),
                ServiceCard.enabled.is_(True),
                ServiceCard.life_event == LifeEvent.BIRTH_REGISTERED.value,
            )
        )
    assert cards
    victim = await start_worker(gateway)
    deadline = time.monotonic() + 120
    while True:  # kill it once it has finished some batches and holds another
        seen = await statuses(gateway)
        if seen.get(OutboxStatus.DONE, 0) >= 100 and seen.get(OutboxStatus.PROCESSING, 0):
            break
        assert victim.returncode is None and time.monotonic() < deadline, seen
        await asyncio.sleep(0.05)
    victim.send_signal(signal.SIGKILL)
    await victim.wait()
    async with gateway.gateway.sessions() as session:
        held = list(
            await session.scalars(
                select(LifeEventRecord.id).where(LifeEventRecord.status == OutboxStatus.PROCESSING)
            )
        )
        made_before = await session.scalar(select(func.count()).select_from(ServiceCaseRecord))
    assert held and made_before
    assert (await statuses(gateway)).get(OutboxStatus.DONE, 0) < EVENTS

    successor = await start_worker(gateway)
    deadline = time.monotonic() + 240
    while (await statuses(gateway)).get(OutboxStatus.DONE, 0) < EVENTS:
        assert successor.returncode is None and time.monotonic() < deadline
        await asyncio.sleep(0.5)
    successor.send_signal(signal.SIGTERM)
    assert await asyncio.wait_for(successor.wait(), 30) == 0  # a graceful stop

    assert await statuses(gateway) == {OutboxStatus.DONE: EVENTS}
    async with gateway.gateway.sessions() as session:
        cases = await session.scalar(select(func.count()).select_from(ServiceCaseRecord))
        keys = await session.scalar(
            select(func.count(func.distinct(ServiceCaseRecord.idempotency_key)))
        )
        retaken = list(
            await session.scalars(
                select(LifeEventRecord.attempts).where(LifeEventRecord.id.in_(held))
            )
        )
    assert cases == keys == EVENTS * cards
    assert set(retaken) == {2}  # the killed claim counted; the next one finished them
