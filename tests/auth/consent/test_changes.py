"""Narrowing a consent in the store (auth.consent.changes), the one function the portal's page
and GraphQL's `narrowConsent` call: its order of datasets kept, no history row for no change,
and its bounds, checked before the store is read."""

from __future__ import annotations

import pytest

from auth.consent.changes import consent_changes, narrow_consent
from auth.consent.errors import ConsentError, ConsentNotFound
from standard.datasets import DATA_SCOPES
from standard.errors import ErrorCode
from store.db import transaction
from tests.harness import RunningGateway
from tests.resolvers.test_consent_tokens import consent_token

GRANTED = ["civil.identity", "civil.birth", "civil.address"]


async def test_narrowing_keeps_the_consents_order_and_records_only_a_change(
    gateway: RunningGateway,
) -> None:
    citizen = gateway.citizens["parent"]
    _, consent_id, _ = await consent_token(
        gateway, citizen=citizen, subject=citizen, datasets=GRANTED
    )
    async with transaction(gateway.gateway.sessions) as session:
        same = await narrow_consent(
            session, consent_id=consent_id, citizen=citizen, keep=list(reversed(GRANTED))
        )
        assert same.datasets == GRANTED
        assert await consent_changes(session, [consent_id]) == {}  # nothing taken back
        kept = await narrow_consent(
            session,
            consent_id=consent_id,
            citizen=citizen,
            keep=["civil.address", "civil.identity"],
        )
    assert kept.datasets == ["civil.identity", "civil.address"]


async def test_the_bounds_hold_before_the_store_is_read(gateway: RunningGateway) -> None:
    citizen = gateway.citizens["parent"]
    async with gateway.gateway.sessions() as session:
        with pytest.raises(ConsentError) as refused:
            keep = ["civil.identity"] * (len(DATA_SCOPES) + 1)
            await narrow_consent(session, consent_id="any", citizen=citizen, keep=keep)
        assert refused.value.kind == "bad_datasets"
        assert refused.value.code is ErrorCode.BAD_USER_INPUT
        assert refused.value.details == {"reason": "bad_datasets"}
        with pytest.raises(ConsentNotFound) as missing:
            await narrow_consent(session, consent_id="c" * 10_000, citizen=citizen, keep=[])
        assert len(missing.value.consent_id) == 64
