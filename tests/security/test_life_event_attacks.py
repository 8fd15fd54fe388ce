"""Attacks on life event intake, by GraphQL and by NATS: malformed and oversized ids, codes and
timestamps, unknown kinds; forged, foreign and missing tokens on NATS messages; another
agency's subject; huge payloads (bounded before parsing); replayed messages. Each is refused
with its code (or terminated with a log line) and records nothing."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from nats.aio.msg import Msg
from sqlalchemy import func, select

from store.proactive_models import LifeEventRecord
from tests.harness import RunningGateway
from tests.resolvers.test_life_events import REPORT, birth, code, reporter
from tests.security.fuzz_jws import OTHER_KEY, compact, json_bytes
from tests.shared import jwt_claims
from tests.web.test_nats_events import Bus
from web.nats_events import MAX_MESSAGE_BYTES, Outcome


async def outbox_size(gateway: RunningGateway) -> int:
    async with gateway.gateway.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(LifeEventRecord)) or 0)


BAD_INPUTS: list[tuple[str, dict[str, Any]]] = [
    ("event id too long", {"eventId": "e" * 129}),
    ("event id huge", {"eventId": "e" * 200_000}),
    ("event id with blanks", {"eventId": "sabt 1"}),
    ("event id starting with a dash", {"eventId": "-sabt"}),
    ("event id in Persian digits", {"eventId": "۱۲۳"}),
    ("event id empty", {"eventId": ""}),
    ("event id with NUL", {"eventId": "a\x00b"}),
    ("code with a wrong check digit", {"nationalId": "0000000010"}),
    ("code of 11 digits", {"nationalId": "00000000190"}),
    ("code huge", {"nationalId": "1" * 100_000}),
    ("code with letters", {"nationalId": "00000000a9"}),
    ("kind unknown", {"kind": "marriage.registered"}),
    ("kind huge", {"kind": "birth." * 10_000}),
    ("time far in the past", {"occurredAt": "1800-01-01T00:00:00+00:00"}),
    ("time far in the future", {"occurredAt": "2100-01-01T00:00:00+00:00"}),
    ("time a day ahead", {"occurredAt": "2999-12-31T23:59:59+00:00"}),
    ("time with no offset", {"occurredAt": "2025-03-01T08:30:00"}),
    ("time not a time", {"occurredAt": "yesterday"}),
    ("time huge", {"occurredAt": "2025-03-01T08:30:00" + "0" * 100_000}),
    ("year 0", {"occurredAt": "0000-01-01T00:00:00+00:00"}),
]


@pytest.mark.parametrize(("what", "change"), BAD_INPUTS, ids=[what for what, _ in BAD_INPUTS])
async def test_malformed_reports_are_refused(
    gateway: RunningGateway, what: str, change: dict[str, Any]
) -> None:
    role = await reporter(gateway, "civil-registry")
    before = await outbox_size(gateway)
    sent = birth(gateway.citizens["newborn"])
    sent["input"].update(change)
    answer = await gateway.query(REPORT, sent, role=role, case_reference=None)
    assert code(answer) == "LIFE_EVENT_INVALID", (what, answer)
    message = json.dumps(answer["errors"])
    # The refusal never quotes a huge or personal value back.
    assert len(message) < 2000 and "00000000190" not in message
    assert await outbox_size(gateway) == before


def message(bus: Bus, agency: str, data: bytes, token: str | None) -> Msg:
    headers = {"Authorization": f"Bearer {token}"} if token is not None else None
    return Msg(_client=bus.client, subject=bus.subject(agency), data=data, headers=headers)


def body(gateway: RunningGateway, **changes: Any) -> bytes:
    sent = birth(gateway.citizens["newborn"], f"nats-{uuid.uuid4().hex}")["input"]
    return json.dumps({**sent, **changes}).encode()


async def test_nats_messages_that_are_refused_for_good(
    gateway: RunningGateway, bus_factory: Any
) -> None:
    bus: Bus = await bus_factory()
    civil = await gateway.token(await reporter(gateway, "civil-registry"))
    social = await gateway.token(await reporter(gateway, "social-security"))
    statutory = await gateway.token()
    claims = jwt_claims(civil)
    forged = compact(
        json_bytes({"typ": "at+jwt", "alg": "ES256", "kid": "forged"}),
        json_bytes(claims),
        OTHER_KEY,
    )
    tampered = civil.rsplit(".", 1)[0] + "." + "A" * 86
    before = await outbox_size(gateway)
    cases: list[tuple[str, Msg, str]] = [
        ("no token", message(bus, "civil-registry", body(gateway), None), "Authorization"),
        ("forged token", message(bus, "civil-registry", body(gateway), forged), "token refused"),
        ("tampered token", message(bus, "civil-registry", body(gateway), tampered), "refused"),
        ("huge token", message(bus, "civil-registry", body(gateway), "x" * 20_000), "Authori"),
        ("foreign token", message(bus, "civil-registry", body(gateway), social), "another agency"),
        ("not a reporter", message(bus, "civil-registry", body(gateway), statutory), "another"),
        ("not its event", message(bus, "social-security", body(gateway), social), "NOT_OWNED"),
        ("not JSON", message(bus, "civil-registry", b"\xff{", civil), "JSON"),
        ("deep JSON", message(bus, "civil-registry", b"[" * 1500 + b"]" * 1500, civil), "JSON"),
        ("extra fields", message(bus, "civil-registry", body(gateway, admin=True), civil), "JSON"),
        (
            "huge payload",
            message(bus, "civil-registry", b'{"kind":"' + b"x" * 2_000_000 + b'"}', civil),
            "larger than",
        ),
        (
            "bad code",
            message(bus, "civil-registry", body(gateway, nationalId="0000000010"), civil),
            "LIFE_EVENT_INVALID",
        ),
        ("no agency", Msg(_client=bus.client, subject="elsewhere", data=b"{}"), "subject"),
    ]
    for what, sent, reason in cases:
        verdict = await bus.intake.decide(sent)
        assert verdict.outcome is Outcome.TERMINATED, what
        assert reason in verdict.reason, (what, verdict.reason)
    assert await outbox_size(gateway) == before


async def test_refused_messages_are_terminated_not_redelivered(
    gateway: RunningGateway, bus_factory: Any
) -> None:
    bus: Bus = await bus_factory()
    social = await gateway.token(await reporter(gateway, "social-security"))
    before = await outbox_size(gateway)
    await bus.publish("civil-registry", json.loads(body(gateway)), social)
    await bus.publish("civil-registry", b"not json", social)
    info = await bus.settled()
    assert info.delivered.consumer_seq == 2  # each delivered once, terminated
    assert await outbox_size(gateway) == before


async def test_the_stream_refuses_huge_payloads(gateway: RunningGateway, bus_factory: Any) -> None:
    bus: Bus = await bus_factory()
    civil = await gateway.token(await reporter(gateway, "civil-registry"))
    with pytest.raises(Exception):  # noqa: B017 - the server's refusal, in its words
        await bus.publish("civil-registry", b"x" * (MAX_MESSAGE_BYTES + 1), civil)


async def test_a_replayed_message_is_the_same_event(
    gateway: RunningGateway, bus_factory: Any
) -> None:
    bus: Bus = await bus_factory()
    civil = await gateway.token(await reporter(gateway, "civil-registry"))
    sent = body(gateway)
    before = await outbox_size(gateway)
    for _ in range(3):
        await bus.publish("civil-registry", json.loads(sent), civil)
    await bus.settled()
    assert await outbox_size(gateway) == before + 1
    # The same id with another citizen, replayed by someone else's hand: refused, not merged.
    changed = {**json.loads(sent), "occurredAt": "2025-03-02T08:30:00+03:30"}
    verdict = await bus.intake.decide(
        message(bus, "civil-registry", json.dumps(changed).encode(), civil)
    )
    assert verdict.outcome is Outcome.TERMINATED and "CONFLICT" in verdict.reason
