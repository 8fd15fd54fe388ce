"""A service case as the engine writes it: its row, its people and its explanation (the JSON
shapes of docs/proactive.md, read by the agencies' feed, webhooks and the citizen's page)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from services.proactive.ports import CaseFacts, ReadRequest, RecordRead, json_value
from standard import solar_hijri
from standard.life_events import life_event, reference_date
from standard.statuses import CaseRole, CaseStatus, ProactiveMode

# What a case is at birth: an offer waits for the citizen; anything else is done at once (a
# MAY_DECLINE case may still be declined).
OPENING_STATUS = {
    ProactiveMode.CONFIRM: CaseStatus.OFFERED,
    ProactiveMode.MAY_DECLINE: CaseStatus.EXECUTED,
    ProactiveMode.NOTIFY: CaseStatus.EXECUTED,
}


def idempotency_key(event_id: str, card_id: str) -> str:
    """One case per event and card, whoever makes it and however often."""
    return f"{event_id}:{card_id}"


def case_row(request: ReadRequest, facts: CaseFacts, now: datetime) -> dict[str, Any]:
    """The ServiceCaseRecord columns of the case `request` makes from `facts`."""
    card, event = request.card, request.event
    return {
        "id": str(uuid.uuid4()),
        "idempotency_key": idempotency_key(event.id, card.id),
        "event_id": event.id,
        "card_id": card.id,
        "card_version": card.version,
        "agency_code": card.agency,
        "subject_national_id": event.national_id,
        "mode": card.mode.value,
        "status": OPENING_STATUS[card.mode].value,
        "data": {"records": [record.as_json() for record in facts.records]},
        "explanation": explanation(request, facts),
        "created_at": now,
        "updated_at": now,
    }


def people(case_id: str, subject: str, facts: CaseFacts) -> list[dict[str, str]]:
    """Who may see and answer the case: the subject, and a minor subject's parents."""
    rows = [{"case_id": case_id, "national_id": subject, "role": CaseRole.SUBJECT.value}]
    for parent in dict.fromkeys(facts.parents):
        if parent != subject:
            rows.append({"case_id": case_id, "national_id": parent, "role": CaseRole.PARENT.value})
    return rows


def explanation(request: ReadRequest, facts: CaseFacts) -> dict[str, Any]:
    """Which event, under which card and statute, on which facts from which agency."""
    card, event = request.card, request.event
    return {
        "event": {
            "id": event.id,
            "sourceEventId": event.source_event_id,
            "kind": event.kind,
            "occurredAt": event.occurred_at.isoformat(),
            "agency": event.agency_code,
            "channel": event.channel,
        },
        "card": {
            "id": card.id,
            "nameFa": card.name_fa,
            "nameEn": card.name_en,
            "statute": card.statute,
            "mode": card.mode.value,
        },
        "facts": _facts(facts.evidence),
        "referenceDate": _period(event.kind, card.reference_date, facts.born),
    }


def _facts(evidence: RecordRead | None) -> list[dict[str, Any]]:
    if evidence is None or not evidence.available:
        return []
    return [
        {
            "recordType": evidence.record_type,
            "field": name,
            "value": json_value(value),
            "agency": evidence.agency,
        }
        for name, value in evidence.values.items()
        if value is not None
    ]


def _period(kind: str, reference: str | None, born: date | None) -> str | None:
    """For an age event on a card with a reference date: the first reference date on or after
    the birthday the age is reached on, in Solar Hijri ("1405-07-01": the school year the child
    starts). None otherwise."""
    event = life_event(kind)
    age = event.age if event is not None else None
    month_day = reference_date(reference) if reference else None
    if age is None or month_day is None or born is None:
        return None
    return period_start(born, age, month_day)


def period_start(born: date, age: int, reference: tuple[int, int]) -> str:
    """The first Solar Hijri `reference` (month, day) on or after the `age`-th birthday of a
    citizen born on `born` (Gregorian)."""
    year, month, day = solar_hijri.from_gregorian(born)
    birthday_year = year + age
    start_year = birthday_year if (month, day) <= reference else birthday_year + 1
    ref_month, ref_day = reference
    try:
        solar_hijri.to_gregorian(start_year, ref_month, ref_day)
    except ValueError:  # Esfand 30 in a common year
        ref_day -= 1
    return f"{start_year:04d}-{ref_month:02d}-{ref_day:02d}"
