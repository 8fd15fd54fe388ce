"""Life events on NATS JetStream: the edge that takes them, where GATEWAY_NATS_URL is set.

An agency publishes each event on its own subject, `<prefix>.<agency code>`, as JSON
`{"kind", "nationalId", "eventId", "occurredAt"}` with the header `Authorization: Bearer <token>`
of its reporting client (the token GraphQL takes; DPoP-bound tokens cannot be proven here).
Each message takes the GraphQL report's path (resolvers.life_events.report_as), and:
- is acknowledged only once its event is committed to the outbox (or was already there);
- is terminated, with one log line naming why, when it can never be taken: too large (bounded
  before parsing), not JSON of that shape, no or a refused token, a token of another agency than
  the subject's, or a report the checks refuse. Sent again (a replay), it is the same event;
- is left for redelivery (nak with a delay) when the registry or the store cannot answer now.

The token is checked as of when JetStream stored the message (its metadata timestamp, set by the
server), so a message redelivered after its token expired is still taken, and one published with
an expired token is not.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, StreamConfig
from nats.js.errors import BadRequestError, NotFoundError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.core.keys import KeyRing
from auth.core.principal import Principal
from auth.resource.authenticate import AuthenticationError, authenticate
from datasources.registry import Registry
from resolvers.life_events import report_as
from services.proactive.intake import EvidenceCheck, LifeEventReport
from settings import ProactiveSettings
from standard.errors import DarvazehError, ErrorCode
from standard.statuses import EventChannel

logger = logging.getLogger(__name__)

# A report is four short strings: anything near this size is not one. The stream refuses larger
# messages when they are published; the consumer checks again before parsing.
MAX_MESSAGE_BYTES = 4096
MAX_AUTHORIZATION = 8192  # an ES256 access token is well under 2 KiB
FIELDS = frozenset({"kind", "nationalId", "eventId", "occurredAt"})
DURABLE = "darvazeh-intake"
BATCH = 32
RETRY_SECONDS = 5.0
# What cannot succeed however often it is sent: refused for good.
_FINAL = frozenset(
    {
        ErrorCode.LIFE_EVENT_INVALID,
        ErrorCode.LIFE_EVENT_NOT_OWNED,
        ErrorCode.LIFE_EVENT_NOT_HELD,
        ErrorCode.LIFE_EVENT_CONFLICT,
        ErrorCode.UNAUTHENTICATED,
        ErrorCode.FORBIDDEN,
    }
)


class Outcome(StrEnum):
    ACKED = "acked"  # in the outbox (now, or before)
    TERMINATED = "terminated"  # never to be taken
    RETRY = "retry"  # not now: redelivered later


@dataclass(frozen=True, slots=True)
class Verdict:
    outcome: Outcome
    reason: str = ""
    event_id: str | None = None


@dataclass
class NatsIntake:
    """The consumer: one durable pull consumer shared by every gateway worker."""

    settings: ProactiveSettings
    sessions: async_sessionmaker[AsyncSession]
    registry: Registry
    evidence: EvidenceCheck
    keyring: KeyRing
    issuer: str
    audience: str
    retry_delay: float = RETRY_SECONDS  # before a message not taken now comes back

    async def decide(self, message: Msg) -> Verdict:
        """What to do with one message (the store is written on the way when it is taken)."""
        agency = self._agency_of(message.subject)
        if agency is None:
            return Verdict(Outcome.TERMINATED, "not on an agency's subject")
        if len(message.data) > MAX_MESSAGE_BYTES:
            return Verdict(Outcome.TERMINATED, f"larger than {MAX_MESSAGE_BYTES} bytes")
        body = _body(message.data)
        if body is None:
            return Verdict(Outcome.TERMINATED, f"not a JSON object of {sorted(FIELDS)}")
        event_id = body["eventId"] if isinstance(body["eventId"], str) else None
        event_id = event_id[:128] if event_id else None
        header = (message.headers or {}).get("Authorization")
        if header is None or len(header) > MAX_AUTHORIZATION:
            return Verdict(Outcome.TERMINATED, "no usable Authorization header", event_id)
        try:
            principal = await authenticate(
                header,
                None,
                self.keyring,
                issuer=self.issuer,
                audience=self.audience,
                now=_stored_at(message),
            )
        except AuthenticationError as error:
            return Verdict(Outcome.TERMINATED, f"token refused: {error.description}", event_id)
        if principal.agency != agency:
            return Verdict(Outcome.TERMINATED, "the token is another agency's", event_id)
        return await self._report(principal, body, event_id)

    async def _report(
        self, principal: Principal, body: dict[str, Any], event_id: str | None
    ) -> Verdict:
        sent = LifeEventReport(
            body["kind"], body["nationalId"], body["eventId"], body["occurredAt"]
        )
        try:
            await report_as(
                principal,
                sent,
                sessions=self.sessions,
                registry=self.registry,
                evidence=self.evidence,
                channel=EventChannel.NATS,
            )
        except DarvazehError as error:
            outcome = Outcome.TERMINATED if error.code in _FINAL else Outcome.RETRY
            return Verdict(outcome, f"{error.code}: {error.message}", event_id)
        except Exception as error:  # the store away: try again later, lose nothing
            return Verdict(Outcome.RETRY, type(error).__name__, event_id)
        return Verdict(Outcome.ACKED, "", event_id)

    def _agency_of(self, subject: str) -> str | None:
        prefix = self.settings.nats_subject_prefix + "."
        agency = subject[len(prefix) :] if subject.startswith(prefix) else ""
        return agency if agency and "." not in agency and len(agency) <= 64 else None

    async def handle(self, message: Msg) -> Verdict:
        """Decide, then ack, term or nak the message accordingly."""
        verdict = await self.decide(message)
        if verdict.outcome is Outcome.ACKED:
            await message.ack()
        elif verdict.outcome is Outcome.TERMINATED:
            logger.warning(
                "life event message on %s refused (event id %r): %s",
                message.subject[:200],
                verdict.event_id,
                verdict.reason,
            )
            await message.term()
        else:
            logger.warning("life event %r not taken now: %s", verdict.event_id, verdict.reason)
            await message.nak(delay=self.retry_delay)
        return verdict

    async def run(self) -> None:
        """Consume until cancelled; a lost or refused connection is tried again."""
        while True:
            try:
                await self.consume()
            except Exception:  # NATS away or the stream refused: the gateway serves on
                logger.exception("life events on NATS: consuming stopped; trying again")
            await asyncio.sleep(RETRY_SECONDS)

    async def consume(self, *, connected: Callable[[], None] | None = None) -> None:
        """One connection's consuming, until cancelled (NATS reconnects it as it comes back)."""
        client: Client = await nats.connect(
            self.settings.nats_url, max_reconnect_attempts=-1, name="darvazeh-intake"
        )
        try:
            subscription = await self._subscribe(client)
            if connected is not None:
                connected()
            while True:
                try:
                    messages = await subscription.fetch(BATCH, timeout=1.0)
                except TimeoutError:  # nats.errors.TimeoutError is one
                    continue
                await asyncio.gather(*(self.handle(message) for message in messages))
        finally:
            with contextlib.suppress(Exception):
                await client.close()

    async def _subscribe(self, client: Client) -> Any:
        stream = self.settings.nats_stream
        subjects = [f"{self.settings.nats_subject_prefix}.*"]
        jetstream = client.jetstream()
        config = StreamConfig(
            name=stream,
            subjects=subjects,
            max_msg_size=MAX_MESSAGE_BYTES,
            duplicate_window=120.0,
        )
        try:
            await jetstream.stream_info(stream)
        except NotFoundError:
            with contextlib.suppress(BadRequestError):  # created meanwhile by another worker
                await jetstream.add_stream(config)
        return await jetstream.pull_subscribe(
            subjects[0],
            durable=DURABLE,
            stream=stream,
            config=ConsumerConfig(ack_wait=30.0, max_ack_pending=1000),
        )


def _body(data: bytes) -> dict[str, Any] | None:
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    if not isinstance(value, dict) or set(value) != FIELDS:
        return None
    return value


def _stored_at(message: Msg) -> float | None:
    """When JetStream stored the message (its server's clock), as a Unix time."""
    try:
        return message.metadata.timestamp.timestamp()
    except Exception:  # not a JetStream message: checked as of now
        return None
