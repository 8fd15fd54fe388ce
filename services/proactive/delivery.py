"""Webhook deliveries: each new case of an agency with a webhook is POSTed to it, signed per the
Standard Webhooks spec (`webhook-id` = the case id, so the receiver can drop a repeat;
`webhook-timestamp`; `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`).

A delivery is an outbox row of its own (store CaseDelivery): workers claim due rows for a lease
(FOR UPDATE SKIP LOCKED on PostgreSQL; one atomic UPDATE on SQLite), so two workers never send
the same attempt, and a worker that dies mid-send leaves the row to be taken again when its lease
ends. A 2xx answer delivers it; anything else waits about base * 2^(n-1) seconds (at most
`backoff_max`, half of it random jitter) and after `max_attempts` failures the delivery is DEAD
until the agency replays it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Select, and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from standardwebhooks import Webhook

from datasources.web_transport import GuardedTransport
from services.proactive.cases import ServiceCase, agency_case
from services.proactive.webhooks import WebhookPolicy
from settings import ProactiveSettings
from standard.errors import DarvazehError, ErrorCode
from standard.statuses import DeliveryStatus
from store.db import transaction
from store.proactive_models import AgencyWebhook, CaseDelivery
from store.secrets import SecretBox

logger = logging.getLogger("darvazeh.proactive.delivery")
EVENT_TYPE = "service_case.created"
MAX_ERROR = 500


@dataclass(frozen=True, slots=True)
class DeliveryPolicy:
    timeout: float = 5.0
    max_attempts: int = 8
    backoff_base: float = 2.0
    backoff_max: float = 600.0
    lease: float = 60.0
    batch: int = 100

    @classmethod
    def of(cls, proactive: ProactiveSettings) -> DeliveryPolicy:
        return cls(
            timeout=proactive.webhook_timeout,
            max_attempts=proactive.webhook_max_attempts,
            backoff_base=proactive.backoff_base,
            backoff_max=proactive.backoff_max,
            lease=proactive.lease,
            batch=proactive.batch_size,
        )


def backoff(attempts: int, base: float, maximum: float, draw: Callable[[], float]) -> float:
    """Seconds before the next attempt after `attempts` failures: exponential, capped, with the
    upper half random so receivers coming back are not hit by every worker at once."""
    delay = float(min(maximum, base * 2.0 ** max(attempts - 1, 0)))
    return delay / 2 + draw() * delay / 2


def payload(case: ServiceCase) -> dict[str, Any]:
    """The body of a case's delivery: the Standard Webhooks envelope {type, timestamp, data}."""
    return {
        "type": EVENT_TYPE,
        "timestamp": case.created_at.astimezone(UTC).isoformat(),
        "data": {
            "id": case.id,
            "seq": case.seq,
            "agency": case.agency,
            "cardId": case.card_id,
            "cardVersion": case.card_version,
            "eventId": case.event_id,
            "subject": case.subject,
            "mode": case.mode.value,
            "status": case.status.value,
            "people": [{"nationalId": p.national_id, "role": p.role.value} for p in case.people],
            "records": case.data.get("records", []),
            "explanation": case.explanation,
            "createdAt": case.created_at.astimezone(UTC).isoformat(),
        },
    }


def signed(secret: str, message_id: str, body: str, at: datetime) -> dict[str, str]:
    """The Standard Webhooks headers for `body`."""
    return {
        "content-type": "application/json",
        "webhook-id": message_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(message_id, at, body),
    }


def _due(now: datetime) -> Select[str]:
    return select(CaseDelivery.case_id).where(
        CaseDelivery.status == DeliveryStatus.PENDING.value,
        CaseDelivery.next_attempt_at <= now,
        or_(CaseDelivery.claimed_until.is_(None), CaseDelivery.claimed_until < now),
    )


async def claim(session: AsyncSession, *, now: datetime, lease: float, batch: int) -> list[str]:
    """Case ids of up to `batch` due deliveries, leased to the caller until now + lease."""
    due = _due(now).order_by(CaseDelivery.next_attempt_at).limit(batch)
    due = due.with_for_update(skip_locked=True)
    claimed = await session.scalars(
        update(CaseDelivery)
        .where(CaseDelivery.case_id.in_(due.scalar_subquery()))
        .values(claimed_until=now + timedelta(seconds=lease))
        .returning(CaseDelivery.case_id)
    )
    return list(claimed)


