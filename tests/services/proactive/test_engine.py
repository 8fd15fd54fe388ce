"""The engine's rules: cases made once per event and card, their people and deliveries, offers
not repeated after a decline, failures retried into the dead letter and replayed, death effects."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.proactive.cases_made import period_start
from services.proactive.engine import Engine
from services.proactive.outbox import Outbox, OutboxPolicy, replay
from standard.life_events import LifeEvent
from standard.statuses import CaseStatus, OutboxStatus
from store.db import transaction
from store.proactive_models import (
    AgencyWebhook,
    CaseDelivery,
    LifeEventRecord,
    ServiceCasePerson,
    ServiceCaseRecord,
)
from tests.services.proactive.conftest import (
    FATHER,
    MOTHER,
    FakeReads,
    add_cards,
    case_count,
    proactive,
    report,
    subject_code,
)

POLICY = OutboxPolicy(batch_size=50, lease=30.0, max_attempts=3, backoff_base=0.0, backoff_max=0.0)


class Deaths:
    def __init__(self) -> None:
        self.ended: list[str] = []

    async def deceased(self, national_id: str) -> None:
        self.ended.append(national_id)


async def drain(engine: Engine, outbox: Outbox) -> None:
    while events := await outbox.claim():
        await engine.process(outbox, events)


async def cases(sessions: async_sessionmaker[AsyncSession]) -> list[ServiceCaseRecord]:
    async with sessions() as session:
        return list(
            await session.scalars(select(ServiceCaseRecord).order_by(ServiceCaseRecord.seq))
        )


async def test_a_birth_makes_one_case_per_card_with_people_data_and_explanation(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_cards(
        sessions,
        proactive("newborn-insurance", LifeEvent.BIRTH_REGISTERED),
        proactive("birth-offer", LifeEvent.BIRTH_REGISTERED, "CONFIRM"),
        proactive("on-death", LifeEvent.DEATH_REGISTERED),
        proactive("school", LifeEvent.AGE_REACHED_6, "CONFIRM", reference_date="07-01"),
    )
    async with transaction(sessions) as session:
        session.add(
            AgencyWebhook(agency_code="civil", url="https://x", secret_sealed="-", updated_by="t")
        )
    (event_id,) = await report(sessions, [subject_code(7)])
    reads = FakeReads()
    engine, outbox = Engine(sessions, reads), Outbox(sessions, "w", POLICY)
    result = await engine.process(outbox, await outbox.claim())
    assert (result.done, result.cases, reads.calls) == (1, 2, 1)
    made = {case.card_id: case for case in await cases(sessions)}
    assert set(made) == {"newborn-insurance", "birth-offer"}
    assert made["newborn-insurance"].status == CaseStatus.EXECUTED
    assert made["birth-offer"].status == CaseStatus.OFFERED
    case = made["newborn-insurance"]
    assert case.idempotency_key == f"{event_id}:newborn-insurance"
    assert case.data["records"][0]["values"]["date"] == "2019-05-01"
    assert case.data["records"][0]["provenance"]["status"] == "AVAILABLE"
    explained = case.explanation
    assert explained["event"]["id"] == event_id and explained["event"]["kind"] == "birth.registered"
    assert explained["card"]["statute"] == "Some Act, article 1"
    assert {"recordType": "birth", "field": "date", "value": "2019-05-01", "agency": "civil"} in (
        explained["facts"]
    )
    assert explained["referenceDate"] is None
    async with sessions() as session:
        people = {
            (p.national_id, p.role)
            for p in await session.scalars(
                select(ServiceCasePerson).where(ServiceCasePerson.case_id == case.id)
            )
        }
        deliveries = list(await session.scalars(select(CaseDelivery)))
    assert people == {(subject_code(7), "SUBJECT"), (FATHER, "PARENT"), (MOTHER, "PARENT")}
    assert len(deliveries) == 2 and {d.status for d in deliveries} == {"PENDING"}


async def test_an_age_case_names_the_period_from_the_cards_reference_date(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_cards(
        sessions, proactive("school", LifeEvent.AGE_REACHED_6, "CONFIRM", reference_date="07-01")
    )
    await report(sessions, [subject_code(3)], LifeEvent.AGE_REACHED_6)
    engine, outbox = Engine(sessions, FakeReads()), Outbox(sessions, "w", POLICY)
    await drain(engine, outbox)
    (case,) = await cases(sessions)
    # Born 2019-05-01 = 1398-02-11: six on 1404-02-11, the school year from 1 Mehr 1404.
    assert case.explanation["referenceDate"] == "1404-07-01"
    assert case.status == CaseStatus.OFFERED


async def test_no_case_for_an_age_event_whose_subject_has_died(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_cards(sessions, proactive("school", LifeEvent.AGE_REACHED_6, "CONFIRM"))
    await report(sessions, [subject_code(4), subject_code(5)], LifeEvent.AGE_REACHED_6)
    reads = FakeReads()
    reads.deceased.add(subject_code(4))
    engine, outbox = Engine(sessions, reads), Outbox(sessions, "w", POLICY)
    await drain(engine, outbox)
    assert [case.subject_national_id for case in await cases(sessions)] == [subject_code(5)]
    async with sessions() as session:
        statuses = set(await session.scalars(select(LifeEventRecord.status)))
    assert statuses == {OutboxStatus.DONE}  # done, not retried: there is nothing to offer


def test_the_period_starts_at_the_first_reference_date_on_or_after_the_birthday() -> None:
    assert period_start(datetime(2019, 5, 1).date(), 6, (7, 1)) == "1404-07-01"
    # Born 1397-08-10: six on 1403-08-10, after 1 Mehr: the next school year.
    assert period_start(datetime(2018, 11, 1).date(), 6, (7, 1)) == "1404-07-01"
    assert period_start(datetime(2018, 9, 23).date(), 6, (7, 1)) == "1403-07-01"  # on the day


async def test_a_batch_run_again_makes_no_second_case(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_cards(sessions, proactive("newborn-insurance", LifeEvent.BIRTH_REGISTERED))
    await report(sessions, [subject_code(n) for n in range(20)])
    reads = FakeReads()
    engine = Engine(sessions, reads)
    first = Outbox(sessions, "first", POLICY)
    batch = await first.claim()
    await engine.process(first, batch)
    # The same events processed again (a stolen lease, a replay): the key keeps them out.
    later = datetime.now(UTC) + timedelta(seconds=POLICY.lease + 1)
    async with transaction(sessions) as session:
        await session.execute(
            LifeEventRecord.__table__.update().values(status="PENDING", next_attempt_at=later)
        )
    second = Outbox(sessions, "second", POLICY)
    again = await second.claim(now=later)
    result = await engine.process(second, again)
    assert result.cases == 0 and result.done == 20
    assert await case_count(sessions) == 20
    assert len(reads.requests) == 20  # nothing read again for cases that exist


async def test_a_declined_offer_is_not_offered_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_cards(sessions, proactive("school", LifeEvent.AGE_REACHED_6, "CONFIRM"))
    child = subject_code(5)
    await report(sessions, [child], LifeEvent.AGE_REACHED_6, prefix="scan-1")
    reads = FakeReads()
    engine, outbox = Engine(sessions, reads), Outbox(sessions, "w", POLICY)
    await drain(engine, outbox)
    async with transaction(sessions) as session:
        (offer,) = await session.scalars(select(ServiceCaseRecord))
        offer.status = CaseStatus.DECLINED.value
    await report(sessions, [child, subject_code(6)], LifeEvent.AGE_REACHED_6, prefix="scan-2")
    await drain(engine, outbox)
    made = await cases(sessions)
    assert [(c.subject_national_id, c.status) for c in made] == [
        (child, "DECLINED"),
        (subject_code(6), "OFFERED"),
    ]
    assert [r.event.national_id for r in reads.requests] == [child, subject_code(6)]
    async with sessions() as session:
        statuses = set(await session.scalars(select(LifeEventRecord.status)))
    assert statuses == {OutboxStatus.DONE}  # the declined one's event is done, with no case


async def test_a_failing_source_retries_then_dead_letters_and_replay_completes(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_cards(sessions, proactive("newborn-insurance", LifeEvent.BIRTH_REGISTERED))
    broken, fine = subject_code(1), subject_code(2)
    ids = await report(sessions, [broken, fine])
    reads = FakeReads()
    reads.failing.add(broken)
    engine = Engine(sessions, reads)
    outbox = Outbox(sessions, "w", POLICY, rng=random.Random(3))
    results = []
    while events := await outbox.claim():
        results.append(await engine.process(outbox, events))
    assert [(r.done, r.retried, r.dead) for r in results] == [(1, 1, 0), (0, 1, 0), (0, 0, 1)]
    async with sessions() as session:
        dead = await session.get(LifeEventRecord, ids[0])
    assert dead is not None and dead.status == OutboxStatus.DEAD and dead.attempts == 3
    assert "did not answer" in (dead.last_error or "")
    assert await case_count(sessions) == 1
    reads.failing.clear()  # the source is back; the agency replays
    async with transaction(sessions) as session:
        assert await replay(session, ids[0])
    await drain(engine, outbox)
    assert {c.subject_national_id for c in await cases(sessions)} == {broken, fine}


async def test_a_death_ends_the_citizens_access_and_opens_closing_cases(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    await add_cards(sessions, proactive("end-insurance", LifeEvent.DEATH_REGISTERED))
    deaths = Deaths()
    engine, outbox = Engine(sessions, FakeReads(), deaths), Outbox(sessions, "w", POLICY)
    await report(sessions, [subject_code(9)], LifeEvent.DEATH_REGISTERED)
    await drain(engine, outbox)
    assert deaths.ended == [subject_code(9)]
    (case,) = await cases(sessions)
    assert case.card_id == "end-insurance" and case.status == CaseStatus.EXECUTED


async def test_events_no_card_runs_on_are_done_without_reads(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    reads = FakeReads()
    engine, outbox = Engine(sessions, reads), Outbox(sessions, "w", POLICY)
    await report(sessions, [subject_code(1)], LifeEvent.AGE_REACHED_60)
    await drain(engine, outbox)
    assert reads.calls == 0 and await case_count(sessions) == 0
