"""Whether a grant and the consent it was issued under still stand (auth/core/liveness.py): expiry
derived when read, a revoked consent or grant is REVOKED, and the one-trip check of a token's."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

from auth.consent.records import create_consent
from auth.core.liveness import GrantEnd, consent_in_force, standing, stop_grants
from store.citizen_models import Consent
from store.db import transaction
from store.oauth_models import Grant
from tests.harness import RunningGateway
from tests.web.support import CARD_ID, CLIENT_ID, DATASETS, ensure_client


def test_status_of_derives_expiry() -> None:
    now = datetime.now(UTC)
    row = Consent(status="ACTIVE", expires_at=now + timedelta(days=1))
    assert standing(row, now) == "ACTIVE"
    assert standing(row, now + timedelta(days=1)) == "EXPIRED"
    # Naive datetimes (SQLite) are UTC.
    naive = Consent(status="ACTIVE", expires_at=(now - timedelta(hours=1)).replace(tzinfo=None))
    assert standing(naive, now) == "EXPIRED"
    assert standing(Consent(status="REVOKED", expires_at=now + timedelta(1)), now) == "REVOKED"


def test_a_revoked_grant_revokes_whatever_the_consent_says() -> None:
    now = datetime.now(UTC)
    live = Consent(status="ACTIVE", expires_at=now + timedelta(days=1))
    assert standing(live, now, Grant(revoked_at=None)) == "ACTIVE"
    assert standing(live, now, Grant(revoked_at=now)) == "REVOKED"
    assert standing(None, now) == "REVOKED"  # a consent that is gone stands for nothing


async def test_consent_in_force_reads_the_consent_with_its_grant(gateway: RunningGateway) -> None:
    citizen = gateway.citizens["parent"]
    await ensure_client(gateway)
    now = datetime.now(UTC)
    async with transaction(gateway.gateway.sessions) as session:
        made = await create_consent(
            session, citizen=citizen, subject=citizen, client_id=CLIENT_ID,
            service_card_id=CARD_ID, datasets=DATASETS, births=gateway.gateway.births, now=now,
        )  # fmt: skip
        grant_id, other = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        for grant in (grant_id, other):
            session.add(Grant(id=grant, client_id=CLIENT_ID, consent_id=made.id, citizen=citizen,
                              scope=" ".join(DATASETS)))  # fmt: skip
    sessions = gateway.gateway.sessions
    in_force = await consent_in_force(sessions, consent_id=made.id, grant_id=grant_id)
    assert in_force == "ACTIVE"
    assert await consent_in_force(sessions, consent_id=made.id, grant_id=None) == "ACTIVE"
    # A grant not issued under this consent is no grant of it.
    assert await consent_in_force(sessions, consent_id="nope", grant_id=grant_id) == "REVOKED"
    async with transaction(sessions) as session:
        await session.execute(stop_grants(GrantEnd.BY_CLIENT, now, grant_id=grant_id))
    assert await consent_in_force(sessions, consent_id=made.id, grant_id=grant_id) == "REVOKED"
    # Only that grant stopped; the consent and its other grant stand.
    assert await consent_in_force(sessions, consent_id=made.id, grant_id=other) == "ACTIVE"
    async with sessions() as session:
        stopped = await session.get(Grant, grant_id)
    assert stopped is not None and stopped.revoked_reason == "revoked by the client"
