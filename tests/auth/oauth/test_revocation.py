"""Token revocation (RFC 7009): either kind of token revokes its whole grant."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest

from auth.core.access_tokens import verify_access_token
from auth.core.liveness import consent_in_force
from auth.oauth.authorize import complete_authorization
from store.citizen_models import Consent
from store.db import transaction
from store.oauth_models import Grant
from tests.auth.support import AUDIENCE, ISSUER, Flow, introspect, query_of
from tests.harness import RunningGateway
from tests.shared import pkce_pair

IDENTITY = "query($id: String!) { citizen(nationalId: $id) { identity { firstName } } }"


async def grant_of(flow: Flow, access_token: str) -> Grant:
    claims = await verify_access_token(
        flow.server.keyring, access_token, issuer=ISSUER, audience=AUDIENCE
    )
    async with flow.sessions() as session:
        grant = await session.get(Grant, claims["grant"])
    assert grant is not None
    return grant


@pytest.mark.parametrize("hint", [None, "refresh_token", "access_token"])
async def test_revoking_a_refresh_token_revokes_its_grant(flow: Flow, hint: str | None) -> None:
    tokens = await flow.tokens()
    form = {"token": tokens["refresh_token"]}
    if hint:
        form["token_type_hint"] = hint  # only a hint: a wrong one still finds the token
    response = await flow.post("/oauth/revoke", "school", form)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    grant = await grant_of(flow, tokens["access_token"])
    assert grant.revoked_at is not None and grant.revoked_reason == "revoked by the client"
    refreshed = await flow.refresh(tokens["refresh_token"])
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
    assert (await introspect(flow, tokens["access_token"])) == {"active": False}


async def test_revoking_an_access_token_revokes_its_grant(flow: Flow) -> None:
    tokens = await flow.tokens()
    response = await flow.post("/oauth/revoke", "school", {"token": tokens["access_token"]})
    assert response.status_code == 200
    grant = await grant_of(flow, tokens["access_token"])
    assert grant.revoked_at is not None
    # The resource server's per-request check reads the grant: the token stops now.
    status = await consent_in_force(flow.sessions, consent_id=grant.consent_id, grant_id=grant.id)
    assert status == "REVOKED"
    refreshed = await flow.refresh(tokens["refresh_token"])
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("token", ["unknown", "a.b.c", "x" * 43])
async def test_unknown_tokens_answer_200(flow: Flow, token: str) -> None:
    response = await flow.post("/oauth/revoke", "school", {"token": token})
    assert response.status_code == 200


async def test_another_clients_token_is_not_revoked(flow: Flow) -> None:
    tokens = await flow.tokens("school")
    for token in (tokens["refresh_token"], tokens["access_token"]):
        response = await flow.post("/oauth/revoke", "school-2", {"token": token})
        assert response.status_code == 400
        assert response.json()["error"] == "invalid_grant"
    assert (await grant_of(flow, tokens["access_token"])).revoked_at is None
    assert (await flow.refresh(tokens["refresh_token"])).status_code == 200


async def test_revocation_needs_client_authentication(flow: Flow) -> None:
    tokens = await flow.tokens()
    response = await flow.post("/oauth/revoke", None, {"token": tokens["refresh_token"]})
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    assert (await grant_of(flow, tokens["access_token"])).revoked_at is None


async def test_revocation_parameters(flow: Flow) -> None:
    for form in ({}, {"token": ""}):
        missing = await flow.post("/oauth/revoke", "school", form)
        assert missing.status_code == 400 and missing.json()["error"] == "invalid_request"
    hint = await flow.post("/oauth/revoke", "school", {"token": "x", "token_type_hint": "id"})
    assert hint.status_code == 400 and hint.json()["error"] == "unsupported_token_type"
    repeated = await flow.post("/oauth/revoke", "school", [("token", "x"), ("token", "y")])
    assert repeated.status_code == 400 and repeated.json()["error"] == "invalid_request"


async def test_revocation_with_private_key_jwt(flow: Flow) -> None:
    tokens = await flow.tokens("school-jwt")
    response = await flow.post("/oauth/revoke", "school-jwt", {"token": tokens["refresh_token"]})
    assert response.status_code == 200
    assert (await grant_of(flow, tokens["access_token"])).revoked_at is not None


async def test_a_revoked_access_token_stops_at_the_gateway_on_the_next_request(
    gateway: RunningGateway,
) -> None:
    """The whole app: authorize, (consent), token, GraphQL, revoke, GraphQL again."""
    client = gateway.clients["consent"]
    auth = (client["client_id"], client["client_secret"])
    citizen = gateway.citizens["parent"]
    redirect_uri = client["redirect_uris"][0]
    verifier, challenge = pkce_pair()
    response = await gateway.http.get(
        "/oauth/authorize",
        params={
            "response_type": "code",
            "client_id": client["client_id"],
            "redirect_uri": redirect_uri,
            "scope": "civil.identity",
            "state": "s-1",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert response.status_code == 303, response.text
    request_id = response.headers["location"].rsplit("/", 1)[1]
    consent_id = secrets.token_urlsafe(16)
    async with transaction(gateway.gateway.sessions) as session:
        session.add(
            Consent(
                id=consent_id,
                citizen=citizen,
                subject=citizen,
                client_id=client["client_id"],
                service_card_id=client["service_card"],
                datasets=["civil.identity"],
                expires_at=datetime.now(UTC) + timedelta(days=1),
            )
        )
    url = await complete_authorization(
        gateway.gateway.sessions,
        request_id=request_id,
        citizen=citizen,
        subject=citizen,
        datasets=["civil.identity"],
        consent_id=consent_id,
    )
    form = {
        "grant_type": "authorization_code",
        "code": query_of(url)["code"],
        "redirect_uri": redirect_uri,
        "code_verifier": verifier,
    }
    tokens = (await gateway.http.post("/oauth/token", data=form, auth=auth)).json()
    token = tokens["access_token"]
    before = await gateway.query(IDENTITY, {"id": citizen}, token=token, case_reference=None)
    assert before["data"]["citizen"]["identity"]["firstName"], before

    revoked = await gateway.http.post("/oauth/revoke", data={"token": token}, auth=auth)
    assert revoked.status_code == 200
    after = await gateway.query(IDENTITY, {"id": citizen}, token=token, case_reference=None)
    assert after["data"]["citizen"]["identity"] is None
    assert after["errors"][0]["extensions"]["code"] == "CONSENT_REVOKED"
    refreshed = await gateway.http.post(
        "/oauth/token",
        data={"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]},
        auth=auth,
    )
    assert refreshed.status_code == 400 and refreshed.json()["error"] == "invalid_grant"
