"""Tokens issued under consent: they read the consented subject's granted datasets, and stop on
the very next request once the consent or its grant is revoked or the consent expires."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from audit.usage import consent_usage
from auth.core.access_tokens import issue_access_token
from store.citizen_models import Consent
from store.db import transaction
from store.oauth_models import Grant
from tests.harness import RunningGateway

QUERY = """query($id: String!) { citizen(nationalId: $id) {
  identity { firstName } birth { date } address { city } taxStatus { cleared } } }"""


async def consent_token(
    gateway: RunningGateway, *, citizen: str, subject: str, datasets: list[str]
) -> tuple[str, str, str]:
    """A consent and grant in the store, and an access token issued under them."""
    consent_id, grant_id = secrets.token_hex(8), secrets.token_hex(8)
    now = datetime.now(UTC)
    async with transaction(gateway.gateway.sessions) as session:
        session.add(
            Consent(
                id=consent_id,
                citizen=citizen,
                subject=subject,
                client_id="school-enrolment",
                service_card_id="school-enrolment",
                datasets=datasets,
                expires_at=now + timedelta(days=90),
            )
        )
        await session.flush()
        session.add(
            Grant(
                id=grant_id,
                client_id="school-enrolment",
                consent_id=consent_id,
                citizen=citizen,
                scope=" ".join(datasets),
            )
        )
    settings = gateway.gateway.settings
    token, _, _ = issue_access_token(
        await gateway.gateway.keyring.current(),
        issuer=settings.issuer,
        audience=settings.audience,
        client_id="school-enrolment",
        subject=citizen,
        scopes=datasets,
        ttl=300,
        claims={
            "basis": "consent",
            "agency": "education",
            "service_card": "school-enrolment",
            "citizen": citizen,
            "subject": subject,
            "consent_id": consent_id,
            "grant": grant_id,
        },
    )
    return token, consent_id, grant_id


def codes(answer: dict) -> dict[str, str]:
    return {e["path"][-1]: e["extensions"]["code"] for e in answer.get("errors", [])}


async def test_a_consent_reads_its_subject_and_only_the_granted_datasets(
    gateway: RunningGateway,
) -> None:
    parent, child = gateway.citizens["parent"], gateway.citizens["minor_child"]
    token, consent_id, _ = await consent_token(
        gateway, citizen=parent, subject=child, datasets=["civil.identity", "civil.birth"]
    )
    answer = await gateway.query(QUERY, {"id": child}, token=token, case_reference=None)
    citizen = answer["data"]["citizen"]
    assert citizen["identity"]["firstName"] and citizen["birth"]["date"]
    assert codes(answer) == {"address": "FORBIDDEN", "taxStatus": "FORBIDDEN"}
    # Another citizen, even the parent who consented, is outside this consent.
    other = await gateway.query(QUERY, {"id": parent}, token=token, case_reference=None)
    assert set(codes(other).values()) == {"CONSENT_REQUIRED", "FORBIDDEN"}
    # Uses are counted from the access log: only the first request read anything under it.
    async with gateway.gateway.sessions() as session:
        uses, last_used = (await consent_usage(session, [consent_id]))[consent_id]
    assert uses == 1 and last_used is not None


async def test_revocation_stops_the_token_on_the_next_request(gateway: RunningGateway) -> None:
    me = gateway.citizens["parent"]
    token, consent_id, _ = await consent_token(
        gateway, citizen=me, subject=me, datasets=["civil.identity"]
    )
    first = await gateway.query(QUERY, {"id": me}, token=token, case_reference=None)
    assert first["data"]["citizen"]["identity"]["firstName"]
    async with transaction(gateway.gateway.sessions) as session:
        await session.execute(
            update(Consent).where(Consent.id == consent_id).values(status="REVOKED")
        )
    second = await gateway.query(QUERY, {"id": me}, token=token, case_reference=None)
    assert second["data"]["citizen"]["identity"] is None
    assert codes(second)["identity"] == "CONSENT_REVOKED"


async def test_an_expired_consent_or_a_revoked_grant_reads_nothing(gateway: RunningGateway) -> None:
    me = gateway.citizens["parent"]
    token, consent_id, _ = await consent_token(
        gateway, citizen=me, subject=me, datasets=["civil.identity"]
    )
    async with transaction(gateway.gateway.sessions) as session:
        past = datetime.now(UTC) - timedelta(seconds=1)
        await session.execute(
            update(Consent).where(Consent.id == consent_id).values(expires_at=past)
        )
    answer = await gateway.query(QUERY, {"id": me}, token=token, case_reference=None)
    assert codes(answer)["identity"] == "CONSENT_REVOKED"
    assert "expired" in answer["errors"][0]["message"]

    token, _, grant_id = await consent_token(
        gateway, citizen=me, subject=me, datasets=["civil.identity"]
    )
    async with transaction(gateway.gateway.sessions) as session:
        grant = (await session.scalars(select(Grant).where(Grant.id == grant_id))).one()
        grant.revoked_at = datetime.now(UTC)
    answer = await gateway.query(QUERY, {"id": me}, token=token, case_reference=None)
    assert codes(answer)["identity"] == "CONSENT_REVOKED"