class DeliveryWorker:
    """Sends due deliveries; one per process is enough (they share the store, not memory)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        box: SecretBox,
        webhooks: WebhookPolicy,
        policy: DeliveryPolicy,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        draw: Callable[[], float] = random.random,
    ) -> None:
        self._sessions = sessions
        self._box = box
        self._webhooks = webhooks
        self.policy = policy
        self._transport = transport  # tests: a transport of their own; None: the network
        self._draw = draw

    async def run_once(self, now: datetime | None = None) -> int:
        """Claim and send one batch of due deliveries; how many were claimed."""
        now = now or datetime.now(UTC)
        async with self._sessions() as session:
            # A read first: an idle poll takes no write lock (SQLite has one for the whole file).
            if await session.scalar(_due(now).limit(1)) is None:
                return 0
        async with transaction(self._sessions) as session:
            ids = await claim(session, now=now, lease=self.policy.lease, batch=self.policy.batch)
        await asyncio.gather(*(self._deliver(case_id, now) for case_id in ids))
        return len(ids)

    async def run(self, interval: float, stop: asyncio.Event) -> None:
        """Until `stop` is set: a batch, then a pause of `interval` when there was nothing."""
        while not stop.is_set():
            try:
                sent = await self.run_once()
            except Exception:  # the store may be briefly away; the next round tries again
                logger.exception("webhook deliveries failed")
                sent = 0
            if not sent:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), interval)

    async def _deliver(self, case_id: str, now: datetime) -> None:
        async with self._sessions() as session:
            row = await session.get(CaseDelivery, case_id)
            hook = await session.get(AgencyWebhook, row.agency_code) if row else None
            case = await agency_case(session, row.agency_code, case_id) if row else None
        if row is None or case is None:
            return
        if hook is None or not hook.enabled:
            await self._record(case_id, now, error="the agency has no enabled webhook", final=True)
            return
        body = json.dumps(payload(case), ensure_ascii=False, separators=(",", ":"))
        try:
            secret = self._box.open(hook.secret_sealed)
            reach = self._webhooks.reach(case.agency, hook.url)
            transport = GuardedTransport(reach, self._transport)
            async with httpx.AsyncClient(
                transport=transport,
                timeout=self.policy.timeout,
                follow_redirects=False,
                trust_env=False,
            ) as client:
                answer = await client.post(
                    hook.url,
                    content=body.encode("utf-8"),
                    headers=signed(secret, case.id, body, datetime.now(UTC)),
                )
            error = None if answer.is_success else f"HTTP {answer.status_code}"
        except (httpx.HTTPError, DarvazehError, ValueError) as failure:
            error = f"{type(failure).__name__}: {failure}"
        await self._record(case_id, now, error=error)

    async def _record(
        self, case_id: str, now: datetime, *, error: str | None, final: bool = False
    ) -> None:
        async with transaction(self._sessions) as session:
            row = await session.get(CaseDelivery, case_id)
            if row is None or row.status != DeliveryStatus.PENDING.value:
                return
            row.claimed_until = None
            if error is None:
                row.status = DeliveryStatus.DELIVERED.value
                row.delivered_at = now
                row.last_error = None
                return
            row.attempts += 1
            row.last_error = error[:MAX_ERROR]
            if final or row.attempts >= self.policy.max_attempts:
                row.status = DeliveryStatus.DEAD.value
                logger.warning("webhook delivery of case %s is dead: %s", case_id, row.last_error)
                return
            wait = backoff(row.attempts, self.policy.backoff_base, self.policy.backoff_max,
                           self._draw)  # fmt: skip
            row.next_attempt_at = now + timedelta(seconds=wait)


async def replay_delivery(
    session: AsyncSession, agency: str, case_id: str, now: datetime
) -> CaseDelivery:
    """A dead delivery of the agency's case, due again with its attempts counted anew; NOT_FOUND
    unless the case is the agency's and its delivery is DEAD."""
    row = await session.scalar(
        select(CaseDelivery).where(
            and_(
                CaseDelivery.case_id == case_id,
                CaseDelivery.agency_code == agency,
                CaseDelivery.status == DeliveryStatus.DEAD.value,
            )
        )
    )
    if row is None:
        message = f"no dead webhook delivery of case {case_id[:64]!r} among your agency's"
        raise DarvazehError(message, code=ErrorCode.NOT_FOUND)
    row.status = DeliveryStatus.PENDING.value
    row.attempts = 0
    row.next_attempt_at = now
    row.claimed_until = None
    row.last_error = None
    await session.flush()
    return row
