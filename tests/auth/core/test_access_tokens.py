from __future__ import annotations

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any

import pytest
from joserfc import jws
from joserfc.jwk import ECKey, RSAKey

from auth.core.access_tokens import (
    TokenClaims,
    TokenError,
    VerifiedTokens,
    issue_access_token,
    token_claims,
    verify_access_token,
)
from auth.core.keys import KeyRing, SigningKeyPair
from auth.core.principal import Basis
from tests.auth.support import AUDIENCE, ISSUER
from tests.shared import b64url, b64url_decode, b64url_json


def _issue(key: SigningKeyPair, **overrides: Any) -> str:
    arguments: dict[str, Any] = {
        "issuer": ISSUER,
        "audience": AUDIENCE,
        "client_id": "statute-svc",
        "subject": "statute-svc",
        "scopes": ["civil.birth"],
        "ttl": 300,
        "claims": {"basis": "statute", "agency": "ssa"},
    }
    arguments.update(overrides)
    return issue_access_token(key, **arguments)[0]


def _claims(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "sub": "statute-svc",
        "aud": AUDIENCE,
        "exp": now + 300,
        "iat": now,
        "jti": "j1",
        "client_id": "statute-svc",
        "scope": "civil.birth",
    }
    claims.update(overrides)
    return claims


def _sign(key: ECKey, header: dict[str, Any], claims: dict[str, Any]) -> str:
    return jws.serialize_compact(header, json.dumps(claims), key, algorithms=["ES256"])


async def _verify(keyring: KeyRing, token: str) -> dict[str, Any]:
    return await verify_access_token(keyring, token, issuer=ISSUER, audience=AUDIENCE)


async def test_issue_returns_jti_and_expiry(keyring: KeyRing) -> None:
    key = await keyring.current()
    token, jti, expires_at = issue_access_token(
        key,
        issuer=ISSUER,
        audience=AUDIENCE,
        client_id="c",
        subject="c",
        scopes=["b", "a", "a"],
        ttl=60,
        now=1_800_000_000,
    )
    claims = await verify_access_token(
        keyring, token, issuer=ISSUER, audience=AUDIENCE, now=1_800_000_010
    )
    assert claims["jti"] == jti
    assert claims["exp"] == expires_at == 1_800_000_060
    assert claims["scope"] == "a b"


def test_extra_claims_cannot_override_registered_ones() -> None:
    now = datetime.now(UTC)
    key = SigningKeyPair("kid", ECKey.generate_key("P-256"), now, now)
    with pytest.raises(ValueError, match="aud"):
        _issue(key, claims={"aud": "https://elsewhere"})


async def test_valid_token_verifies(keyring: KeyRing) -> None:
    claims = await _verify(keyring, _issue(await keyring.current()))
    assert claims["basis"] == "statute"


@pytest.mark.parametrize("typ", ["at+jwt", "AT+JWT", "application/at+jwt"])
async def test_typ_is_case_insensitive(keyring: KeyRing, typ: str) -> None:
    key = await keyring.current()
    token = _sign(key.jwk, {"alg": "ES256", "typ": typ, "kid": key.kid}, _claims())
    assert (await _verify(keyring, token))["sub"] == "statute-svc"


async def test_audience_list_containing_ours(keyring: KeyRing) -> None:
    key = await keyring.current()
    header = {"alg": "ES256", "typ": "at+jwt", "kid": key.kid}
    token = _sign(key.jwk, header, _claims(aud=["https://other", AUDIENCE]))
    assert await _verify(keyring, token)


async def test_tampered_signature(keyring: KeyRing) -> None:
    token = _issue(await keyring.current())
    head, payload, signature = token.split(".")
    forged = json.loads(b64url_decode(payload))
    forged["scope"] = "civil.birth tax.status"
    with pytest.raises(TokenError, match="signature"):
        await _verify(keyring, f"{head}.{b64url_json(forged)}.{signature}")
    flipped = signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    with pytest.raises(TokenError):
        await _verify(keyring, f"{head}.{payload}.{flipped}")


