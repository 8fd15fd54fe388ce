"""private_key_jwt client authentication (RFC 7523 §2.2): a one-time, short-lived assertion signed
with a key the client registered, naming this server as its audience."""

from __future__ import annotations

import json
import secrets
import time
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, OctKey, RSAKey

from auth.oauth.errors import CLIENT_AUTH_FAILED
from tests.auth.support import ISSUER, PAR_URL, TOKEN_URL, Flow, Issued
from tests.shared import b64url_json


async def redeem_with(flow: Flow, issued: Issued, assertion: dict[str, str]) -> httpx.Response:
    data = {
        "grant_type": "authorization_code",
        "code": issued.code,
        "redirect_uri": issued.redirect_uri,
        "code_verifier": issued.verifier,
        **assertion,
    }
    return await flow.post("/oauth/token", None, data)


def refused(response: httpx.Response, words: str) -> None:
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_client"
    assert words in response.json()["error_description"]


@pytest.mark.parametrize("aud", [ISSUER, TOKEN_URL, PAR_URL, [ISSUER, "https://else.test"]])
async def test_a_valid_assertion_authenticates(flow: Flow, aud: Any) -> None:
    issued = await flow.code("school-jwt")
    response = await redeem_with(flow, issued, flow.assertion_form("school-jwt", aud=aud))
    assert response.status_code == 200, response.text
    assert response.json()["refresh_token"]
    # And at the other endpoints that authenticate clients.
    token = response.json()["refresh_token"]
    introspected = await flow.post(
        "/oauth/introspect", None, {"token": token, **flow.assertion_form("school-jwt")}
    )
    assert introspected.json()["active"] is True


async def test_a_key_the_client_did_not_register(flow: Flow) -> None:
    issued = await flow.code("school-jwt")
    stranger = ECKey.generate_key("P-256", private=True, parameters={"kid": "school-key-1"})
    response = await redeem_with(flow, issued, flow.assertion_form("school-jwt", key=stranger))
    # Before a registered key verifies the signature, every failure is told alike: the answer
    # must not say whether the client exists (tests/security/test_token_endpoint.py).
    refused(response, CLIENT_AUTH_FAILED)
    unknown_kid = flow.assertion_form("school-jwt", kid="another-key")
    refused(await redeem_with(flow, issued, unknown_kid), CLIENT_AUTH_FAILED)


async def test_a_replayed_assertion(flow: Flow) -> None:
    assertion = flow.assertion_form("school-jwt")
    first = await redeem_with(flow, await flow.code("school-jwt"), assertion)
    assert first.status_code == 200, first.text
    refused(await redeem_with(flow, await flow.code("school-jwt"), assertion), "already used")


async def test_the_same_jti_in_a_new_assertion_is_a_replay(flow: Flow) -> None:
    jti = secrets.token_urlsafe(8)
    first = await redeem_with(
        flow, await flow.code("school-jwt"), flow.assertion_form("school-jwt", jti=jti)
    )
    assert first.status_code == 200
    second = flow.assertion_form("school-jwt", jti=jti, exp=int(time.time()) + 30)
    refused(await redeem_with(flow, await flow.code("school-jwt"), second), "already used")


@pytest.mark.parametrize(
    "aud", ["https://evil.test", f"{ISSUER}/graphql", f"{ISSUER}/oauth/introspect", ["x"]]
)
async def test_wrong_audience(flow: Flow, aud: Any) -> None:
    issued = await flow.code("school-jwt")
    refused(await redeem_with(flow, issued, flow.assertion_form("school-jwt", aud=aud)), "aud")


