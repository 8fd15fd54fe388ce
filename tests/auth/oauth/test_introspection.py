"""Token introspection (RFC 7662): active only while the token, its grant and its consent stand,
and only for the client the token was issued to."""

from __future__ import annotations

from sqlalchemy import update

from auth.core.access_tokens import LEEWAY_SECONDS
from store.citizen_models import Consent
from store.db import transaction
from tests.auth.support import AUDIENCE, CARD, ISSUER, PARENT, TTL, Flow, introspect
from tests.auth.support import dpop_proof as proof_for
from tests.shared import jwt_claims


async def test_an_active_access_token(flow: Flow) -> None:
    tokens = await flow.tokens(datasets=["civil.identity"])
    response = await flow.post("/oauth/introspect", "school", {"token": tokens["access_token"]})
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    claims = jwt_claims(tokens["access_token"])
    assert body == {
        "active": True,
        "scope": "civil.identity",
        "client_id": "school",
        "sub": PARENT,
        "exp": claims["exp"],
        "iat": claims["iat"],
        "nbf": claims["nbf"],
        "iss": ISSUER,
        "aud": AUDIENCE,
        "jti": claims["jti"],
        "token_type": "Bearer",
    }
    assert claims["service_card"] == CARD


async def test_an_active_refresh_token(flow: Flow) -> None:
    tokens = await flow.tokens()
    body = await introspect(flow, tokens["refresh_token"], "school")
    assert body["active"] is True
    assert body["client_id"] == "school" and body["sub"] == PARENT
    assert body["scope"] == tokens["scope"] and body["iss"] == ISSUER
    assert body["exp"] > body["iat"]
    # Rotated: the old one is no longer active, its successor is.
    rotated = (await flow.refresh(tokens["refresh_token"])).json()
    assert await introspect(flow, tokens["refresh_token"]) == {"active": False}
    assert (await introspect(flow, rotated["refresh_token"]))["active"] is True


async def test_a_dpop_bound_token(flow: Flow) -> None:
    from joserfc.jwk import ECKey

    key = ECKey.generate_key("P-256", private=True)
    tokens = (await flow.redeem(await flow.code(), dpop=proof_for(key))).json()
    body = await introspect(flow, tokens["access_token"])
    assert body["token_type"] == "DPoP"
    assert body["cnf"] == jwt_claims(tokens["access_token"])["cnf"]
    assert (await introspect(flow, tokens["refresh_token"]))["cnf"] == body["cnf"]


async def test_revoked_grant_means_inactive(flow: Flow) -> None:
    tokens = await flow.tokens()
    await flow.post("/oauth/revoke", "school", {"token": tokens["refresh_token"]})
    assert await introspect(flow, tokens["access_token"]) == {"active": False}
    assert await introspect(flow, tokens["refresh_token"]) == {"active": False}


async def test_revoked_or_expired_consent_means_inactive(flow: Flow) -> None:
    for change in ({"status": "REVOKED"}, {"expires_at": flow.server.now()}):
        tokens = await flow.tokens()
        consent_id = jwt_claims(tokens["access_token"])["consent_id"]
        async with transaction(flow.sessions) as session:
            await session.execute(update(Consent).where(Consent.id == consent_id).values(**change))
        assert await introspect(flow, tokens["access_token"]) == {"active": False}, change
        assert await introspect(flow, tokens["refresh_token"]) == {"active": False}, change


async def test_another_clients_token_is_inactive_to_it(flow: Flow) -> None:
    tokens = await flow.tokens("school")
    for token in (tokens["access_token"], tokens["refresh_token"]):
        assert await introspect(flow, token, "school-2") == {"active": False}
        assert (await introspect(flow, token, "school"))["active"] is True


async def test_expired_tampered_and_unknown_tokens(flow: Flow) -> None:
    tokens = await flow.tokens()
    head, body, signature = tokens["access_token"].split(".")
    tampered = f"{head}.{body[:-2]}AA.{signature}"
    for token in (tampered, "garbage", "a.b.c"):
        assert await introspect(flow, token) == {"active": False}
    flow.clock.advance(TTL + LEEWAY_SECONDS + 1)
    assert await introspect(flow, tokens["access_token"]) == {"active": False}


async def test_introspection_parameters(flow: Flow) -> None:
    for form in ({}, {"token": ""}):
        response = await flow.post("/oauth/introspect", "school", form)
        assert response.status_code == 400 and response.json()["error"] == "invalid_request"
    response = await flow.post(
        "/oauth/introspect", "school", {"token": "x", "token_type_hint": "y"}
    )
    assert response.status_code == 400 and response.json()["error"] == "unsupported_token_type"


async def test_introspection_needs_client_authentication(flow: Flow) -> None:
    tokens = await flow.tokens()
    response = await flow.post("/oauth/introspect", None, {"token": tokens["access_token"]})
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    response = await flow.http.post(
        "/oauth/introspect", data={"token": tokens["access_token"]}, auth=("school", "nope")
    )
    assert response.status_code == 401
