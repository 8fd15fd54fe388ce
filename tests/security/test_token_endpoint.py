"""The token endpoint and the other endpoints that authenticate clients.

- A `client_credentials` request carrying a valid DPoP proof gets a DPoP-bound token
  (`token_type: DPoP`, `cnf.jkt`, RFC 9449 §5), useless as a bearer token; a client registered to
  require DPoP gets nothing without a proof.
- An unknown client id and a wrong secret (or an assertion naming an unknown client and one with a
  bad signature) get the same answer (status, error, description, headers) in about the same
  time, at /oauth/token, /oauth/par, /oauth/introspect and /oauth/revoke.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from joserfc.jwk import ECKey

from auth.core.dpop import jwk_thumbprint
from auth.oauth.errors import CLIENT_AUTH_FAILED
from tests.auth.support import TOKEN_URL, Flow, dpop_proof
from tests.harness import BASE_URL, CASE, RunningGateway
from tests.shared import jwt_claims, s256

QUERY = """query($id: String!) { citizen(nationalId: $id) { identity { firstName } } }"""
ENDPOINTS = {
    "/oauth/token": {"grant_type": "client_credentials"},
    "/oauth/par": {"response_type": "code", "redirect_uri": "https://school.test/callback"},
    "/oauth/introspect": {"token": "anything"},
    "/oauth/revoke": {"token": "anything"},
}


# -- DPoP binding of client-credentials tokens ---------------------------------------------------


async def test_client_credentials_with_a_proof_is_bound_to_its_key(
    gateway: RunningGateway,
) -> None:
    client = gateway.clients["statutory_all_datasets"]
    key = ECKey.generate_key("P-256", private=True)
    response = await gateway.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client["client_id"], client["client_secret"]),
        headers={"DPoP": dpop_proof(key, f"{BASE_URL}/oauth/token")},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "DPoP"
    token = body["access_token"]
    assert jwt_claims(token)["cnf"] == {"jkt": jwk_thumbprint(key.as_dict(private=False))}
    variables = {"id": gateway.citizens["parent"]}
    # Stolen and replayed as a bearer token, it reads nothing.
    as_bearer = await gateway.post(QUERY, variables, token=token)
    assert as_bearer.status_code == 401
    assert as_bearer.headers["www-authenticate"].startswith("DPoP ")
    # With a proof of the key it was bound to, it reads.
    proof = dpop_proof(key, f"{BASE_URL}/graphql", ath=s256(token))
    bound = await gateway.http.post(
        "/graphql",
        json={"query": QUERY, "variables": variables},
        headers={"Authorization": f"DPoP {token}", "DPoP": proof, "Darvazeh-Case-Reference": CASE},
    )
    answer = bound.json()
    assert bound.status_code == 200 and "errors" not in answer, answer
    assert answer["data"]["citizen"]["identity"]["firstName"]


async def test_client_credentials_without_a_proof_stays_a_bearer_token(flow: Flow) -> None:
    response = await flow.token("census", {"grant_type": "client_credentials"})
    assert response.status_code == 200, response.text
    assert response.json()["token_type"] == "Bearer"
    assert "cnf" not in jwt_claims(response.json()["access_token"])


async def test_a_client_that_requires_dpop_gets_no_token_without_a_proof(flow: Flow) -> None:
    await flow.set_client("census", require_dpop=True)
    try:
        refused = await flow.token("census", {"grant_type": "client_credentials"})
        assert refused.status_code == 400
        assert refused.json()["error"] == "invalid_dpop_proof"
        key = ECKey.generate_key("P-256", private=True)
        bound = await flow.token(
            "census", {"grant_type": "client_credentials"}, dpop=dpop_proof(key, TOKEN_URL)
        )
        assert bound.status_code == 200 and bound.json()["token_type"] == "DPoP"
    finally:
        await flow.set_client("census", require_dpop=False)


# -- unknown client and wrong secret, alike ------------------------------------------------------


def _same_answer(first: httpx.Response, second: httpx.Response) -> None:
    assert first.status_code == second.status_code == 401, (first.text, second.text)
    assert (
        first.json()
        == second.json()
        == {
            "error": "invalid_client",
            "error_description": CLIENT_AUTH_FAILED,
        }
    )
    for name in ("www-authenticate", "content-type", "cache-control"):
        assert first.headers.get(name) == second.headers.get(name), name


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
async def test_unknown_client_and_wrong_secret_answer_alike(flow: Flow, path: str) -> None:
    form = {**ENDPOINTS[path]}
    if path == "/oauth/par":
        form["client_id"] = "ignored"
    unknown = await flow.http.post(path, data=form, auth=("no-such-client", "s3cret"))
    wrong = await flow.http.post(path, data=form, auth=("school", "not-the-secret"))
    form_without_id = {k: v for k, v in form.items() if k != "client_id"}
    nothing = await flow.http.post(path, data=form_without_id)
    _same_answer(unknown, wrong)
    _same_answer(unknown, nothing)


@pytest.mark.parametrize("path", sorted(ENDPOINTS))
async def test_unknown_client_and_bad_assertion_answer_alike(flow: Flow, path: str) -> None:
    stranger = ECKey.generate_key("P-256", private=True, parameters={"kid": "school-key-1"})
    form = {**ENDPOINTS[path]}
    unknown = flow.assertion_form("nobody-here", iss="nobody-here", sub="nobody-here")
    forged = flow.assertion_form("school-jwt", key=stranger)
    _same_answer(
        await flow.http.post(path, data={**form, **unknown}),
        await flow.http.post(path, data={**form, **forged}),
    )


async def _alike_in_time(
    first: Callable[[], Awaitable[httpx.Response]],
    second: Callable[[], Awaitable[httpx.Response]],
    rounds: int = 60,
) -> tuple[float, float]:
    """Median milliseconds of each, timed alternately so load on the (shared) machine falls on
    both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(rounds):
        for send, into in ((first, times[0]), (second, times[1])):
            started = time.perf_counter()
            response = await send()
            into.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 401
    return statistics.median(times[0][5:]), statistics.median(times[1][5:])


def _similar(first: float, second: float) -> bool:
    # Both paths do the same work (a query, then a hash or a signature check): what is left is
    # the store's hit or miss and the machine's noise, well under the bound.
    return abs(first - second) <= max(2.0, 0.5 * max(first, second))


async def test_unknown_client_costs_what_a_wrong_secret_costs(flow: Flow) -> None:
    form: dict[str, Any] = {"grant_type": "client_credentials"}

    async def unknown() -> httpx.Response:
        return await flow.http.post("/oauth/token", data=form, auth=("no-such-client", "x" * 43))

    async def wrong() -> httpx.Response:
        return await flow.http.post("/oauth/token", data=form, auth=("census", "x" * 43))

    first, second = await _alike_in_time(unknown, wrong)
    assert _similar(first, second), (first, second)


async def test_unknown_assertion_client_costs_a_signature_check(flow: Flow) -> None:
    stranger = ECKey.generate_key("P-256", private=True, parameters={"kid": "school-key-1"})
    form: dict[str, Any] = {"grant_type": "client_credentials"}

    async def unknown() -> httpx.Response:
        assertion = flow.assertion_form("nobody-here", iss="nobody-here", sub="nobody-here")
        return await flow.http.post("/oauth/token", data={**form, **assertion})

    async def forged() -> httpx.Response:
        assertion = flow.assertion_form("school-jwt", key=stranger)
        return await flow.http.post("/oauth/token", data={**form, **assertion})

    first, second = await _alike_in_time(unknown, forged)
    assert _similar(first, second), (first, second)
