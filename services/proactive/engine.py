"""From claimed life events to service cases, one batch at a time (docs/proactive.md).

For a batch the engine
1. finds the enabled proactive cards on each event's kind (card.life_event == event.kind);
2. leaves out the (event, card) pairs that already have their case (a retried or stolen batch) and
   CONFIRM offers the subject declined before;
3. ends a deceased citizen's own access (`DeathEffects`) for each death event;
4. reads, for every remaining pair at once, the card's datasets and the event's record through
   `CaseReads` (one call per source for the whole batch, each read decided and logged as the
   engine's, for that card and event);
5. in one transaction: inserts the cases, skipping any whose idempotency key exists (ON CONFLICT DO
   NOTHING: the unique key, not a check made earlier, is what makes a case exactly once), their
   people and their webhook deliveries, and marks the events done, or failed for a retry.
An event is done once every case it needs exists; a failed read fails only its own event.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import func, select, tuple_
from sqlalchemy import insert as insert_rows
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from services.proactive.cases_made import case_row, idempotency_key, people
from services.proactive.outbox import Outbox
from services.proactive.ports import (
    CaseFacts,
    CaseReads,
    DeathEffects,
    OutboxEvent,
    ProactiveCard,
    ReadFailure,
    ReadOutcome,
    ReadRequest,
    SubjectDeceased,
)
from standard.life_events import LifeEvent
from standard.statuses import CaseStatus, OutboxStatus, ProactiveMode
from store.db import transaction
from store.models import ServiceCard
from store.proactive_models import AgencyWebhook, CaseDelivery, ServiceCasePerson, ServiceCaseRecord

logger = logging.getLogger(__name__)
CHUNK = 200  # rows per INSERT and ids per IN list: well inside every driver's parameter limit


# The PostgreSQL advisory lock that serialises numbering and committing new cases.
CASE_NUMBERING_LOCK = 0x5CA5E


@dataclass(frozen=True, slots=True)
class BatchResult:
    events: int = 0
    done: int = 0  # events finished by this batch
    retried: int = 0  # events put back for a later attempt
    dead: int = 0  # events moved to the dead letter
    cases: int = 0  # cases this batch created (others may have existed already)


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterable[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Engine:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        reads: CaseReads,
        deaths: DeathEffects | None = None,
    ) -> None:
        self._sessions = sessions
        self._reads = reads
        self._deaths = deaths

    async def process(
        self, outbox: Outbox, events: Sequence[OutboxEvent], now: datetime | None = None
    ) -> BatchResult:
        """Make the cases of `events` (claimed by `outbox`'s worker) and settle each event."""
        if not events:
            return BatchResult()
        now = now or datetime.now(UTC)
        cards = await self._cards({event.kind for event in events})
        pairs = [(event, card) for event in events for card in cards.get(event.kind, ())]
        existing = await self._existing([idempotency_key(e.id, c.id) for e, c in pairs])
        declined = await self._declined(
            [(e, c) for e, c in pairs if c.mode is ProactiveMode.CONFIRM]
        )
        requests = [
            ReadRequest(card, event)
            for event, card in pairs
            if idempotency_key(event.id, card.id) not in existing
            and (card.id, event.national_id) not in declined
        ]
        failures: dict[str, str] = {}
        await self._death_effects(events, failures)
        rows, facts_of = self._cases(await self._read(requests), requests, failures, now)
        async with transaction(self._sessions) as session:
            created = await self._insert(session, rows, facts_of)
            done = [event.id for event in events if event.id not in failures]
            finished = await outbox.finish(session, done, now)
            statuses = [
                await outbox.fail(session, event, failures[event.id], now)
                for event in events
                if event.id in failures
            ]
        for event in events:
            if event.id in failures:
                logger.warning(
                    "life event %s (%s) failed attempt %d: %s",
                    event.id, event.kind, event.attempts, failures[event.id],
                )  # fmt: skip
        dead = statuses.count(OutboxStatus.DEAD)
        return BatchResult(len(events), finished, len(statuses) - dead, dead, created)

    async def _read(self, requests: list[ReadRequest]) -> list[ReadOutcome]:
        if not requests:
            return []
        try:
            return await self._reads.read(requests)
        except Exception as error:  # any failure of the reads fails their events, for a retry
            logger.exception("the engine's reads failed")
            return [ReadFailure(f"the reads failed: {error!r}")] * len(requests)

    async def _death_effects(self, events: Sequence[OutboxEvent], failures: dict[str, str]) -> None:
        if self._deaths is None:
            return
        for event in events:
            if event.kind != LifeEvent.DEATH_REGISTERED:
                continue
            try:
                await self._deaths.deceased(event.national_id)
            except Exception as error:  # the event is retried; ending access is idempotent
                failures[event.id] = f"ending the citizen's access failed: {error!r}"

    @staticmethod
    def _cases(
        outcomes: list[ReadOutcome],
        requests: list[ReadRequest],
        failures: dict[str, str],
        now: datetime,
    ) -> tuple[list[dict[str, Any]], dict[str, CaseFacts]]:
        rows: list[dict[str, Any]] = []
        facts_of: dict[str, CaseFacts] = {}
        for request, outcome in zip(requests, outcomes, strict=True):
            if isinstance(outcome, ReadFailure):
                failures.setdefault(request.event.id, f"card {request.card.id}: {outcome.reason}")
                continue
            if isinstance(outcome, SubjectDeceased):
                logger.info(
                    "life event %s (%s): no case of card %s, its subject has died",
                    request.event.id, request.event.kind, request.card.id,
                )  # fmt: skip
                continue
            row = case_row(request, outcome, now)
            rows.append(row)
            facts_of[row["id"]] = outcome
        return rows, facts_of

    async def _cards(self, kinds: set[str]) -> dict[str, list[ProactiveCard]]:
        async with self._sessions() as session:
            found = await session.scalars(
                select(ServiceCard)
                .where(
                    ServiceCard.enabled.is_(True),
                    ServiceCard.proactive.is_(True),
                    ServiceCard.life_event.in_(sorted(kinds)),
                )
                .order_by(ServiceCard.id)
            )
            by_kind: dict[str, list[ProactiveCard]] = {}
            for row in found:
                if row.proactive_mode in ProactiveMode.__members__ and row.statute:
                    by_kind.setdefault(row.life_event or "", []).append(ProactiveCard.of(row))
        return by_kind

    async def _existing(self, keys: list[str]) -> set[str]:
        found: set[str] = set()
        async with self._sessions() as session:
            for chunk in _chunks(keys):
                found.update(
                    await session.scalars(
                        select(ServiceCaseRecord.idempotency_key).where(
                            ServiceCaseRecord.idempotency_key.in_(chunk)
                        )
                    )
                )
        return found

    async def _declined(
        self, pairs: list[tuple[OutboxEvent, ProactiveCard]]
    ) -> set[tuple[str, str]]:
        """(card, subject) of the offers among `pairs` that the subject declined before."""
        wanted = sorted({(card.id, event.national_id) for event, card in pairs})
        found: set[tuple[str, str]] = set()
        async with self._sessions() as session:
            for chunk in _chunks(wanted):
                rows = await session.execute(
                    select(ServiceCaseRecord.card_id, ServiceCaseRecord.subject_national_id).where(
                        tuple_(
                            ServiceCaseRecord.card_id, ServiceCaseRecord.subject_national_id
                        ).in_(list(chunk)),
                        ServiceCaseRecord.status == CaseStatus.DECLINED,
                    )
                )
                found.update((card_id, subject) for card_id, subject in rows)
        return found

    async def _insert(
        self, session: AsyncSession, rows: list[dict[str, Any]], facts_of: dict[str, CaseFacts]
    ) -> int:
        """Insert the cases whose key is new, with their people and deliveries; how many."""
        if not rows:
            return 0
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        if dialect == "postgresql":
            # Cases are numbered (seq) and committed in one order: the agencies' feeds and
            # subscriptions page by seq, and a case committed after a higher seq was already
            # seen would be skipped. Held only for this short insert-and-commit.
            await session.execute(select(func.pg_advisory_xact_lock(CASE_NUMBERING_LOCK)))
        created: set[str] = set()
        for chunk in _chunks(rows):
            statement = (
                insert(ServiceCaseRecord)
                .values(list(chunk))
                .on_conflict_do_nothing(index_elements=["idempotency_key"])
                .returning(ServiceCaseRecord.id)
            )
            created.update(await session.scalars(statement))
        made = [row for row in rows if row["id"] in created]
        if not made:
            return 0
        persons = [
            person
            for row in made
            for person in people(row["id"], row["subject_national_id"], facts_of[row["id"]])
        ]
        for chunk in _chunks(persons):
            await session.execute(insert_rows(ServiceCasePerson), list(chunk))
        hooked = set(
            await session.scalars(
                select(AgencyWebhook.agency_code).where(
                    AgencyWebhook.enabled.is_(True),
                    AgencyWebhook.agency_code.in_({row["agency_code"] for row in made}),
                )
            )
        )
        deliveries = [
            {"case_id": row["id"], "agency_code": row["agency_code"]}
            for row in made
            if row["agency_code"] in hooked
        ]
        for chunk in _chunks(deliveries):
            await session.execute(insert_rows(CaseDelivery), list(chunk))
        return len(made)
