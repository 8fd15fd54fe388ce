"""Consent records against the demo world: guardianship from the civil registry's birth records,
expiry capped at the child's majority, listing and revocation by the consenting citizen only."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from auth.consent.errors import ConsentError, ConsentNotFound, GuardianshipError
from auth.consent.guardianship import BirthFacts, BirthRecordUnavailable
from auth.consent.national_time import majority_begins
from auth.consent.records import CONSENT_DURATION, consents_of, create_consent, revoke_consent
from auth.core.liveness import standing
from auth.core.system_checks import CitizenCheck
from demo.world import Person, age
from store.citizen_models import Consent
from store.db import transaction
from store.oauth_models import Grant
from tests.harness import RunningGateway
from tests.web.support import CARD_ID, CLIENT_ID, DATASETS, ensure_client


def person(gw: RunningGateway, national_id: str) -> Person:
    return next(p for p in gw.world.people if p.national_id == national_id)


def adult_with_parent(gw: RunningGateway) -> Person:
    known = {p.national_id for p in gw.world.people}
    return next(
        p for p in gw.world.people if p.father_id in known and age(p.birth_date) >= 18
    )  # the demo world always has some (the `parent` story's own parents)


def stranger(gw: RunningGateway, child: Person) -> str:
    return next(
        p.national_id
        for p in gw.world.people
        if p.national_id not in (child.father_id, child.mother_id, child.national_id)
    )


async def consent(gw: RunningGateway, **kw: Any) -> Consent:
    await ensure_client(gw)
    args: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "service_card_id": CARD_ID,
        "datasets": DATASETS,
        "births": gw.gateway.births,
    }
    args.update(kw)
    async with transaction(gw.gateway.sessions) as session:
        return await create_consent(session, **args)


async def count_consents(gw: RunningGateway, citizen: str) -> int:
    async with gw.gateway.sessions() as session:
        query = select(func.count()).select_from(Consent).where(Consent.citizen == citizen)
        return int(await session.scalar(query) or 0)


async def test_for_oneself_lasts_the_default_duration(gateway: RunningGateway) -> None:
    citizen = gateway.citizens["no_tax_record"]
    now = datetime.now(UTC)
    made = await consent(gateway, citizen=citizen, subject=citizen, now=now)
    assert made.status == "ACTIVE" and made.subject == citizen
    assert made.expires_at == now + CONSENT_DURATION
    assert made.datasets == DATASETS


async def test_parent_consents_for_minor_child(gateway: RunningGateway) -> None:
    parent, child = gateway.citizens["parent"], gateway.citizens["minor_child"]
    now = datetime.now(UTC)
    made = await consent(gateway, citizen=parent, subject=child, datasets=["civil.birth"], now=now)
    assert (made.citizen, made.subject, made.datasets) == (parent, child, ["civil.birth"])
    majority = majority_begins(person(gateway, child).birth_date)
    assert made.expires_at == min(now + CONSENT_DURATION, majority)


async def test_expiry_capped_at_the_childs_18th_birthday(gateway: RunningGateway) -> None:
    parent, child = gateway.citizens["parent"], gateway.citizens["minor_child"]
    majority = majority_begins(person(gateway, child).birth_date)
    a_month_before = majority.astimezone(UTC) - timedelta(days=30)
    made = await consent(gateway, citizen=parent, subject=child, now=a_month_before)
    assert made.expires_at == majority
    assert made.expires_at < a_month_before + CONSENT_DURATION
    # Read back from the store: the cap survives the round trip.
    async with gateway.gateway.sessions() as session:
        stored = await session.get(Consent, made.id)
    assert stored is not None
    assert standing(stored, majority - timedelta(seconds=1)) == "ACTIVE"
    assert standing(stored, majority) == "EXPIRED"


async def test_non_parent_refused_and_nothing_recorded(gateway: RunningGateway) -> None:
    child = person(gateway, gateway.citizens["minor_child"])
    other = stranger(gateway, child)
    with pytest.raises(GuardianshipError) as refused:
        await consent(gateway, citizen=other, subject=child.national_id)
    assert refused.value.kind == "not_parent"
    assert await count_consents(gateway, other) == 0


async def test_guardian_beyond_the_childs_majority_refused(gateway: RunningGateway) -> None:
    grown = adult_with_parent(gateway)
    assert grown.father_id is not None
    with pytest.raises(GuardianshipError) as refused:
        await consent(gateway, citizen=grown.father_id, subject=grown.national_id)
    assert refused.value.kind == "adult"
    assert await count_consents(gateway, grown.father_id) == 0


class SilentRegistry:
    """The edge under test: the civil registry's birth records cannot be read."""

    async def birth(self, child: str, check: CitizenCheck) -> BirthFacts | None:
        raise BirthRecordUnavailable("civil-birth did not answer within 2s")


