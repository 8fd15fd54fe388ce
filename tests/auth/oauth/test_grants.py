"""The authorization-code grant at the token endpoint: codes are single-use, short-lived, bound to
their client, redirect URI and PKCE verifier, and the tokens carry the consent."""

from __future__ import annotations

from joserfc.jwk import ECKey
from sqlalchemy import select, update

from auth.core.access_tokens import verify_access_token
from auth.core.dpop import jwk_thumbprint
from auth.oauth.call import secret_hash
from store.citizen_models import Consent
from store.oauth_models import AuthorizationCode, Grant, RefreshToken
from tests.auth.support import (
    AUDIENCE,
    CARD,
    CHILD,
    DATASETS,
    ISSUER,
    LOOPBACK,
    PAR_URL,
    PARENT,
    TTL,
    Flow,
    dpop_proof,
    query_of,
)
from tests.shared import pkce_pair


async def grant_of(flow: Flow, grant_id: str) -> Grant:
    async with flow.sessions() as session:
        grant = await session.get(Grant, grant_id)
    assert grant is not None
    return grant


async def test_code_flow_issues_tokens_carrying_the_consent(flow: Flow) -> None:
    issued = await flow.code(datasets=["civil.identity", "civil.birth"])
    response = await flow.redeem(issued)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer"
    assert body["expires_in"] == TTL
    assert body["scope"] == "civil.birth civil.identity"
    assert body["refresh_token"]

    claims = await verify_access_token(
        flow.server.keyring, body["access_token"], issuer=ISSUER, audience=AUDIENCE
    )
    assert claims["basis"] == "consent"
    assert claims["client_id"] == "school"
    assert claims["agency"] == "edu"
    assert claims["service_card"] == CARD
    assert claims["sub"] == claims["citizen"] == claims["subject"] == PARENT
    assert claims["scope"] == "civil.birth civil.identity"
    assert "cnf" not in claims
    grant = await grant_of(flow, claims["grant"])
    assert grant.consent_id == claims["consent_id"]
    assert grant.citizen == PARENT and grant.client_id == "school"
    assert grant.scope == "civil.birth civil.identity"
    assert grant.revoked_at is None and grant.dpop_jkt is None
    async with flow.sessions() as session:
        code = await session.get(AuthorizationCode, secret_hash(issued.code))
        refresh = await session.get(RefreshToken, secret_hash(body["refresh_token"]))
    assert code is not None and code.used_at is not None and code.grant_id == grant.id
    assert refresh is not None and refresh.grant_id == grant.id


async def test_a_parent_consenting_for_a_child(flow: Flow) -> None:
    body = await flow.tokens(citizen=PARENT, subject=CHILD)
    claims = await verify_access_token(
        flow.server.keyring, body["access_token"], issuer=ISSUER, audience=AUDIENCE
    )
    assert claims["sub"] == claims["citizen"] == PARENT
    assert claims["subject"] == CHILD


async def test_second_use_of_a_code_fails_and_revokes_the_first_tokens(flow: Flow) -> None:
    issued = await flow.code()
    first = await flow.redeem(issued)
    assert first.status_code == 200
    second = await flow.redeem(issued)
    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"
    assert "already used" in second.json()["error_description"]

    tokens = first.json()
    claims = await verify_access_token(
        flow.server.keyring, tokens["access_token"], issuer=ISSUER, audience=AUDIENCE
    )
    grant = await grant_of(flow, claims["grant"])
    assert grant.revoked_at is not None
    assert grant.revoked_reason == "authorization code reuse"
    refreshed = await flow.refresh(tokens["refresh_token"])
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    introspected = await flow.post("/oauth/introspect", "school", {"token": tokens["access_token"]})
    assert introspected.json() == {"active": False}


async def test_a_code_lives_sixty_seconds(flow: Flow) -> None:
    fresh, stale = await flow.code(), await flow.code()
    flow.clock.advance(59)
    assert (await flow.redeem(fresh)).status_code == 200
    flow.clock.advance(2)
    response = await flow.redeem(stale)
    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid_grant",
        "error_description": "The authorization code has expired.",
    }


async def test_another_clients_code_is_refused(flow: Flow) -> None:
    issued = await flow.code("school")
    response = await flow.redeem(issued, client_id="school-2")
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    # Not burnt: the rightful client still redeems it.
    assert (await flow.redeem(issued)).status_code == 200


async def test_pkce_verifier_must_match(flow: Flow) -> None:
    issued = await flow.code()
    wrong, _ = pkce_pair()
    response = await flow.redeem(issued, code_verifier=wrong)
    assert response.status_code == 400 and response.json()["error"] == "invalid_grant"
    missing = await flow.redeem(issued, code_verifier=None)
    assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    # A plain verifier (the challenge itself) fails like any wrong one.
    async with flow.sessions() as session:
        code = await session.get(AuthorizationCode, secret_hash(issued.code))
    assert code is not None
    plain = await flow.redeem(issued, code_verifier=code.code_challenge)
    assert plain.status_code == 400 and plain.json()["error"] == "invalid_grant"
    assert (await flow.redeem(issued)).status_code == 200