@pytest.mark.parametrize(
    ("claims", "words"),
    [
        ({"exp": int(time.time()) - 120}, "expired"),
        ({"exp": int(time.time()) + 600}, "at most 300"),
        ({"iss": "school"}, "iss and sub"),
        ({"jti": None}, "jti"),
        ({"iat": int(time.time()) + 600}, "not valid yet"),
    ],
)
async def test_bad_claims(flow: Flow, claims: dict, words: str) -> None:
    issued = await flow.code("school-jwt")
    assertion = flow.assertion_form("school-jwt", **claims)
    if claims.get("jti", "") is None:  # drop it altogether
        assertion = _without_claim(flow, "jti")
    refused(await redeem_with(flow, issued, assertion), words)


def _without_claim(flow: Flow, name: str) -> dict[str, str]:
    now = int(time.time())
    claims = {"iss": "school-jwt", "sub": "school-jwt", "aud": ISSUER, "exp": now + 60}
    claims["jti"] = secrets.token_urlsafe(8)
    del claims[name]
    key = flow.store.client_key
    token = jwt.encode({"alg": "ES256", "kid": key.kid}, claims, key, algorithms=["ES256"])
    return {
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": token,
    }


async def test_alg_none_is_refused(flow: Flow) -> None:
    now = int(time.time())
    claims = {"iss": "school-jwt", "sub": "school-jwt", "aud": ISSUER, "exp": now + 60}
    claims["jti"] = secrets.token_urlsafe(8)
    token = f"{b64url_json({'alg': 'none'})}.{b64url_json(claims)}."
    assertion = {
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
        "client_assertion": token,
    }
    refused(await redeem_with(flow, await flow.code("school-jwt"), assertion), CLIENT_AUTH_FAILED)


async def test_hs256_keyed_with_the_public_key_is_refused(flow: Flow) -> None:
    public = json.dumps(flow.store.client_key.as_dict(private=False)).encode()
    key = OctKey.import_key(public)
    assertion = flow.assertion_form("school-jwt", key=key, alg="HS256", kid="school-key-1")
    refused(await redeem_with(flow, await flow.code("school-jwt"), assertion), CLIENT_AUTH_FAILED)


async def test_rs256_is_refused_even_with_a_registered_rsa_key(flow: Flow) -> None:
    rsa = RSAKey.generate_key(2048, private=True, parameters={"kid": "rsa-1"})
    jwks = {"keys": [flow.store.client_key.as_dict(private=False), rsa.as_dict(private=False)]}
    await flow.set_client("school-jwt", jwks=jwks)
    try:
        rs256 = flow.assertion_form("school-jwt", key=rsa, alg="RS256", kid="rsa-1")
        refused(await redeem_with(flow, await flow.code("school-jwt"), rs256), CLIENT_AUTH_FAILED)
        ps256 = flow.assertion_form("school-jwt", key=rsa, alg="PS256", kid="rsa-1")
        response = await redeem_with(flow, await flow.code("school-jwt"), ps256)
        assert response.status_code == 200, response.text
    finally:
        await flow.set_client(
            "school-jwt", jwks={"keys": [flow.store.client_key.as_dict(private=False)]}
        )


async def test_the_registered_method_is_the_only_one(flow: Flow) -> None:
    # A client_secret_basic client presenting an assertion, and the reverse.
    issued = await flow.code("school")
    assertion = flow.assertion_form("school", iss="school", sub="school")
    refused(await redeem_with(flow, issued, assertion), "")
    issued = await flow.code("school-jwt")
    response = await flow.http.post(
        "/oauth/token",
        data={"grant_type": "authorization_code", "code": issued.code},
        auth=("school-jwt", "anything"),
    )
    assert response.status_code == 401 and response.json()["error"] == "invalid_client"


async def test_basic_and_an_assertion_together_are_refused(flow: Flow) -> None:
    issued = await flow.code("school")
    response = await flow.http.post(
        "/oauth/token",
        data={
            "grant_type": "authorization_code",
            "code": issued.code,
            "redirect_uri": issued.redirect_uri,
            "code_verifier": issued.verifier,
            **flow.assertion_form("school-jwt"),
        },
        auth=("school", flow.store.secrets["school"]),
    )
    assert response.status_code == 400 and response.json()["error"] == "invalid_request"
