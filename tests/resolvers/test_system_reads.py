"""The gateway's own reads (resolvers/system_reads.py): a guardianship check reads the child's
birth record like any other read, through the access decision, and leaves its record in the
access log before anyone acts on it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy import func, select

from auth.consent.guardianship import BirthRecordUnavailable
from auth.consent.records import create_consent
from auth.core.system_checks import CitizenCheck
from resolvers.system_reads import SYSTEM_CLIENT, CivilBirthRecords
from store.audit_models import AuditRecord
from store.db import transaction
from tests.harness import RunningGateway
from tests.resolvers.tracker_support import family
from tests.web.support import CARD_ID, CLIENT_ID, ensure_client, logged_in


async def guardianship_records(gw: RunningGateway, child: str, check: CitizenCheck) -> list[Any]:
    async with gw.gateway.sessions() as session:
        rows = await session.scalars(
            select(AuditRecord)
            .where(AuditRecord.subject == child, AuditRecord.case_reference == check.value)
            .order_by(AuditRecord.id)
        )
        return list(rows)


def assert_system_read(record: Any, gw: RunningGateway, check: CitizenCheck) -> None:
    assert record.actor_kind == "system" and record.client_id == SYSTEM_CLIENT
    assert record.legal_basis == "system" and record.case_reference == check.value
    assert record.statute == gw.gateway.settings.guardianship_check_statute
    assert record.outcome == "GRANTED" and record.source_agency == "civil-registry"
    assert set(record.datasets) == {"civil.birth", "civil.family"}


async def test_a_parents_consent_for_a_child_leaves_the_birth_read_in_the_log(
    gateway: RunningGateway,
) -> None:
    parent, child = family(gateway.world, adult=False, avoid=list(gateway.citizens.values()), nth=2)
    check = CitizenCheck.CONSENT_GUARDIAN
    before = await guardianship_records(gateway, child, check)
    await ensure_client(gateway)
    async with transaction(gateway.gateway.sessions) as session:
        made = await create_consent(
            session, citizen=parent, subject=child, client_id=CLIENT_ID, service_card_id=CARD_ID,
            datasets=["civil.birth"], births=gateway.gateway.births,
        )  # fmt: skip
    assert made.subject == child
    after = await guardianship_records(gateway, child, check)
    assert len(after) == len(before) + 1
    assert_system_read(after[-1], gateway, check)


async def test_a_parent_reading_the_childs_log_leaves_the_birth_read_in_the_log(
    gateway: RunningGateway,
) -> None:
    parent, child = family(gateway.world, adult=False, avoid=list(gateway.citizens.values()), nth=3)
    check = CitizenCheck.TRACKER_GUARDIAN
    before = await guardianship_records(gateway, child, check)
    async with logged_in(gateway, parent) as client:
        page = await client.get("/me/data-access", params={"subject": child})
    assert page.status_code == 200, page.text
    after = await guardianship_records(gateway, child, check)
    assert len(after) == len(before) + 1
    assert_system_read(after[-1], gateway, check)


class UnwritableLog:
    """The edge under test: an access log that cannot commit."""

    async def record(self, entries: Sequence[object]) -> None:
        raise OSError("disk full")


async def test_a_birth_read_that_cannot_be_logged_is_not_acted_on(
    gateway: RunningGateway,
) -> None:
    _parent, child = family(gateway.world, adult=False, nth=0)
    births = CivilBirthRecords(
        gateway.gateway.registry,
        gateway.gateway.sessions,
        UnwritableLog(),  # type: ignore[arg-type]  # a writer that fails, at the edge under test
        statute="Civil Code, art. 1180",
    )
    with pytest.raises(BirthRecordUnavailable, match="access log"):
        await births.birth(child, CitizenCheck.CONSENT_GUARDIAN)


async def test_a_birth_read_answers_the_parents_of_the_record(gateway: RunningGateway) -> None:
    parent, child = family(gateway.world, adult=False, nth=0)
    found = await gateway.gateway.births.birth(child, CitizenCheck.TRACKER_GUARDIAN)
    assert found is not None and found.born is not None
    assert parent in (found.father, found.mother)
    async with gateway.gateway.sessions() as session:
        count = await session.scalar(
            select(func.count()).select_from(AuditRecord).where(AuditRecord.subject == child)
        )
    assert count and count >= 1