async def test_redirect_uri_must_match_the_authorization_request(flow: Flow) -> None:
    issued = await flow.code()
    for redirect_uri in (LOOPBACK, None, issued.redirect_uri + "/"):
        response = await flow.redeem(issued, redirect_uri=redirect_uri)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant", redirect_uri
    assert (await flow.redeem(issued)).status_code == 200


async def test_repeated_parameters_at_the_token_endpoint(flow: Flow) -> None:
    issued = await flow.code()
    pairs = [
        ("grant_type", "authorization_code"),
        ("code", issued.code),
        ("code", issued.code),
        ("redirect_uri", issued.redirect_uri),
        ("code_verifier", issued.verifier),
    ]
    response = await flow.token("school", pairs)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "code" in response.json()["error_description"]


async def test_no_password_or_implicit_grant(flow: Flow) -> None:
    for grant_type in ("password", "implicit", "urn:ietf:params:oauth:grant-type:jwt-bearer"):
        data = {"grant_type": grant_type, "username": PARENT, "password": "x"}
        response = await flow.token("school", data)
        assert response.status_code == 400
        assert response.json()["error"] == "unsupported_grant_type"


async def test_wrong_client_secret(flow: Flow) -> None:
    issued = await flow.code()
    response = await flow.http.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "code": issued.code},
        auth=("school", "wrong"),
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


async def test_a_consent_revoked_before_redemption(flow: Flow) -> None:
    issued = await flow.code()
    async with flow.sessions.begin() as session:
        code = await session.get(AuthorizationCode, secret_hash(issued.code))
        assert code is not None
        await session.execute(
            update(Consent).where(Consent.id == code.consent_id).values(status="REVOKED")
        )
    response = await flow.redeem(issued)
    assert response.status_code == 400
    assert response.json()["error_description"] == "The consent behind this grant is revoked."


# -- DPoP at the token endpoint ---------------------------------------------------------------


async def test_a_dpop_proof_binds_the_tokens(flow: Flow) -> None:
    key = ECKey.generate_key("P-256", private=True)
    issued = await flow.code()
    response = await flow.redeem(issued, dpop=dpop_proof(key))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "DPoP"
    claims = await verify_access_token(
        flow.server.keyring, body["access_token"], issuer=ISSUER, audience=AUDIENCE
    )
    jkt = jwk_thumbprint(key.as_dict(private=False))
    assert claims["cnf"] == {"jkt": jkt}
    assert (await grant_of(flow, claims["grant"])).dpop_jkt == jkt


async def test_an_invalid_proof_is_refused(flow: Flow) -> None:
    key = ECKey.generate_key("P-256", private=True)
    issued = await flow.code()
    for proof in (
        dpop_proof(key, url=PAR_URL),  # htu of another endpoint
        dpop_proof(key, method="GET"),
        dpop_proof(key, iat=0),  # stale
        "not-a-proof",
    ):
        response = await flow.redeem(issued, dpop=proof)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_dpop_proof"
    replayed = dpop_proof(key)
    assert (await flow.redeem(issued, dpop=replayed)).status_code == 200
    again = await flow.redeem(await flow.code(), dpop=replayed)
    assert again.json()["error"] == "invalid_dpop_proof"


async def test_a_client_that_requires_dpop(flow: Flow) -> None:
    issued = await flow.code("school-dpop")
    response = await flow.redeem(issued)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_dpop_proof"
    key = ECKey.generate_key("P-256", private=True)
    response = await flow.redeem(issued, dpop=dpop_proof(key))
    assert response.status_code == 200 and response.json()["token_type"] == "DPoP"


async def test_a_code_bound_by_dpop_jkt_needs_that_key(flow: Flow) -> None:
    key, other = (ECKey.generate_key("P-256", private=True) for _ in range(2))
    verifier, challenge = pkce_pair()
    jkt = jwk_thumbprint(key.as_dict(private=False))
    params = flow.request_params(code_challenge=challenge, dpop_jkt=jkt)
    request_id = await flow.request_id(await flow.authorize(params))
    code = query_of(await flow.approve(request_id))["code"]
    async with flow.sessions() as session:
        row = await session.scalar(
            select(AuthorizationCode).where(AuthorizationCode.code_hash == secret_hash(code))
        )
    assert row is not None and row.dpop_jkt == jkt
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": params["redirect_uri"],
        "code_verifier": verifier,
    }
    for proof in (None, dpop_proof(other)):
        response = await flow.token("school", data, dpop=proof)
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_dpop_proof"
    response = await flow.token("school", data, dpop=dpop_proof(key))
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "DPoP"


async def test_all_datasets_by_default(flow: Flow) -> None:
    body = await flow.tokens()
    assert body["scope"] == " ".join(DATASETS)
