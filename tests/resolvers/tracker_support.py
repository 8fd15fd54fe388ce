"""Helpers for the data-tracker tests: access-log records written through the audit writer (so
every chain stays valid for `audit.verify`), each test in a time window of its own (other tests
share the gateway's store and log reads of the same citizens), and families from the demo world.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.entry import AuditEntry
from audit.writer import AuditWriter
from auth.consent.national_time import add_years, national_date
from demo.world import World
from standard.national_id import with_check_digit

STATUTE = "Targeted Subsidies Act, article 7"


def window() -> datetime:
    """The start of an hour in the past no other test uses (records are placed inside it)."""
    base = datetime(2001, 1, 1, tzinfo=UTC)
    return base + timedelta(hours=secrets.randbelow(200_000))


def entry(subject: str, at: datetime, **changes: object) -> AuditEntry:
    """A granted statutory read of `subject`'s civil identity by the subsidy service."""
    made = AuditEntry(
        occurred_at=at,
        request_id=uuid.uuid4().hex,
        client_id="subsidy-eligibility",
        client_agency="welfare",
        actor_kind="service",
        actor="subsidy-eligibility",
        subject=subject,
        datasets=("civil.identity",),
        fields=("identity.firstName", "identity.lastName"),
        purpose="subsidy-eligibility",
        legal_basis="statute",
        consent_id=None,
        statute=STATUTE,
        case_reference="CASE-7",
        outcome="GRANTED",
        reason=None,
        source_agency="civil-registry",
        token_id="t-1",
    )
    return replace(made, **changes)  # type: ignore[arg-type]


async def write(sessions: async_sessionmaker[AsyncSession], entries: Sequence[AuditEntry]) -> None:
    """Append `entries` in order (later entries get larger ids) and wait for the commit."""
    writer = AuditWriter(sessions)
    await writer.start()
    try:
        await writer.record(entries)
    finally:
        await writer.close()


def _age(birth: date) -> int:
    today = national_date(datetime.now(UTC))
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def family(
    world: World, *, adult: bool, avoid: Sequence[str] = (), nth: int = 0
) -> tuple[str, str]:
    """The `nth` (parent, child): a living father and a child of theirs under 17 (or, adult=True,
    over 19), neither in `avoid`; well clear of the 18th birthday, so a test never flips."""
    people = {person.national_id: person for person in world.people}
    found: list[tuple[str, str]] = []
    for person in world.people:
        father = people.get(person.father_id or "")
        if father is None or father.death_date or person.death_date:
            continue
        if {person.national_id, father.national_id} & set(avoid):
            continue
        years = _age(person.birth_date)
        if (adult and years >= 19) or (not adult and years < 17):
            assert adult == (add_years(person.birth_date, 18) <= national_date(datetime.now(UTC)))
            found.append((father.national_id, person.national_id))
    # Distinct families: a later one shares no parent with an earlier one.
    distinct = [pair for i, pair in enumerate(found) if pair[0] not in {p for p, _ in found[:i]}]
    if nth >= len(distinct):
        raise LookupError("no such family in the demo world")
    return distinct[nth]


def outsider(world: World) -> str:
    """A valid national code of nobody in the demo world: no other test reads their data, so their
    log holds only what a test writes."""
    people = {person.national_id for person in world.people}
    while True:
        code = with_check_digit(f"{secrets.randbelow(10**9):09d}")
        if code not in people:
            return code
