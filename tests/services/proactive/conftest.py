"""The engine over a migrated store (SQLite, PostgreSQL) with proactive cards registered and
life events written straight into the outbox, as intake writes them; reads are faked here (the
real ones: tests/resolvers/test_proactive_reads.py)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime

from sqlalchemy import func, insert, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.proactive.ports import (
    DECEASED,
    CaseFacts,
    ReadFailure,
    ReadOutcome,
    ReadRequest,
    RecordRead,
)
from standard.life_events import LifeEvent
from store.db import transaction
from store.proactive_models import LifeEventRecord, ServiceCaseRecord
from tests.services.conftest import draft, register

FATHER, MOTHER = "1111111111", "2222222222"


def proactive(card_id: str, event: LifeEvent, mode: str = "NOTIFY", **changes: object) -> object:
    return draft(
        card_id,
        "civil.identity",
        "civil.birth",
        proactive=True,
        life_event=event.value,
        proactive_mode=mode,
        **changes,
    )


async def add_cards(sessions: async_sessionmaker[AsyncSession], *cards: object) -> None:
    await register(sessions, *cards)  # type: ignore[arg-type]


async def report(
    sessions: async_sessionmaker[AsyncSession],
    subjects: Sequence[str],
    kind: LifeEvent = LifeEvent.BIRTH_REGISTERED,
    *,
    agency: str = "civil",
    prefix: str = "ev",
) -> list[str]:
    """Life events about `subjects` in the outbox, inserted in bulk as intake does; their ids."""
    now = datetime.now(UTC)
    rows = [
        {
            "id": str(uuid.uuid4()),
            "agency_code": agency,
            "source_event_id": f"{prefix}-{number}",
            "kind": kind.value,
            "national_id": subject,
            "occurred_at": now,
            "channel": "GRAPHQL",
            "reported_by": "civil-reporter",
            "reported_at": now,
            "status": "PENDING",
            "attempts": 0,
            "next_attempt_at": now,
        }
        for number, subject in enumerate(subjects)
    ]
    async with transaction(sessions) as session:
        for start in range(0, len(rows), 1000):
            await session.execute(insert(LifeEventRecord), rows[start : start + 1000])
    return [row["id"] for row in rows]


async def case_count(sessions: async_sessionmaker[AsyncSession]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(ServiceCaseRecord)) or 0)


def subject_code(number: int) -> str:
    return f"{number:010d}"


class FakeReads:
    """CaseReads that answer from memory: a birth record naming two parents; subjects in
    `failing` fail. Counts its calls and the requests it was given."""

    def __init__(self, *, delay: float = 0.0) -> None:
        self.calls = 0
        self.requests: list[ReadRequest] = []
        self.failing: set[str] = set()
        self.deceased: set[str] = set()
        self.delay = delay

    async def read(self, requests: Sequence[ReadRequest]) -> list[ReadOutcome]:
        self.calls += 1
        self.requests.extend(requests)
        if self.delay:
            await asyncio.sleep(self.delay)
        return [self._facts(request) for request in requests]

    def _facts(self, request: ReadRequest) -> ReadOutcome:
        subject = request.event.national_id
        if subject in self.failing:
            return ReadFailure("civil registry: did not answer within 3s")
        if subject in self.deceased:
            return DECEASED
        now = datetime.now(UTC)
        birth = RecordRead(
            record_type="birth",
            subject=subject,
            values={
                "date": date(2019, 5, 1),
                "fatherNationalId": FATHER,
                "motherNationalId": MOTHER,
            },
            agency="civil",
            datasource="src-birth",
            retrieved_at=now,
            last_updated=None,
            available=True,
        )
        return CaseFacts((birth,), birth, date(2019, 5, 1), (FATHER, MOTHER))
