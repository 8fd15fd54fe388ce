"""The engine's reads through the real sources, the one access decision and the access log: a
batch costs one call per source, and the log names the engine, the card and the event. Then the
gateway's own in-process worker turns a reported birth into its cases."""

from __future__ import annotations

import asyncio
import dataclasses
import time
import uuid
from datetime import UTC, datetime

from sqlalchemy import insert, select

from resolvers.proactive_reads import ENGINE_CLIENT, ProactiveReads
from services.proactive.ports import (
    DECEASED,
    CaseFacts,
    OutboxEvent,
    ProactiveCard,
    ReadRequest,
)
from standard.life_events import LifeEvent
from standard.statuses import OutboxStatus, ProactiveMode
from store.audit_models import AuditRecord
from store.proactive_models import LifeEventRecord, ServiceCasePerson, ServiceCaseRecord
from tests.harness import RunningGateway

STATUTE = "Social Security Act, article 3"


def card(card_id: str, *datasets: str) -> ProactiveCard:
    return ProactiveCard(
        id=card_id,
        version=1,
        agency="social-security",
        name_fa="بیمه نوزاد",
        name_en="Newborn insurance",
        statute=STATUTE,
        mode=ProactiveMode.NOTIFY,
        datasets=datasets,
        life_event=LifeEvent.BIRTH_REGISTERED.value,
        reference_date=None,
    )


def birth(national_id: str) -> OutboxEvent:
    now = datetime.now(UTC)
    return OutboxEvent(
        id=str(uuid.uuid4()),
        agency_code="civil-registry",
        source_event_id=f"b-{uuid.uuid4().hex[:8]}",
        kind=LifeEvent.BIRTH_REGISTERED.value,
        national_id=national_id,
        occurred_at=now,
        channel="GRAPHQL",
        reported_at=now,
        attempts=1,
    )


def age_six(national_id: str) -> OutboxEvent:
    event = birth(national_id)
    return dataclasses.replace(event, kind=LifeEvent.AGE_REACHED_6.value, channel="SCAN")


def reads_of(gateway: RunningGateway) -> ProactiveReads:
    running = gateway.gateway
    return ProactiveReads(
        running.registry,
        running.sessions,
        running.audit_sink,
        guardianship_statute=running.settings.guardianship_check_statute,
        death_statute=running.settings.death_check_statute,
    )


async def test_a_batch_reads_each_source_once_and_logs_card_and_event(
    gateway: RunningGateway,
) -> None:
    insurance = card("newborn-insurance-x", "civil.birth", "civil.family", "social.coverage")
    loan = card("childbirth-loan-x", "civil.identity", "civil.birth", "health.records")
    children = [person.national_id for person in gateway.world.people[:40]]
    requests = [ReadRequest(c, birth(child)) for child in children for c in (insurance, loan)]
    before = gateway.source_calls()
    facts = await reads_of(gateway).read(requests)
    after = gateway.source_calls()
    calls = {source: after[source] - before.get(source, 0) for source in after}
    touched = {source: number for source, number in calls.items() if number}
    # identity, birth, death (civil.identity), insurance: one call each for 80 cases.
    assert touched == {
        s: 1 for s in ("civil-identity", "civil-birth", "civil-death", "social-insurance")
    }, touched
    assert all(isinstance(f, CaseFacts) for f in facts)
    first = facts[0]
    assert isinstance(first, CaseFacts)
    kinds = {record.record_type for record in first.records}
    assert kinds == {"birth", "insurance"}
    birth_values = next(r for r in first.records if r.record_type == "birth").values
    assert set(birth_values) <= {"date", "place", "fatherNationalId", "motherNationalId"}
    loan_facts = facts[1]
    assert isinstance(loan_facts, CaseFacts)
    loan_birth = next(r for r in loan_facts.records if r.record_type == "birth")
    assert "fatherNationalId" not in loan_birth.values  # civil.family is not the loan card's
    assert first.evidence is not None and first.evidence.record_type == "birth"

    request = requests[0]
    async with gateway.gateway.sessions() as session:
        logged = list(
            await session.scalars(
                select(AuditRecord).where(AuditRecord.case_reference == request.case_reference)
            )
        )
    assert logged, "the engine's reads are in the access log"
    assert {r.client_id for r in logged} == {ENGINE_CLIENT}
    assert {r.purpose for r in logged} == {insurance.id}
    assert {r.legal_basis for r in logged} == {"system"}
    assert {r.subject for r in logged} == {request.event.national_id}
    statutes = {r.statute for r in logged}
    assert STATUTE in statutes  # the card's datasets, under the card's statute
    assert gateway.gateway.settings.guardianship_check_statute in statutes  # who it is for
    assert all(r.outcome == "GRANTED" for r in logged)


async def test_an_age_event_of_someone_who_has_died_makes_no_case(gateway: RunningGateway) -> None:
    school = dataclasses.replace(
        card("school-x", "civil.birth", "civil.identity"),
        life_event=LifeEvent.AGE_REACHED_6.value,
    )
    dead, alive = gateway.citizens["deceased"], gateway.citizens["minor_child"]
    requests = [ReadRequest(school, age_six(dead)), ReadRequest(school, age_six(alive))]
    before = gateway.source_calls()
    gone, living = await reads_of(gateway).read(requests)
    after = gateway.source_calls()
    assert gone is DECEASED
    assert isinstance(living, CaseFacts)
    assert after["civil-death"] - before.get("civil-death", 0) == 1  # both asked in one call
    async with gateway.gateway.sessions() as session:
        statutes = set(
            await session.scalars(
                select(AuditRecord.statute).where(
                    AuditRecord.case_reference == requests[0].case_reference
                )
            )
        )
    # The death read is logged under the death check's statute, like every other.
    assert gateway.gateway.settings.death_check_statute in statutes


async def test_the_gateway_turns_a_reported_birth_into_its_cases(gateway: RunningGateway) -> None:
    child = gateway.citizens["minor_child"]
    parent = gateway.citizens["parent"]
    now = datetime.now(UTC)
    event_id = str(uuid.uuid4())
    async with gateway.gateway.sessions() as session, session.begin():
        await session.execute(
            insert(LifeEventRecord).values(
                id=event_id,
                agency_code="civil-registry",
                source_event_id=f"birth-{event_id[:8]}",
                kind=LifeEvent.BIRTH_REGISTERED.value,
                national_id=child,
                occurred_at=now,
                channel="GRAPHQL",
                reported_by="test",
                reported_at=now,
            )
        )
    deadline = time.monotonic() + 20
    while True:
        async with gateway.gateway.sessions() as session:
            event = await session.get(LifeEventRecord, event_id)
            assert event is not None
            if event.status == OutboxStatus.DONE:
                break
        assert time.monotonic() < deadline, (event.status, event.last_error)
        await asyncio.sleep(0.2)
    async with gateway.gateway.sessions() as session:
        cases = list(
            await session.scalars(
                select(ServiceCaseRecord).where(ServiceCaseRecord.event_id == event_id)
            )
        )
        people = set(
            await session.scalars(
                select(ServiceCasePerson.national_id).where(
                    ServiceCasePerson.case_id.in_([c.id for c in cases])
                )
            )
        )
    status = {c.card_id: c.status for c in cases}
    assert status["newborn-health-insurance"] == "EXECUTED"  # NOTIFY: done at once
    # Every case opens as its card's mode says: offers wait for an answer, the rest are done.
    opening = {"CONFIRM": "OFFERED", "MAY_DECLINE": "EXECUTED", "NOTIFY": "EXECUTED"}
    assert all(c.status == opening[c.mode] for c in cases)
    assert {child, parent} <= people
