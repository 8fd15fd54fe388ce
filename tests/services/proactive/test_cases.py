"""Service cases as their agency and their people see them, on a SQLite store of the test's own:
the feed by seq with its filters (newest first too), answers by mode and person, close, the
delivery counts, and dead letters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.proactive import cases
from services.proactive.counts import delivery_counts
from standard.errors import DarvazehError, ErrorCode
from standard.statuses import CaseStatus, DeliveryStatus, ProactiveMode
from store.db import transaction
from tests.services.proactive.support import CIVIL, add_case, add_dead_letter, fail_delivery
from tests.shared import sqlite_store

CHILD, MOTHER, FATHER, STRANGER = "0000000018", "0000000026", "0000000034", "0000000042"
NOW = datetime(2026, 4, 2, tzinfo=UTC)


@pytest.fixture
async def sessions(tmp_path: Path) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    async with sqlite_store(tmp_path / "store.db") as (_, made):
        yield made


async def test_the_feed_pages_by_seq_and_filters(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    made = [await add_case(sessions, subject=CHILD) for _ in range(5)]
    offer = await add_case(sessions, subject=CHILD, card_id="school", mode=ProactiveMode.CONFIRM)
    other = await add_case(sessions, subject=CHILD, agency="tax", card_id="tax-card")
    async with sessions() as session:
        first = await cases.agency_feed(session, CIVIL, first=2)
        assert [c.id for c in first.cases] == made[:2] and first.has_next
        rest = await cases.agency_feed(session, CIVIL, after=first.cases[-1].seq, first=100)
        assert [c.id for c in rest.cases] == [*made[2:], offer] and not rest.has_next
        offered = await cases.agency_feed(session, CIVIL, status=CaseStatus.OFFERED, first=10)
        assert [c.id for c in offered.cases] == [offer]
        by_card = await cases.agency_feed(session, CIVIL, card_id="school", first=10)
        assert [c.id for c in by_card.cases] == [offer]
        # Another agency's case is not in the feed, and is unknown to this agency.
        assert other not in {c.id for c in rest.cases}
        with pytest.raises(cases.CaseNotFound):
            await cases.agency_case(session, CIVIL, other)


async def test_who_may_answer_what(sessions: async_sessionmaker[AsyncSession]) -> None:
    notice = await add_case(sessions, subject=CHILD, parents=[MOTHER, FATHER])
    offer = await add_case(sessions, subject=CHILD, parents=[MOTHER, FATHER], card_id="school",
                           mode=ProactiveMode.CONFIRM)  # fmt: skip
    done = await add_case(sessions, subject=CHILD, parents=[MOTHER], card_id="loan",
                          mode=ProactiveMode.MAY_DECLINE)  # fmt: skip

    async def answer(who: str, case_id: str, confirm: bool, note: str | None = None) -> object:
        async with transaction(sessions) as session:
            return await cases.answer(session, who, case_id, confirm=confirm, note=note, now=NOW)

    # A notice takes no answer; someone not of the case does not even find it.
    with pytest.raises(cases.CaseNotAnswerable):
        await answer(MOTHER, notice, confirm=False)
    with pytest.raises(cases.CaseNotFound):
        await answer(STRANGER, offer, confirm=True)
    # An executed may-decline case may be declined, not confirmed.
    with pytest.raises(cases.CaseNotAnswerable):
        await answer(MOTHER, done, confirm=True)
    declined = await answer(MOTHER, done, confirm=False, note="  ")
    assert isinstance(declined, cases.ServiceCase) and declined.status is CaseStatus.DECLINED
    # A note is bounded; the offer is answered once, by either parent.
    with pytest.raises(DarvazehError) as refused:
        await answer(FATHER, offer, confirm=True, note="x" * (cases.MAX_NOTE + 1))
    assert refused.value.code is ErrorCode.BAD_USER_INPUT
    confirmed = await answer(FATHER, offer, confirm=True, note="the school near home")
    assert isinstance(confirmed, cases.ServiceCase)
    assert (confirmed.status, confirmed.answered_by, confirmed.answer_note) == (
        CaseStatus.CONFIRMED, FATHER, "the school near home")  # fmt: skip
    with pytest.raises(cases.CaseNotAnswerable):
        await answer(MOTHER, offer, confirm=False)


async def test_a_closed_case_cannot_be_answered_and_keeps_its_count(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    offer = await add_case(sessions, subject=CHILD, parents=[MOTHER], card_id="school",
                           mode=ProactiveMode.CONFIRM)  # fmt: skip
    confirmed = await add_case(sessions, subject=CHILD, parents=[MOTHER], card_id="school",
                               mode=ProactiveMode.CONFIRM)  # fmt: skip
    declined = await add_case(sessions, subject=CHILD, parents=[MOTHER], card_id="loan",
                              mode=ProactiveMode.MAY_DECLINE)  # fmt: skip
    notice = await add_case(sessions, subject=CHILD, parents=[MOTHER])
    async with transaction(sessions) as session:
        await cases.answer(session, MOTHER, confirmed, confirm=True, note=None, now=NOW)
        await cases.answer(session, MOTHER, declined, confirm=False, note=None, now=NOW)
    async with transaction(sessions) as session:
        acknowledged = await cases.acknowledge(session, CIVIL, offer, NOW)
        assert acknowledged.acknowledged_at is not None
        for case_id in (offer, confirmed, declined, notice):
            await cases.close(session, CIVIL, case_id, NOW)
    async with transaction(sessions) as session:
        with pytest.raises(cases.CaseNotAnswerable):
            await cases.answer(session, MOTHER, offer, confirm=True, note=None, now=NOW)
        assert (await cases.agency_case(session, CIVIL, declined)).status is CaseStatus.DECLINED
        counts = await delivery_counts(session)
    assert counts.by_card["school"].created == 2 and counts.by_card["school"].confirmed == 1
    assert counts.by_card["loan"].executed == 0  # declined
    assert counts.by_card["newborn-health-insurance"].executed == 1
    assert counts.by_agency[CIVIL].created == 4 and counts.total.confirmed == 1


async def test_a_person_sees_their_and_their_childrens_cases(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    childs = await add_case(sessions, subject=CHILD, parents=[MOTHER])
    mine = await add_case(sessions, subject=MOTHER)
    async with sessions() as session:
        assert [c.id for c in await cases.person_cases(session, MOTHER)] == [mine, childs]
        assert [c.id for c in await cases.person_cases(session, CHILD)] == [childs]
        assert await cases.person_cases(session, STRANGER) == []


async def test_the_feed_newest_first_and_by_delivery_status(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """What the agency console lists: the newest first, a page after another, and the cases
    whose webhook delivery failed."""
    made = [await add_case(sessions, subject=CHILD, deliver=True) for _ in range(4)]
    await fail_delivery(sessions, made[1])
    async with sessions() as session:
        newest = await cases.agency_feed(session, CIVIL, first=3, newest_first=True)
        assert [c.id for c in newest.cases] == made[:0:-1] and newest.has_next
        older = await cases.agency_feed(
            session, CIVIL, first=3, newest_first=True, after=newest.cases[-1].seq
        )
        assert [c.id for c in older.cases] == [made[0]] and not older.has_next
        failed = await cases.agency_feed(session, CIVIL, delivery=DeliveryStatus.DEAD, first=10)
        assert [(c.id, c.delivery) for c in failed.cases] == [(made[1], DeliveryStatus.DEAD)]
        pending = await cases.agency_feed(session, "tax", delivery=DeliveryStatus.DEAD, first=10)
        assert pending.cases == []


async def test_a_dead_letter_is_read_and_replayed_by_its_agencies_only(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    dead = await add_dead_letter(sessions, subject=CHILD)
    async with sessions() as session:
        assert (await cases.dead_letter(session, CIVIL, dead)).last_error
        for agency, event_id in (("tax", dead), (CIVIL, "no-such-event")):
            with pytest.raises(DarvazehError) as unknown:
                await cases.dead_letter(session, agency, event_id)
            assert unknown.value.code is ErrorCode.NOT_FOUND
    async with transaction(sessions) as session:
        replayed = await cases.replay_dead_letter(session, CIVIL, dead, NOW)
    assert replayed.status == "PENDING" and replayed.attempts == 0
    async with sessions() as session:
        with pytest.raises(DarvazehError):  # no longer dead: nothing to replay or read
            await cases.dead_letter(session, CIVIL, dead)