class UndatedBirth:
    """A birth record naming the parent but with no date of birth."""

    def __init__(self, parent: str) -> None:
        self.parent = parent

    async def birth(self, child: str, check: CitizenCheck) -> BirthFacts | None:
        return BirthFacts(born=None, father=self.parent, mother=None)


@pytest.mark.parametrize("records", ["silent", "undated"])
async def test_civil_registry_failure_is_a_clear_refusal(
    gateway: RunningGateway, records: str
) -> None:
    parent, child = gateway.citizens["parent"], gateway.citizens["minor_child"]
    births = SilentRegistry() if records == "silent" else UndatedBirth(parent)
    before = await count_consents(gateway, parent)
    with pytest.raises(GuardianshipError) as refused:
        await consent(gateway, citizen=parent, subject=child, births=births)
    assert refused.value.kind == "unavailable"
    assert await count_consents(gateway, parent) == before


@pytest.mark.parametrize(
    ("datasets", "code"),
    [([], "no_datasets"), (["tax.status"], "bad_datasets"), (["civil.family"], "bad_datasets")],
)
async def test_datasets_must_be_some_of_the_cards(
    gateway: RunningGateway, datasets: list[str], code: str
) -> None:
    citizen = gateway.citizens["no_tax_record"]
    with pytest.raises(ConsentError) as refused:
        await consent(gateway, citizen=citizen, subject=citizen, datasets=datasets)
    assert refused.value.kind == code


async def test_malformed_national_codes_refused(gateway: RunningGateway) -> None:
    with pytest.raises(ConsentError) as refused:
        await consent(gateway, citizen="1234567890", subject="1234567890")
    assert refused.value.kind == "invalid_national_id"


async def test_listing_shows_only_ones_own_consents(gateway: RunningGateway) -> None:
    parent, child = gateway.citizens["parent"], gateway.citizens["minor_child"]
    mine = await consent(gateway, citizen=parent, subject=parent)
    theirs = await consent(gateway, citizen=child, subject=child)
    async with gateway.gateway.sessions() as session:
        listed = {c.id for c in await consents_of(session, parent)}
    assert mine.id in listed and theirs.id not in listed


async def test_revocation_only_by_the_consenting_citizen(gateway: RunningGateway) -> None:
    citizen = gateway.citizens["parent"]
    made = await consent(gateway, citizen=citizen, subject=citizen)
    grant_id = secrets.token_urlsafe(16)
    async with transaction(gateway.gateway.sessions) as session:
        session.add(
            Grant(id=grant_id, client_id=CLIENT_ID, consent_id=made.id, citizen=citizen,
                  scope=" ".join(DATASETS))
        )  # fmt: skip
    with pytest.raises(ConsentNotFound):
        async with transaction(gateway.gateway.sessions) as session:
            await revoke_consent(
                session, consent_id=made.id, citizen=gateway.citizens["minor_child"]
            )
    async with gateway.gateway.sessions() as session:
        untouched = await session.get(Consent, made.id)
        assert untouched is not None and untouched.status == "ACTIVE"

    now = datetime.now(UTC)
    async with transaction(gateway.gateway.sessions) as session:
        revoked = await revoke_consent(session, consent_id=made.id, citizen=citizen, now=now)
    assert revoked.status == "REVOKED" and revoked.revoked_at == now
    async with gateway.gateway.sessions() as session:
        stored = await session.get(Consent, made.id)
        grant = await session.get(Grant, grant_id)
    assert stored is not None and standing(stored, now) == "REVOKED"
    assert grant is not None and grant.revoked_at is not None
    assert grant.revoked_reason == "consent revoked"