async def test_expired(keyring: KeyRing) -> None:
    token = _issue(await keyring.current(), ttl=60, now=int(time.time()) - 200)
    with pytest.raises(TokenError, match="expired"):
        await _verify(keyring, token)


async def test_leeway_of_30_seconds(keyring: KeyRing) -> None:
    token = _issue(await keyring.current(), ttl=60, now=1_800_000_000)
    verify = verify_access_token
    assert await verify(keyring, token, issuer=ISSUER, audience=AUDIENCE, now=1_800_000_089)
    with pytest.raises(TokenError, match="expired"):
        await verify(keyring, token, issuer=ISSUER, audience=AUDIENCE, now=1_800_000_090)
    with pytest.raises(TokenError, match="future"):
        await verify(keyring, token, issuer=ISSUER, audience=AUDIENCE, now=1_799_999_960)


async def test_wrong_audience_and_issuer(keyring: KeyRing) -> None:
    key = await keyring.current()
    with pytest.raises(TokenError, match="audience"):
        await _verify(keyring, _issue(key, audience="https://other/graphql"))
    with pytest.raises(TokenError, match="issuer"):
        await _verify(keyring, _issue(key, issuer="https://evil.test"))


async def test_alg_none(keyring: KeyRing) -> None:
    key = await keyring.current()
    header = {"alg": "none", "typ": "at+jwt", "kid": key.kid}
    token = f"{b64url_json(header)}.{b64url_json(_claims())}."
    with pytest.raises(TokenError, match="algorithm"):
        await _verify(keyring, token)


async def test_hs256_keyed_with_our_public_key(keyring: KeyRing) -> None:
    key = await keyring.current()
    known = await keyring.key_for(key.kid)
    assert known is not None
    published = known.public_jwk
    public_pem = ECKey.import_key(published).as_pem(private=False)
    header = {"alg": "HS256", "typ": "at+jwt", "kid": key.kid}
    signing_input = f"{b64url_json(header)}.{b64url_json(_claims())}"
    for secret in (public_pem, json.dumps(published).encode()):
        mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
        with pytest.raises(TokenError, match="algorithm"):
            await _verify(keyring, f"{signing_input}.{b64url(mac)}")


async def test_rs256(keyring: KeyRing) -> None:
    key = await keyring.current()
    rsa = RSAKey.generate_key(2048)
    header = {"alg": "RS256", "typ": "at+jwt", "kid": key.kid}
    token = jws.serialize_compact(header, json.dumps(_claims()), rsa, algorithms=["RS256"])
    with pytest.raises(TokenError, match="algorithm"):
        await _verify(keyring, token)


@pytest.mark.parametrize("typ", [None, "JWT", "jwt", "at+jwt+extra"])
async def test_wrong_typ(keyring: KeyRing, typ: str | None) -> None:
    key = await keyring.current()
    header = {"alg": "ES256", "kid": key.kid}
    if typ is not None:
        header["typ"] = typ
    with pytest.raises(TokenError, match="typ"):
        await _verify(keyring, _sign(key.jwk, header, _claims()))


async def test_unknown_kid_and_foreign_key(keyring: KeyRing) -> None:
    stranger = ECKey.generate_key("P-256")
    header = {"alg": "ES256", "typ": "at+jwt", "kid": stranger.thumbprint()}
    with pytest.raises(TokenError, match="unknown signing key"):
        await _verify(keyring, _sign(stranger, header, _claims()))
    # A foreign key claiming our kid fails on the signature.
    header["kid"] = (await keyring.current()).kid
    with pytest.raises(TokenError, match="signature"):
        await _verify(keyring, _sign(stranger, header, _claims()))


