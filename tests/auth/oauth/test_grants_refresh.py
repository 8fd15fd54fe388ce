"""The refresh-token grant: rotation, reuse detection (the whole family is revoked), and the
consent behind the grant checked on every refresh."""

from __future__ import annotations

from datetime import timedelta

from joserfc.jwk import ECKey
from sqlalchemy import update

from auth.consent.changes import narrow_consent
from auth.consent.records import revoke_consent
from auth.core.access_tokens import verify_access_token
from auth.core.dpop import jwk_thumbprint
from auth.oauth.call import secret_hash
from store.citizen_models import Consent
from store.db import aware, transaction
from store.oauth_models import Grant, RefreshToken
from tests.auth.support import AUDIENCE, ISSUER, PARENT, Flow, dpop_proof


async def claims_of(flow: Flow, access_token: str) -> dict:
    return await verify_access_token(
        flow.server.keyring, access_token, issuer=ISSUER, audience=AUDIENCE
    )


async def test_refresh_rotates_the_refresh_token(flow: Flow) -> None:
    first = await flow.tokens()
    response = await flow.refresh(first["refresh_token"])
    assert response.status_code == 200, response.text
    second = response.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert second["token_type"] == "Bearer"
    before, after = (
        await claims_of(flow, first["access_token"]),
        await claims_of(flow, second["access_token"]),
    )
    assert after["grant"] == before["grant"] and after["consent_id"] == before["consent_id"]
    assert after["sub"] == PARENT and after["scope"] == before["scope"]
    async with flow.sessions() as session:
        old = await session.get(RefreshToken, secret_hash(first["refresh_token"]))
    assert old is not None and old.used_at is not None
    assert (await flow.refresh(second["refresh_token"])).status_code == 200


async def test_reusing_a_rotated_refresh_token_revokes_the_family(flow: Flow) -> None:
    first = await flow.tokens()
    second = (await flow.refresh(first["refresh_token"])).json()
    reuse = await flow.refresh(first["refresh_token"])
    assert reuse.status_code == 400
    assert reuse.json()["error"] == "invalid_grant"
    assert "already used" in reuse.json()["error_description"]
    # The thief's (or the client's) newer token dies with the family.
    latest = await flow.refresh(second["refresh_token"])
    assert latest.status_code == 400 and latest.json()["error"] == "invalid_grant"
    async with flow.sessions() as session:
        grant = await session.get(Grant, (await claims_of(flow, first["access_token"]))["grant"])
    assert grant is not None and grant.revoked_reason == "refresh token reuse"


async def test_refresh_after_the_consent_is_revoked(flow: Flow) -> None:
    tokens = await flow.tokens()
    consent_id = (await claims_of(flow, tokens["access_token"]))["consent_id"]
    async with transaction(flow.sessions) as session:
        await session.execute(
            update(Consent).where(Consent.id == consent_id).values(status="REVOKED")
        )
    response = await flow.refresh(tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "The consent behind this grant is revoked.",
    }


async def test_refresh_after_the_citizen_revokes_through_the_consent_module(flow: Flow) -> None:
    tokens = await flow.tokens()
    consent_id = (await claims_of(flow, tokens["access_token"]))["consent_id"]
    async with transaction(flow.sessions) as session:
        await revoke_consent(session, consent_id=consent_id, citizen=PARENT)
    response = await flow.refresh(tokens["refresh_token"])
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


async def test_refresh_after_the_consent_expires(flow: Flow) -> None:
    tokens = await flow.tokens(expires_in=timedelta(hours=2))
    async with flow.sessions() as session:
        row = await session.get(RefreshToken, secret_hash(tokens["refresh_token"]))
        consent = await session.get(
            Consent, (await claims_of(flow, tokens["access_token"]))["consent_id"]
        )
    assert row is not None and consent is not None
    # The refresh token never outlives its consent.
    assert aware(row.expires_at) == aware(consent.expires_at)
    flow.clock.advance(2 * 3600 + 1)
    response = await flow.refresh(tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"
    assert "expire" in response.json()["error_description"]


async def test_refresh_tokens_last_thirty_days(flow: Flow) -> None:
    tokens = await flow.tokens(expires_in=timedelta(days=90))
    flow.clock.advance(30 * 86400 + 1)
    response = await flow.refresh(tokens["refresh_token"])
    assert response.status_code == 400
    assert response.json()["error_description"] == "The refresh token has expired."


async def test_another_client_cannot_use_a_refresh_token(flow: Flow) -> None:
    tokens = await flow.tokens("school")
    response = await flow.refresh(tokens["refresh_token"], "school-2")
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    # Untouched: its owner still refreshes.
    assert (await flow.refresh(tokens["refresh_token"])).status_code == 200


async def test_scope_may_narrow_but_not_widen(flow: Flow) -> None:
    tokens = await flow.tokens(datasets=["civil.identity", "civil.birth"])
    wider = await flow.refresh(tokens["refresh_token"], scope="civil.identity civil.address")
    assert wider.status_code == 400 and wider.json()["error"] == "invalid_scope"
    narrower = await flow.refresh(tokens["refresh_token"], scope="civil.identity")
    assert narrower.status_code == 200, narrower.text
    assert narrower.json()["scope"] == "civil.identity"
    # The family keeps the whole grant: the next refresh may ask for all of it again.
    again = await flow.refresh(narrower.json()["refresh_token"])
    assert again.json()["scope"] == "civil.birth civil.identity"


async def test_unknown_refresh_token(flow: Flow) -> None:
    response = await flow.refresh("not-a-refresh-token")
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"


async def test_a_dpop_bound_grant_refreshes_only_with_its_key(flow: Flow) -> None:
    key, other = (ECKey.generate_key("P-256", private=True) for _ in range(2))
    issued = await flow.code()
    tokens = (await flow.redeem(issued, dpop=dpop_proof(key))).json()
    for proof in (None, dpop_proof(other)):
        response = await flow.refresh(tokens["refresh_token"], dpop=proof)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_dpop_proof"
    response = await flow.refresh(tokens["refresh_token"], dpop=dpop_proof(key))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "DPoP"
    jkt = jwk_thumbprint(key.as_dict(private=False))
    assert (await claims_of(flow, body["access_token"]))["cnf"] == {"jkt": jkt}


async def test_a_narrowed_consent_refreshes_narrower(flow: Flow) -> None:
    first = await flow.tokens()
    claims = await claims_of(flow, first["access_token"])
    granted = claims["scope"].split()
    assert len(granted) > 1
    async with transaction(flow.sessions) as session:
        await narrow_consent(
            session, consent_id=claims["consent_id"], citizen=PARENT, keep=granted[:1]
        )
    refreshed = (await flow.refresh(first["refresh_token"])).json()
    assert (await claims_of(flow, refreshed["access_token"]))["scope"] == granted[0]
