"""Webhook deliveries over real HTTP to a receiver on loopback: signed per Standard Webhooks,
retried with backoff while the receiver is down and delivered once it is back, dead after N
failures, and sent again on replay."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks import Webhook
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from services.proactive.delivery import DeliveryPolicy, DeliveryWorker, backoff, replay_delivery
from services.proactive.webhooks import WebhookPolicy, set_webhook
from standard.errors import DarvazehError
from standard.statuses import DeliveryStatus
from store.db import transaction
from store.proactive_models import CaseDelivery
from store.secrets import SecretBox
from tests.harness import free_port, serve
from tests.services.proactive.support import CIVIL, add_case
from tests.shared import sqlite_store

CHILD, MOTHER = "0000000018", "0000000026"


class Receiver:
    """An agency's webhook endpoint: it verifies each delivery and keeps the case ids."""

    def __init__(self, secret: str) -> None:
        self.webhook = Webhook(secret)
        self.received: list[dict[str, object]] = []
        self.ids: list[str] = []

    async def handle(self, request: Request) -> Response:
        body = await request.body()
        payload = self.webhook.verify(body, dict(request.headers))  # raises if unsigned
        self.ids.append(request.headers["webhook-id"])
        self.received.append(payload)
        return Response(status_code=204)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/cases", self.handle, methods=["POST"])])


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with sqlite_store(tmp_path / "store.db") as (_, sessions):
        yield sessions


async def _hooked(
    sessions: async_sessionmaker[AsyncSession], port: int, max_attempts: int = 4
) -> tuple[DeliveryWorker, str]:
    sealed = SecretBox(Fernet.generate_key())
    policy = WebhookPolicy.build(
        json.dumps({CIVIL: [f"127.0.0.1:{port}"]}), ["http://127.0.0.1:8000"]
    )
    await add_case(sessions, subject=CHILD)  # makes the agency and card rows
    async with transaction(sessions) as session:
        _, secret = await set_webhook(session, sealed, policy, agency=CIVIL,
                                      url=f"http://127.0.0.1:{port}/cases", by="t",
                                      now=datetime.now(UTC))  # fmt: skip
    worker = DeliveryWorker(sessions, sealed, policy,
                            DeliveryPolicy(timeout=2.0, max_attempts=max_attempts,
                                           backoff_base=1.0, backoff_max=30.0),
                            draw=lambda: 1.0)  # fmt: skip
    return worker, secret


async def _delivery(sessions: async_sessionmaker[AsyncSession], case_id: str) -> CaseDelivery:
    async with sessions() as session:
        row = await session.get(CaseDelivery, case_id)
    assert row is not None
    return row


def test_backoff_grows_is_capped_and_jittered() -> None:
    assert [backoff(n, 2.0, 600.0, lambda: 1.0) for n in (1, 2, 3)] == [2.0, 4.0, 8.0]
    assert backoff(20, 2.0, 600.0, lambda: 1.0) == 600.0
    assert backoff(3, 2.0, 600.0, lambda: 0.0) == 4.0  # half of it is the jitter


async def test_delivered_once_the_receiver_is_back(
    store: async_sessionmaker[AsyncSession],
) -> None:
    port = free_port()
    worker, secret = await _hooked(store, port)
    case_id = await add_case(store, subject=CHILD, parents=[MOTHER], deliver=True)
    start = datetime.now(UTC)
    # The receiver is down: two failed attempts, each due later than the last.
    assert await worker.run_once(start) == 1
    first = await _delivery(store, case_id)
    assert (first.status, first.attempts) == (DeliveryStatus.PENDING.value, 1)
    assert await worker.run_once(start) == 0  # not due yet
    second_try = first.next_attempt_at
    await worker.run_once(second_try)
    second = await _delivery(store, case_id)
    assert second.attempts == 2 and second.next_attempt_at - second_try == timedelta(seconds=2)
    # Back up: the next due attempt delivers it, signed, with the case id as webhook-id.
    receiver = Receiver(secret)
    async with serve(receiver.app(), port):
        await worker.run_once(second.next_attempt_at)
    done = await _delivery(store, case_id)
    assert done.status == DeliveryStatus.DELIVERED.value and done.delivered_at is not None
    assert receiver.ids == [case_id]
    data = receiver.received[0]["data"]
    assert isinstance(data, dict) and data["id"] == case_id and data["subject"] == CHILD
    assert {"nationalId": MOTHER, "role": "PARENT"} in data["people"]
    assert data["records"][0]["provenance"]["status"] == "AVAILABLE"
    # Delivered is final: nothing is sent again.
    assert await worker.run_once(done.delivered_at + timedelta(days=1)) == 0


async def test_dead_after_n_failures_and_sent_again_on_replay(
    store: async_sessionmaker[AsyncSession],
) -> None:
    port = free_port()
    worker, secret = await _hooked(store, port, max_attempts=3)
    case_id = await add_case(store, subject=CHILD, deliver=True)
    moment = datetime.now(UTC)
    for _ in range(5):
        await worker.run_once(moment)
        moment += timedelta(hours=1)
    dead = await _delivery(store, case_id)
    assert (dead.status, dead.attempts) == (DeliveryStatus.DEAD.value, 3)
    assert dead.last_error and "ConnectError" in dead.last_error
    receiver = Receiver(secret)
    async with serve(receiver.app(), port):
        assert await worker.run_once(moment + timedelta(days=1)) == 0  # stays dead
        async with transaction(store) as session:
            with pytest.raises(DarvazehError):  # not another agency's to replay
                await replay_delivery(session, "tax", case_id, moment)
            await replay_delivery(session, CIVIL, case_id, moment)
        assert await worker.run_once(moment) == 1
    assert receiver.ids == [case_id]
    assert (await _delivery(store, case_id)).status == DeliveryStatus.DELIVERED.value
