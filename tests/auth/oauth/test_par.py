"""Pushed authorization requests (RFC 9126): authenticated, validated like the authorization
endpoint, and their request_uri single-use, short-lived and bound to the client."""

from __future__ import annotations

import pytest
from joserfc.jwk import ECKey

from auth.core.dpop import jwk_thumbprint
from tests.auth.support import (
    ISSUER,
    PAR_URL,
    REDIRECT,
    Flow,
    assert_error_page,
    dpop_proof,
    query_of,
    redirected_error,
)
from tests.shared import pkce_pair

URN = "urn:ietf:params:oauth:request_uri:"


async def push(flow: Flow, client_id: str = "school", **overrides: str | None) -> dict:
    response = await flow.post("/oauth/par", client_id, flow.request_params(client_id, **overrides))
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    return dict(response.json())


async def follow(flow: Flow, request_uri: str, client_id: str = "school"):
    return await flow.authorize({"client_id": client_id, "request_uri": request_uri})


async def test_push_then_authorize(flow: Flow) -> None:
    verifier, challenge = pkce_pair()
    pushed = await push(flow, code_challenge=challenge, scope="civil.identity", state="s-1")
    assert pushed["request_uri"].startswith(URN)
    assert pushed["expires_in"] == 60
    request_id = await flow.request_id(await follow(flow, pushed["request_uri"]))
    row = await flow.pending(request_id)
    assert row is not None and row.params["scope"] == "civil.identity"
    assert row.params["code_challenge"] == challenge
    url = await flow.approve(request_id, datasets=["civil.identity"])
    answer = query_of(url)
    assert answer["state"] == "s-1" and answer["iss"] == ISSUER
    data = {
        "grant_type": "authorization_code",
        "code": answer["code"],
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    assert (await flow.token("school", data)).status_code == 200


async def test_front_channel_parameters_are_ignored(flow: Flow) -> None:
    pushed = await push(flow, scope="civil.identity")
    response = await flow.authorize(
        {"client_id": "school", "request_uri": pushed["request_uri"], "scope": "civil.address"}
    )
    row = await flow.pending(await flow.request_id(response))
    assert row is not None and row.params["scope"] == "civil.identity"


async def test_par_needs_client_authentication(flow: Flow) -> None:
    response = await flow.post("/oauth/par", None, flow.request_params())
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"
    response = await flow.http.post(
        "/oauth/par", data=flow.request_params(), auth=("school", "wrong")
    )
    assert response.status_code == 401


async def test_par_with_private_key_jwt(flow: Flow) -> None:
    pushed = await push(flow, "school-jwt")
    await flow.request_id(await follow(flow, pushed["request_uri"], "school-jwt"))


async def test_request_uri_is_single_use(flow: Flow) -> None:
    pushed = await push(flow)
    await flow.request_id(await follow(flow, pushed["request_uri"]))
    assert_error_page(await follow(flow, pushed["request_uri"]), "already used")


async def test_request_uri_expires_after_sixty_seconds(flow: Flow) -> None:
    pushed = await push(flow)
    flow.clock.advance(61)
    assert_error_page(await follow(flow, pushed["request_uri"]), "expired")


async def test_request_uri_of_another_client(flow: Flow) -> None:
    pushed = await push(flow, "school")
    assert_error_page(await follow(flow, pushed["request_uri"], "school-2"), "another client")
    # Not used up by the attempt.
    await flow.request_id(await follow(flow, pushed["request_uri"], "school"))


@pytest.mark.parametrize("request_uri", [URN + "made-up", "https://evil.test/request", URN])
async def test_unknown_request_uri(flow: Flow, request_uri: str) -> None:
    assert_error_page(await follow(flow, request_uri), "unknown")


async def test_a_client_that_requires_par_refuses_plain_requests(flow: Flow) -> None:
    params = flow.request_params("school-par")
    answer = redirected_error(await flow.authorize(params))
    assert answer["error"] == "invalid_request"
    assert "PAR" in answer["error_description"]
    assert answer["state"] == params["state"]
    pushed = await push(flow, "school-par")
    await flow.request_id(await follow(flow, pushed["request_uri"], "school-par"))


@pytest.mark.parametrize(
    ("overrides", "error", "words"),
    [
        ({"redirect_uri": "https://evil.test/cb"}, "invalid_request", "redirect_uri"),
        ({"code_challenge_method": "plain"}, "invalid_request", "S256"),
        ({"code_challenge": None}, "invalid_request", "PKCE"),
        ({"response_type": "token"}, "unsupported_response_type", "code"),
        ({"scope": "civil.identity tax.status"}, "invalid_scope", "tax.status"),
        ({"request_uri": URN + "x"}, "invalid_request", "request_uri"),
    ],
)
async def test_par_validates_like_the_authorization_endpoint(
    flow: Flow, overrides: dict, error: str, words: str
) -> None:
    response = await flow.post("/oauth/par", "school", flow.request_params(**overrides))
    assert response.status_code == 400
    assert response.json()["error"] == error
    assert words in response.json()["error_description"]
    assert "location" not in response.headers


async def test_repeated_parameters_at_par(flow: Flow) -> None:
    params = list(flow.request_params().items())
    params.append(("scope", "civil.identity"))
    response = await flow.post("/oauth/par", "school", params)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"
    assert "scope" in response.json()["error_description"]


async def test_client_id_must_be_the_authenticated_client(flow: Flow) -> None:
    response = await flow.post("/oauth/par", "school", flow.request_params("school-2"))
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"


async def test_a_dpop_proof_at_par_binds_the_code(flow: Flow) -> None:
    key, other = (ECKey.generate_key("P-256", private=True) for _ in range(2))
    verifier, challenge = pkce_pair()
    response = await flow.post(
        "/oauth/par",
        "school",
        flow.request_params(code_challenge=challenge),
        headers={"DPoP": dpop_proof(key, url=PAR_URL)},
    )
    assert response.status_code == 201, response.text
    request_id = await flow.request_id(await follow(flow, response.json()["request_uri"]))
    row = await flow.pending(request_id)
    assert row is not None
    assert row.params["dpop_jkt"] == jwk_thumbprint(key.as_dict(private=False))
    code = query_of(await flow.approve(request_id))["code"]
    data = {
        "grant_type": "authorization_code",
        "code": code,
        "redirect_uri": REDIRECT,
        "code_verifier": verifier,
    }
    refused = await flow.token("school", data, dpop=dpop_proof(other))
    assert refused.json()["error"] == "invalid_dpop_proof"
    accepted = await flow.token("school", data, dpop=dpop_proof(key))
    assert accepted.status_code == 200 and accepted.json()["token_type"] == "DPoP"


async def test_dpop_jkt_must_match_the_proof_at_par(flow: Flow) -> None:
    key, other = (ECKey.generate_key("P-256", private=True) for _ in range(2))
    params = flow.request_params(dpop_jkt=jwk_thumbprint(other.as_dict(private=False)))
    response = await flow.post(
        "/oauth/par", "school", params, headers={"DPoP": dpop_proof(key, url=PAR_URL)}
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_dpop_proof"
    bad = await flow.post(
        "/oauth/par", "school", flow.request_params(), headers={"DPoP": dpop_proof(key)}
    )
    assert bad.status_code == 400 and bad.json()["error"] == "invalid_dpop_proof"
