"""reportLifeEvent end to end on the running gateway: the civil registry's client reports a birth
once (sent again, nothing new), its evidence read is in the access log as the gateway's own, and
another agency's client, a non-reporting token and an unknown citizen are refused."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from audit.entry import ActorKind
from standard.national_id import with_check_digit
from store.audit_models import AuditRecord
from store.proactive_models import LifeEventRecord
from tests.harness import RunningGateway
from tests.shared import reporting_client

REPORT = """mutation($input: LifeEventInput!) { reportLifeEvent(input: $input) {
  id kind nationalId eventId occurredAt status duplicate } }"""


async def reporter(gateway: RunningGateway, agency: str) -> str:
    role = f"reporter-{agency}"
    if role not in gateway.clients:
        gateway.clients[role] = await reporting_client(
            gateway.gateway.sessions, agency, f"{agency}-events-{uuid.uuid4().hex[:6]}"
        )
    return role


def birth(national_id: str, event_id: str | None = None, **changes: Any) -> dict[str, Any]:
    sent = {
        "kind": "birth.registered",
        "nationalId": national_id,
        "eventId": event_id or f"sabt-{uuid.uuid4().hex}",
        "occurredAt": "2025-03-01T08:30:00+03:30",
    }
    return {"input": {**sent, **changes}}


async def events_of(gateway: RunningGateway, national_id: str) -> int:
    async with gateway.gateway.sessions() as session:
        query = select(func.count()).where(LifeEventRecord.national_id == national_id)
        return int(await session.scalar(query) or 0)


def code(answer: dict[str, Any]) -> str:
    return str(answer["errors"][0]["extensions"]["code"])


async def test_a_birth_is_recorded_once(gateway: RunningGateway) -> None:
    role = await reporter(gateway, "civil-registry")
    child = gateway.citizens["newborn"]
    before = await events_of(gateway, child)
    sent = birth(child)
    first = await gateway.query(REPORT, sent, role=role, case_reference=None)
    assert "errors" not in first, first
    receipt = first["data"]["reportLifeEvent"]
    assert receipt["status"] == "PENDING" and receipt["duplicate"] is False
    assert receipt["occurredAt"].startswith("2025-03-01T05:00:00")
    again = await gateway.query(REPORT, sent, role=role, case_reference=None)
    assert again["data"]["reportLifeEvent"]["id"] == receipt["id"]
    assert again["data"]["reportLifeEvent"]["duplicate"] is True
    assert await events_of(gateway, child) == before + 1
    # The evidence read is the gateway's own, recorded as such.
    async with gateway.gateway.sessions() as session:
        rows = (
            await session.scalars(
                select(AuditRecord).where(
                    AuditRecord.subject == child,
                    AuditRecord.case_reference == "life-event-evidence-check",
                )
            )
        ).all()
    assert rows and all(row.actor_kind == ActorKind.SYSTEM for row in rows)


async def test_the_same_id_for_another_event_is_refused(gateway: RunningGateway) -> None:
    role = await reporter(gateway, "civil-registry")
    sent = birth(gateway.citizens["newborn"])
    assert "errors" not in await gateway.query(REPORT, sent, role=role, case_reference=None)
    changed = {"input": {**sent["input"], "occurredAt": "2025-03-02T08:30:00+03:30"}}
    answer = await gateway.query(REPORT, changed, role=role, case_reference=None)
    assert code(answer) == "LIFE_EVENT_CONFLICT"


async def test_another_agency_may_not_report_a_birth(gateway: RunningGateway) -> None:
    role = await reporter(gateway, "social-security")
    child = gateway.citizens["newborn"]
    before = await events_of(gateway, child)
    answer = await gateway.query(REPORT, birth(child), role=role, case_reference=None)
    assert code(answer) == "LIFE_EVENT_NOT_OWNED"
    assert await events_of(gateway, child) == before


async def test_an_unknown_national_code_is_refused(gateway: RunningGateway) -> None:
    role = await reporter(gateway, "civil-registry")
    known = {person.national_id for person in gateway.world.people}
    unknown = next(c for n in range(100_000_000, 100_001_000) if (c := with_check(n)) not in known)
    answer = await gateway.query(REPORT, birth(unknown), role=role, case_reference=None)
    assert code(answer) == "LIFE_EVENT_NOT_HELD"
    assert await events_of(gateway, unknown) == 0


async def test_only_a_reporting_client_reports(gateway: RunningGateway) -> None:
    child = gateway.citizens["newborn"]
    statutory = await gateway.query(REPORT, birth(child))  # reads data, reports nothing
    assert code(statutory) == "FORBIDDEN"
    anonymous = await gateway.query(REPORT, birth(child), role=None, case_reference=None)
    assert code(anonymous) == "UNAUTHENTICATED"


async def test_an_age_event_is_the_scans_not_an_agencys(gateway: RunningGateway) -> None:
    role = await reporter(gateway, "civil-registry")
    sent = birth(gateway.citizens["minor_child"], kind="age.reached.6")
    answer = await gateway.query(REPORT, sent, role=role, case_reference=None)
    assert code(answer) == "LIFE_EVENT_NOT_OWNED"


def with_check(n: int) -> str:
    return with_check_digit(f"{n:09d}")
