"""Life events over a real NATS JetStream: a published birth becomes one outbox row and its
message is acknowledged only after the commit; when the registry cannot answer, the message
comes back and is taken then; a message sent twice is one event."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import nats
import pytest
from nats.aio.client import Client
from sqlalchemy import select

from resolvers.system_reads import SystemReadFailed
from services.proactive.intake import EvidenceCheck
from standard.datasets import RecordType
from store.proactive_models import LifeEventRecord
from tests.harness import RunningGateway
from tests.resolvers.test_life_events import reporter
from web.nats_events import DURABLE, NatsIntake


class FailingFirst:
    """The registry unreachable for the first `failures` evidence reads, then the real one."""

    def __init__(self, real: EvidenceCheck, failures: int) -> None:
        self.real, self.failures, self.calls = real, failures, 0

    async def held(self, record_type: RecordType, national_id: str, event_id: str) -> bool:
        self.calls += 1
        if self.calls <= self.failures:
            raise SystemReadFailed("the civil registry did not answer")
        return await self.real.held(record_type, national_id, event_id)


@dataclass
class Bus:
    intake: NatsIntake
    client: Client
    gateway: RunningGateway

    @property
    def stream(self) -> str:
        return self.intake.settings.nats_stream

    def subject(self, agency: str) -> str:
        return f"{self.intake.settings.nats_subject_prefix}.{agency}"

    async def publish(self, agency: str, body: Any, token: str | None) -> None:
        headers = {"Authorization": f"Bearer {token}"} if token else None
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        await self.client.jetstream().publish(self.subject(agency), data, headers=headers)

    async def settled(self, within: float = 15.0) -> Any:
        """The consumer's state once every stored message is acked or terminated."""
        jetstream = self.client.jetstream()
        deadline = asyncio.get_running_loop().time() + within
        while True:
            stream = await jetstream.stream_info(self.stream)
            info = await jetstream.consumer_info(self.stream, DURABLE)
            done = info.delivered.stream_seq >= stream.state.last_seq
            if done and info.num_ack_pending == 0 and info.num_pending == 0:
                return info
            assert asyncio.get_running_loop().time() < deadline, info
            await asyncio.sleep(0.1)


async def start_bus(gateway: RunningGateway, nats_url: str, evidence: EvidenceCheck) -> Bus:
    suffix = uuid.uuid4().hex[:10]
    settings = gateway.gateway.settings
    proactive = dataclasses.replace(
        settings.proactive,
        nats_url=nats_url,
        nats_stream=f"TEST_LIFE_EVENTS_{suffix}",
        nats_subject_prefix=f"test_{suffix}.life_events",
    )
    intake = NatsIntake(
        proactive,
        gateway.gateway.sessions,
        gateway.gateway.registry,
        evidence,
        gateway.gateway.keyring,
        settings.issuer,
        settings.audience,
        retry_delay=0.2,
    )
    return Bus(intake, await nats.connect(nats_url), gateway)


@pytest.fixture
async def bus_factory(gateway: RunningGateway, nats_url: str) -> AsyncIterator[Any]:
    started: list[tuple[Bus, asyncio.Task[None]]] = []

    async def make(evidence: EvidenceCheck | None = None) -> Bus:
        real = gateway.gateway.life_event_evidence
        assert real is not None
        bus = await start_bus(gateway, nats_url, evidence or real)
        ready = asyncio.Event()
        task = asyncio.create_task(bus.intake.consume(connected=ready.set))
        await asyncio.wait_for(ready.wait(), 10)
        started.append((bus, task))
        return bus

    yield make
    for bus, task in started:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await bus.client.jetstream().delete_stream(bus.stream)
        await bus.client.close()


def birth(national_id: str, event_id: str) -> dict[str, str]:
    return {
        "kind": "birth.registered",
        "nationalId": national_id,
        "eventId": event_id,
        "occurredAt": "2025-03-01T08:30:00+03:30",
    }


async def rows(gateway: RunningGateway, event_id: str) -> list[LifeEventRecord]:
    async with gateway.gateway.sessions() as session:
        query = select(LifeEventRecord).where(LifeEventRecord.source_event_id == event_id)
        return list((await session.scalars(query)).all())


async def test_a_published_birth_is_one_outbox_row_then_acked(
    gateway: RunningGateway, bus_factory: Any
) -> None:
    bus = await bus_factory()
    token = await gateway.token(await reporter(gateway, "civil-registry"))
    event_id = f"nats-{uuid.uuid4().hex}"
    body = birth(gateway.citizens["newborn"], event_id)
    await bus.publish("civil-registry", body, token)
    await bus.publish("civil-registry", body, token)  # sent again (or replayed): one event
    info = await bus.settled()
    assert info.delivered.consumer_seq == 2  # two messages, each delivered once
    (row,) = await rows(gateway, event_id)
    assert (row.channel, row.agency_code, row.kind) == (
        "NATS",
        "civil-registry",
        "birth.registered",
    )


async def test_not_acked_before_the_commit(gateway: RunningGateway, bus_factory: Any) -> None:
    real = gateway.gateway.life_event_evidence
    assert real is not None
    flaky = FailingFirst(real, failures=2)
    bus = await bus_factory(flaky)
    token = await gateway.token(await reporter(gateway, "civil-registry"))
    event_id = f"nats-{uuid.uuid4().hex}"
    await bus.publish("civil-registry", birth(gateway.citizens["newborn"], event_id), token)
    info = await bus.settled()
    assert flaky.calls == 3  # refused twice for now, redelivered, then taken
    assert info.delivered.consumer_seq == 3  # one message, delivered three times
    assert len(await rows(gateway, event_id)) == 1
