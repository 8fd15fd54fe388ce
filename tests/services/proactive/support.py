"""Service cases written straight into a store, in the shapes the engine writes them
(docs/proactive.md), so delivery and the citizen's side are tested without the engine."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from standard.statuses import CaseRole, CaseStatus, EventChannel, ProactiveMode
from store.db import transaction
from store.models import Agency, ServiceCard
from store.proactive_models import (
    CaseDelivery,
    LifeEventRecord,
    ServiceCasePerson,
    ServiceCaseRecord,
)

CIVIL = "civil-registry"
INSURANCE_CARD = "newborn-health-insurance"
INSURANCE_FA = "بیمه سلامت نوزاد"
INSURANCE_EN = "Newborn health insurance"
INITIAL = {
    ProactiveMode.NOTIFY: CaseStatus.EXECUTED,
    ProactiveMode.MAY_DECLINE: CaseStatus.EXECUTED,
    ProactiveMode.CONFIRM: CaseStatus.OFFERED,
}


async def ensure_agency(session: AsyncSession, code: str) -> None:
    if await session.get(Agency, code) is None:
        session.add(Agency(code=code, name_fa=f"دستگاه {code}", name_en=f"Agency {code}"))
        await session.flush()


async def ensure_card(
    session: AsyncSession,
    card_id: str,
    agency: str,
    *,
    mode: ProactiveMode = ProactiveMode.NOTIFY,
    event: str = "birth.registered",
    name: tuple[str, str] = (INSURANCE_FA, INSURANCE_EN),
) -> None:
    await ensure_agency(session, agency)
    if await session.get(ServiceCard, card_id) is None:
        session.add(ServiceCard(
            id=card_id, agency_code=agency, name_fa=name[0], name_en=name[1],
            datasets=["civil.identity", "civil.birth"], legal_basis="statute",
            statute="Social Security Act, art. 3", proactive=True, life_event=event,
            proactive_mode=mode.value,
        ))  # fmt: skip
        await session.flush()


def explanation(
    card_id: str,
    mode: ProactiveMode,
    *,
    event_id: str = "e",
    birth: str = "2026-04-01",
    name: tuple[str, str] = (INSURANCE_FA, INSURANCE_EN),
) -> dict[str, Any]:
    return {
        "event": {"id": event_id, "kind": "birth.registered",
                  "occurredAt": f"{birth}T06:30:00+00:00", "agency": CIVIL, "channel": "GRAPHQL"},
        "card": {"id": card_id, "nameFa": name[0], "nameEn": name[1],
                 "statute": "Social Security Act, art. 3", "mode": mode.value},
        "facts": [{"recordType": "birth", "field": "date", "value": birth, "agency": CIVIL}],
        "referenceDate": None,
    }  # fmt: skip


async def add_case(
    sessions: async_sessionmaker[AsyncSession],
    *,
    subject: str,
    parents: Sequence[str] = (),
    agency: str = CIVIL,
    card_id: str = INSURANCE_CARD,
    mode: ProactiveMode = ProactiveMode.NOTIFY,
    status: CaseStatus | None = None,
    deliver: bool = False,
    name: tuple[str, str] = (INSURANCE_FA, INSURANCE_EN),
) -> str:
    """A case as the engine makes one (its event, people and, with `deliver`, its delivery
    row); its id."""
    case_id = str(uuid.uuid4())
    event_id = str(uuid.uuid4())
    async with transaction(sessions) as session:
        await ensure_agency(session, CIVIL)
        await ensure_card(session, card_id, agency, mode=mode, name=name)
        session.add(LifeEventRecord(
            id=event_id, agency_code=CIVIL, source_event_id=f"b-{event_id}",
            kind="birth.registered", national_id=subject, occurred_at=datetime.now(UTC),
            channel=EventChannel.GRAPHQL.value, reported_by="civil-client", status="DONE",
        ))  # fmt: skip
        await session.flush()
        session.add(ServiceCaseRecord(
            id=case_id, idempotency_key=f"{event_id}:{card_id}", event_id=event_id,
            card_id=card_id, card_version=1, agency_code=agency, subject_national_id=subject,
            mode=mode.value, status=(status or INITIAL[mode]).value,
            data={"records": [{"recordType": "birth", "subject": subject,
                               "values": {"date": "2026-04-01"},
                               "provenance": {"agency": CIVIL, "datasource": "civil-birth",
                                              "retrievedAt": "2026-04-01T07:00:00+00:00",
                                              "lastUpdated": None, "status": "AVAILABLE"}}]},
            explanation=explanation(card_id, mode, event_id=event_id, name=name),
        ))  # fmt: skip
        await session.flush()
        session.add(ServiceCasePerson(case_id=case_id, national_id=subject,
                                      role=CaseRole.SUBJECT.value))  # fmt: skip
        for parent in parents:
            session.add(ServiceCasePerson(case_id=case_id, national_id=parent,
                                          role=CaseRole.PARENT.value))  # fmt: skip
        if deliver:
            session.add(CaseDelivery(case_id=case_id, agency_code=agency))
    return case_id


async def add_dead_letter(
    sessions: async_sessionmaker[AsyncSession],
    *,
    subject: str,
    agency: str = CIVIL,
    kind: str = "birth.registered",
    error: str = "the civil registry did not answer",
) -> str:
    """A life event given up after its retries (a dead letter), reported by `agency`; its id."""
    event_id = str(uuid.uuid4())
    async with transaction(sessions) as session:
        await ensure_agency(session, agency)
        session.add(LifeEventRecord(
            id=event_id, agency_code=agency, source_event_id=f"dead-{event_id}", kind=kind,
            national_id=subject, occurred_at=datetime.now(UTC),
            channel=EventChannel.GRAPHQL.value, reported_by=f"{agency}-client", status="DEAD",
            attempts=3, last_error=error,
        ))  # fmt: skip
    return event_id


async def fail_delivery(sessions: async_sessionmaker[AsyncSession], case_id: str) -> None:
    """The case's webhook delivery given up after its retries."""
    async with transaction(sessions) as session:
        delivery = await session.get(CaseDelivery, case_id)
        assert delivery is not None, "a case made with deliver=True"
        delivery.status = "DEAD"
        delivery.attempts = 8
        delivery.last_error = "the webhook answered 500"