@pytest.mark.parametrize("missing", ["sub", "jti", "client_id", "exp", "iat", "aud", "scope"])
async def test_required_claims(keyring: KeyRing, missing: str) -> None:
    key = await keyring.current()
    claims = _claims()
    del claims[missing]
    header = {"alg": "ES256", "typ": "at+jwt", "kid": key.kid}
    with pytest.raises(TokenError, match="missing"):
        await _verify(keyring, _sign(key.jwk, header, claims))


@pytest.mark.parametrize("token", ["", "abc", "a.b", "a.b.c", "é.é.é", "x" * 10_000])
async def test_garbage(keyring: KeyRing, token: str) -> None:
    with pytest.raises(TokenError):
        await _verify(keyring, token)


async def test_non_numeric_exp(keyring: KeyRing) -> None:
    key = await keyring.current()
    header = {"alg": "ES256", "typ": "at+jwt", "kid": key.kid}
    with pytest.raises(TokenError, match="number"):
        await _verify(keyring, _sign(key.jwk, header, _claims(exp=True)))


async def test_the_gateways_claims_are_read_back_as_issued(keyring: KeyRing) -> None:
    says = TokenClaims(
        basis=Basis.CONSENT, agency="edu", service_card="school-enrolment", citizen="0012345678",
        data_subject="0087654321", consent_id="c-1", grant_id="g-1", dpop_jkt="k" * 43,
        query_budget=5000,
    )  # fmt: skip
    token = _issue(await keyring.current(), claims=says.as_claims())
    assert token_claims(await _verify(keyring, token)) == says


@pytest.mark.parametrize(
    ("claims", "problem"),
    [
        ({"basis": "system", "agency": "edu"}, "no known legal basis"),
        ({"basis": "royal", "agency": "edu"}, "no known legal basis"),
        ({"basis": "statute"}, "names no agency"),
        ({"basis": "statute", "agency": "edu", "cnf": {"jkt": ""}}, "unusable cnf"),
    ],
)
def test_unusable_gateway_claims_are_refused(claims: dict[str, object], problem: str) -> None:
    with pytest.raises(TokenError, match=problem):
        token_claims(claims)


async def test_a_verified_token_is_not_verified_again(
    keyring: KeyRing, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _issue(await keyring.current())
    first = await _verify(keyring, token)
    checks: list[object] = []
    monkeypatch.setattr(jws, "validate_compact", lambda *args, **kw: checks.append(args))
    again = await _verify(keyring, token)
    assert again == first and again is not first
    assert checks == []  # the signature was checked once


async def test_a_remembered_token_still_meets_the_clock_and_the_rules(keyring: KeyRing) -> None:
    token = _issue(await keyring.current(), ttl=60, now=1_800_000_000)
    verify = verify_access_token
    assert await verify(keyring, token, issuer=ISSUER, audience=AUDIENCE, now=1_800_000_010)
    with pytest.raises(TokenError, match="expired"):
        await verify(keyring, token, issuer=ISSUER, audience=AUDIENCE, now=1_800_000_090)
    with pytest.raises(TokenError, match="audience"):
        await verify(keyring, token, issuer=ISSUER, audience="https://other", now=1_800_000_010)
    with pytest.raises(TokenError, match="issuer"):
        await verify(
            keyring, token, issuer="https://evil.test", audience=AUDIENCE, now=1_800_000_010
        )


async def test_a_remembered_token_needs_its_key_still_published(
    keyring: KeyRing, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = _issue(await keyring.current())
    assert await _verify(keyring, token)

    async def unpublished(kid: str) -> None:
        return None

    monkeypatch.setattr(keyring, "key_for", unpublished)
    with pytest.raises(TokenError, match="unknown signing key"):
        await _verify(keyring, token)


def test_remembered_tokens_are_bounded() -> None:
    remembered = VerifiedTokens(size=2)
    for n in range(3):
        remembered.put(bytes([n]), (None, "kid", {"n": n}))  # type: ignore[arg-type]
    assert remembered.get(bytes([0])) is None
    assert remembered.get(bytes([2])) is not None
