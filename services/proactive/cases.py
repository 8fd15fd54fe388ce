"""Service cases as their agency and their people see them: the agency's feed (paged by the order
cases were made in, filtered), a person's cases, the citizen's answer to an offer, the agency's
acknowledgement and close, and the dead letters an agency may replay.

An id the asker may not see (another agency's case, someone else's case) is refused exactly as an
unknown id is: the answer never tells the two apart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services.proactive import outbox
from standard.errors import DarvazehError, ErrorCode
from standard.pagination import check_first
from standard.statuses import CaseRole, CaseStatus, DeliveryStatus, OutboxStatus, ProactiveMode
from store.models import ServiceCard
from store.proactive_models import (
    CaseDelivery,
    LifeEventRecord,
    ServiceCasePerson,
    ServiceCaseRecord,
)

# A citizen's note with an answer (why they decline, another school): bounded like the column.
MAX_NOTE = 500
# The most cases a person's list shows (newest first): a family has a handful a year.
MAX_PERSON_CASES = 200
# An answer is possible only to what asks for one: an offer, or what is done unless declined.
ANSWERABLE: dict[ProactiveMode, frozenset[CaseStatus]] = {
    ProactiveMode.CONFIRM: frozenset({CaseStatus.OFFERED}),
    ProactiveMode.MAY_DECLINE: frozenset({CaseStatus.EXECUTED}),
    ProactiveMode.NOTIFY: frozenset(),
}


class CaseNotFound(DarvazehError):
    code = ErrorCode.NOT_FOUND

    def __init__(self, case_id: str) -> None:
        super().__init__(f"no service case {case_id[:64]!r} among yours")


class CaseNotAnswerable(DarvazehError):
    """An answer the case's mode or state does not allow (a notice, a closed case, an offer
    already answered)."""

    code = ErrorCode.CASE_NOT_ANSWERABLE


@dataclass(frozen=True, slots=True)
class Person:
    national_id: str
    role: CaseRole


@dataclass(frozen=True, slots=True)
class ServiceCase:
    """One case, as read from the store (the JSON shapes are docs/proactive.md's)."""

    seq: int
    id: str
    event_id: str
    card_id: str
    card_version: int
    agency: str
    subject: str
    mode: ProactiveMode
    status: CaseStatus
    data: dict[str, Any]
    explanation: dict[str, Any]
    people: tuple[Person, ...]
    created_at: datetime
    updated_at: datetime
    answered_at: datetime | None
    answered_by: str | None
    answer_note: str | None
    acknowledged_at: datetime | None
    closed_at: datetime | None
    delivery: DeliveryStatus | None = None  # its webhook delivery, if the agency has a webhook

    @property
    def answerable(self) -> bool:
        return self.status in ANSWERABLE[self.mode]


def case_of(
    row: ServiceCaseRecord,
    people: Sequence[ServiceCasePerson] = (),
    delivery: str | None = None,
) -> ServiceCase:
    return ServiceCase(
        seq=int(row.seq),
        id=row.id,
        event_id=row.event_id,
        card_id=row.card_id,
        card_version=row.card_version,
        agency=row.agency_code,
        subject=row.subject_national_id,
        mode=ProactiveMode(row.mode),
        status=CaseStatus(row.status),
        data=dict(row.data or {}),
        explanation=dict(row.explanation or {}),
        people=tuple(Person(p.national_id, CaseRole(p.role)) for p in people),
        created_at=row.created_at,
        updated_at=row.updated_at,
        answered_at=row.answered_at,
        answered_by=row.answered_by,
        answer_note=row.answer_note,
        acknowledged_at=row.acknowledged_at,
        closed_at=row.closed_at,
        delivery=DeliveryStatus(delivery) if delivery else None,
    )


async def _cases(session: AsyncSession, query: Select[ServiceCaseRecord]) -> list[ServiceCase]:
    rows = list(await session.scalars(query))
    ids = [row.id for row in rows]
    people: dict[str, list[ServiceCasePerson]] = {case_id: [] for case_id in ids}
    deliveries: dict[str, str] = {}
    if ids:
        found = await session.scalars(
            select(ServiceCasePerson)
            .where(ServiceCasePerson.case_id.in_(ids))
            .order_by(ServiceCasePerson.role.desc(), ServiceCasePerson.national_id)
        )
        for person in found:
            people[person.case_id].append(person)
        status_query = select(CaseDelivery.case_id, CaseDelivery.status)
        for case_id, status in await session.execute(
            status_query.where(CaseDelivery.case_id.in_(ids))
        ):
            deliveries[case_id] = status
    return [case_of(row, people[row.id], deliveries.get(row.id)) for row in rows]


@dataclass(frozen=True, slots=True)
class CasePage:
    cases: list[ServiceCase]
    has_next: bool


async def agency_feed(
    session: AsyncSession,
    agency: str,
    *,
    status: CaseStatus | None = None,
    card_id: str | None = None,
    delivery: DeliveryStatus | None = None,
    after: int | None = None,
    first: int,
    newest_first: bool = False,
) -> CasePage:
    """The agency's cases in the order they were made (by seq), after seq `after`, filtered by
    status, card and webhook delivery status; a reader keeping the last seq it saw misses none
    and sees none twice. `newest_first` turns the order round (`after` then means older)."""
    check_first(first)
    seq = ServiceCaseRecord.seq
    query = select(ServiceCaseRecord).where(ServiceCaseRecord.agency_code == agency)
    if status is not None:
        query = query.where(ServiceCaseRecord.status == status.value)
    if card_id is not None:
        query = query.where(ServiceCaseRecord.card_id == card_id)
    if delivery is not None:
        delivered = select(CaseDelivery.case_id).where(
            CaseDelivery.agency_code == agency, CaseDelivery.status == delivery.value
        )
        query = query.where(ServiceCaseRecord.id.in_(delivered))
    if after is not None:
        query = query.where(seq < after if newest_first else seq > after)
    order = seq.desc() if newest_first else seq
    cases = await _cases(session, query.order_by(order).limit(first + 1))
    return CasePage(cases[:first], len(cases) > first)


async def agency_case(session: AsyncSession, agency: str, case_id: str) -> ServiceCase:
    query = select(ServiceCaseRecord).where(
        ServiceCaseRecord.id == case_id, ServiceCaseRecord.agency_code == agency
    )
    found = await _cases(session, query)
    if not found:
        raise CaseNotFound(case_id)
    return found[0]


async def person_cases(
    session: AsyncSession, national_id: str, *, limit: int = MAX_PERSON_CASES
) -> list[ServiceCase]:
    """The cases `national_id` is a person of (their own, and their minor children's), newest
    first."""
    mine = select(ServiceCasePerson.case_id).where(ServiceCasePerson.national_id == national_id)
    query = (
        select(ServiceCaseRecord)
        .where(ServiceCaseRecord.id.in_(mine))
        .order_by(ServiceCaseRecord.seq.desc())
        .limit(limit)
    )
    return await _cases(session, query)


async def person_case(session: AsyncSession, national_id: str, case_id: str) -> ServiceCase:
    """One case `national_id` is a person of; CaseNotFound for any other id."""
    mine = select(ServiceCasePerson.case_id).where(
        ServiceCasePerson.national_id == national_id, ServiceCasePerson.case_id == case_id
    )
    found = await _cases(session, select(ServiceCaseRecord).where(ServiceCaseRecord.id.in_(mine)))
    if not found:
        raise CaseNotFound(case_id)
    return found[0]


def check_note(note: str | None) -> str | None:
    if note is None:
        return None
    if len(note) > MAX_NOTE:
        message = f"a note is at most {MAX_NOTE} characters, got {len(note)}"
        raise DarvazehError(message, code=ErrorCode.BAD_USER_INPUT)
    return note.strip() or None


async def answer(
    session: AsyncSession,
    national_id: str,
    case_id: str,
    *,
    confirm: bool,
    note: str | None,
    now: datetime,
) -> ServiceCase:
    """A person of the case confirms an offer (CONFIRM cards) or declines it (CONFIRM, and
    MAY_DECLINE cards' executed cases). Anything else — a notice, an answered or closed case —
    is CASE_NOT_ANSWERABLE; a case that is not theirs is NOT_FOUND. The update is conditional on
    the status read, so two parents answering at once make one answer."""
    note = check_note(note)
    case = await person_case(session, national_id, case_id)
    if not case.answerable or (confirm and case.mode is not ProactiveMode.CONFIRM):
        verb = "confirmed" if confirm else "declined"
        raise CaseNotAnswerable(
            f"this {case.mode.value} case, {case.status.value}, cannot be {verb}"
        )
    new = CaseStatus.CONFIRMED if confirm else CaseStatus.DECLINED
    changed = await session.execute(
        update(ServiceCaseRecord)
        .where(ServiceCaseRecord.id == case.id, ServiceCaseRecord.status == case.status.value)
        .values(
            status=new.value,
            answered_at=now,
            answered_by=national_id,
            answer_note=note,
            updated_at=now,
        )
    )
    if getattr(changed, "rowcount", 1) != 1:
        raise CaseNotAnswerable("this case was answered meanwhile")
    return await person_case(session, national_id, case_id)


async def acknowledge(
    session: AsyncSession, agency: str, case_id: str, now: datetime
) -> ServiceCase:
    """The agency has taken the case in (the first time counts; again changes nothing)."""
    case = await agency_case(session, agency, case_id)
    if case.acknowledged_at is None:
        await session.execute(
            update(ServiceCaseRecord)
            .where(ServiceCaseRecord.id == case.id, ServiceCaseRecord.acknowledged_at.is_(None))
            .values(acknowledged_at=now, updated_at=now)
        )
    return await agency_case(session, agency, case_id)


async def close(session: AsyncSession, agency: str, case_id: str, now: datetime) -> ServiceCase:
    """The agency is done with the case: CLOSED, and nobody can answer it any more. An offer
    nobody answered can be closed too (it lapsed); a DECLINED case keeps its status (with its
    close time); closing twice changes nothing."""
    case = await agency_case(session, agency, case_id)
    if case.status is CaseStatus.DECLINED:
        # Declined is final and stays what it says (the counts rely on it); only the close time.
        if case.closed_at is None:
            await session.execute(
                update(ServiceCaseRecord)
                .where(ServiceCaseRecord.id == case.id)
                .values(closed_at=now, updated_at=now, acknowledged_at=case.acknowledged_at or now)
            )
    elif case.status is not CaseStatus.CLOSED:
        await session.execute(
            update(ServiceCaseRecord)
            .where(ServiceCaseRecord.id == case.id)
            .values(
                status=CaseStatus.CLOSED.value,
                closed_at=now,
                updated_at=now,
                acknowledged_at=case.acknowledged_at or now,
            )
        )
    return await agency_case(session, agency, case_id)


def _dead_letters_of(agency: str) -> Select[LifeEventRecord]:
    """DEAD events the agency reported, or whose kind one of its proactive cards runs on."""
    kinds = select(ServiceCard.life_event).where(
        ServiceCard.agency_code == agency,
        ServiceCard.proactive,
        ServiceCard.life_event.is_not(None),
    )
    return select(LifeEventRecord).where(
        LifeEventRecord.status == OutboxStatus.DEAD.value,
        or_(LifeEventRecord.agency_code == agency, LifeEventRecord.kind.in_(kinds)),
    )


@dataclass(frozen=True, slots=True)
class DeadLetterPage:
    events: list[LifeEventRecord]
    has_next: bool


async def dead_letters(
    session: AsyncSession, agency: str, *, first: int, after: str | None = None
) -> DeadLetterPage:
    """The agency's dead letters by event id (keyset on the id)."""
    check_first(first)
    query = _dead_letters_of(agency)
    if after is not None:
        query = query.where(LifeEventRecord.id > after)
    rows = list(await session.scalars(query.order_by(LifeEventRecord.id).limit(first + 1)))
    return DeadLetterPage(rows[:first], len(rows) > first)


async def dead_letter(session: AsyncSession, agency: str, event_id: str) -> LifeEventRecord:
    """One of the agency's dead letters; NOT_FOUND for any other id (as `replay_dead_letter`)."""
    row = await session.scalar(_dead_letters_of(agency).where(LifeEventRecord.id == event_id))
    if row is None:
        raise _no_dead_letter(event_id)
    return row


def _no_dead_letter(event_id: str) -> DarvazehError:
    message = f"no dead life event {event_id[:64]!r} among your agency's"
    return DarvazehError(message, code=ErrorCode.NOT_FOUND)


async def replay_dead_letter(
    session: AsyncSession, agency: str, event_id: str, now: datetime
) -> LifeEventRecord:
    """A dead event of the agency's back in the outbox (services.proactive.outbox.replay).
    NOT_FOUND for any other id."""
    row = await session.scalar(
        _dead_letters_of(agency).where(LifeEventRecord.id == event_id).with_for_update()
    )
    if row is None or not await outbox.replay(session, event_id, now):
        raise _no_dead_letter(event_id)
    await session.refresh(row)
    return row
