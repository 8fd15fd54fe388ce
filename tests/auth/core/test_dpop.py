"""DPoP proofs (RFC 9449 §4.3): every check refuses what it must, on SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import AsyncIterator
from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from joserfc import jws
from joserfc.jwk import ECKey, OctKey, OKPKey, RSAKey
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.core.dpop import (
    DpopError,
    DpopProof,
    jwk_thumbprint,
    purge_expired,
    single_proof,
    verify_dpop_proof,
)
from store.db import create_engine, sessionmaker, transaction
from store.migrate import upgrade_async
from store.oauth_models import JtiSeen
from tests.auth import support
from tests.auth.support import SIGNER, ec_key
from tests.conftest import fresh_database
from tests.shared import b64url, b64url_json

URL = "https://gateway.test/oauth/token"
NOW = 1_900_000_000.0
Sessions = async_sessionmaker[AsyncSession]


def make_proof(key: ECKey | RSAKey | OKPKey, **options: Any) -> str:
    """A proof stamped at the tests' fixed NOW (tests/auth/support.make_proof)."""
    return support.make_proof(key, **{"iat": NOW, **options})


@pytest.fixture(scope="module")
async def store_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    path: Path = tmp_path_factory.mktemp("dpop") / "gateway.db"
    url = f"sqlite+aiosqlite:///{path}"
    await upgrade_async(url)
    return url


@pytest.fixture
async def sessions(store_url: str) -> AsyncIterator[Sessions]:
    engine = create_engine(store_url)
    yield sessionmaker(engine)
    await engine.dispose()


async def _verify(sessions: Sessions, proof: str, **options: Any) -> DpopProof:
    options = {"method": "POST", "url": URL, "now": NOW, **options}
    return await verify_dpop_proof(proof, sessions=sessions, **options)


async def _refused(sessions: Sessions, proof: str, message: str, **options: Any) -> None:
    with pytest.raises(DpopError, match=message):
        await _verify(sessions, proof, **options)


# -- success --------------------------------------------------------------------------------------


async def test_valid_proof_gives_the_key_thumbprint(sessions: Sessions) -> None:
    key = ec_key()
    proof = make_proof(key, jti="abc-1", iat=NOW - 10)
    result = await _verify(sessions, proof)
    assert result == DpopProof(jkt=key.thumbprint(), jti="abc-1", iat=int(NOW - 10))
    async with sessions() as session:
        expected = hashlib.sha256(f"dpop:{key.thumbprint()}:abc-1".encode()).hexdigest()
        row = await session.get(JtiSeen, expected)
    assert row is not None
    # Kept past the end of the proof's own acceptance window (iat + 60 s).
    assert row.expires_at.replace(tzinfo=UTC).timestamp() > NOW - 10 + 60


@pytest.mark.parametrize(
    ("key", "alg"),
    [
        (ECKey.generate_key("P-384", private=True), "ES384"),
        (RSAKey.generate_key(2048, private=True), "PS256"),
        (OKPKey.generate_key("Ed25519", private=True), "EdDSA"),
        (OKPKey.generate_key("Ed25519", private=True), "Ed25519"),
        (RSAKey.generate_key(4096, private=True), "PS256"),
    ],
    ids=["ES384", "PS256", "EdDSA", "Ed25519", "PS256-4096"],
)
async def test_other_asymmetric_algorithms(sessions: Sessions, key: Any, alg: str) -> None:
    result = await _verify(sessions, make_proof(key, alg=alg))
    assert result.jkt == key.thumbprint()


async def test_ath_matches_the_access_token(sessions: Sessions) -> None:
    key = ec_key()
    proof = make_proof(key, access_token="the-token")
    assert (await _verify(sessions, proof, access_token="the-token")).jkt == key.thumbprint()


@pytest.mark.parametrize(
    "htu",
    [
        "HTTPS://Gateway.TEST:443/oauth/token",
        "https://gateway.test/oauth/token?x=1#frag",
        "https://gateway.test/%6fauth/token",
    ],
)
async def test_htu_normalised(sessions: Sessions, htu: str) -> None:
    await _verify(sessions, make_proof(ec_key(), htu=htu))


# -- refusals -------------------------------------------------------------------------------------


async def test_wrong_typ(sessions: Sessions) -> None:
    await _refused(sessions, make_proof(ec_key(), header={"typ": "JWT"}), "typ")
    await _refused(sessions, make_proof(ec_key(), header={"typ": None}), "typ")


async def test_alg_none(sessions: Sessions) -> None:
    key = ec_key()
    head = {"typ": "dpop+jwt", "alg": "none", "jwk": key.as_dict(private=False)}
    body = {"jti": "n", "htm": "POST", "htu": URL, "iat": NOW}
    unsigned = f"{b64url_json(head)}.{b64url_json(body)}."
    await _refused(sessions, unsigned, "algorithm")


async def test_hs256_keyed_with_the_public_key(sessions: Sessions) -> None:
    key = ec_key()
    public = json.dumps(key.as_dict(private=False)).encode()
    head = {"typ": "dpop+jwt", "alg": "HS256", "jwk": key.as_dict(private=False)}
    body = json.dumps({"jti": "h", "htm": "POST", "htu": URL, "iat": NOW})
    forged = jws.serialize_compact(head, body, OctKey.import_key(public), registry=SIGNER)
    await _refused(sessions, forged, "algorithm")


async def test_rs256_is_not_on_the_list(sessions: Sessions) -> None:
    key = RSAKey.generate_key(2048, private=True)
    await _refused(sessions, make_proof(key, alg="RS256"), "algorithm")


async def test_private_key_in_header(sessions: Sessions) -> None:
    key = ec_key()
    proof = make_proof(key, header={"jwk": key.as_dict(private=True)})
    await _refused(sessions, proof, "private")


@pytest.mark.parametrize(
    ("key", "alg"),
    [
        (ECKey.generate_key("P-384", private=True), "ES256"),
        (RSAKey.generate_key(2048, private=True), "ES256"),
        (ECKey.generate_key("P-256", private=True), "PS256"),
        (OKPKey.generate_key("Ed448", private=True), "Ed25519"),
    ],
    ids=["P-384/ES256", "RSA/ES256", "EC/PS256", "Ed448/Ed25519"],
)
async def test_key_type_must_fit_the_algorithm(sessions: Sessions, key: Any, alg: str) -> None:
    # Assembled by hand: joserfc would not sign this mismatch, an attacker would.
    head = {"typ": "dpop+jwt", "alg": alg, "jwk": key.as_dict(private=False)}
    body = {"jti": "k", "htm": "POST", "htu": URL, "iat": NOW}
    parts = (json.dumps(head).encode(), json.dumps(body).encode(), b"\x00" * 64)
    await _refused(sessions, ".".join(b64url(part) for part in parts), f"does not fit {alg}")


@pytest.mark.filterwarnings("ignore:Key size should be:joserfc.errors.SecurityWarning")
async def test_short_rsa_key(sessions: Sessions) -> None:
    key = RSAKey.generate_key(1024, private=True, auto_kid=False)
    await _refused(sessions, make_proof(key, alg="PS256"), "too short")


async def test_missing_jwk(sessions: Sessions) -> None:
    await _refused(sessions, make_proof(ec_key(), header={"jwk": None}), "no jwk")


async def test_bad_signature(sessions: Sessions) -> None:
    signer, other = ec_key(), ec_key()
    # Signed by one key, naming another: the named key must verify it.
    proof = make_proof(signer, header={"jwk": other.as_dict(private=False)})
    await _refused(sessions, proof, "signature")
    head, _body, signature = make_proof(signer).split(".")
    tampered_body = b64url_json({"jti": "t", "htm": "GET", "htu": URL, "iat": NOW})
    await _refused(sessions, f"{head}.{tampered_body}.{signature}", "signature")


@pytest.mark.parametrize(
    "proof", ["", "abc", "a.b", "a.b.c.d", "a.b.c", "x" * 9000], ids=lambda p: p[:8] or "empty"
)
async def test_malformed(sessions: Sessions, proof: str) -> None:
    await _refused(sessions, proof, "malformed|single|header")


async def test_two_proofs_in_one_header(sessions: Sessions) -> None:
    key = ec_key()
    await _refused(sessions, f"{make_proof(key)},{make_proof(key)}", "single|malformed")
    with pytest.raises(DpopError, match="more than one"):
        single_proof([make_proof(key), make_proof(key)])
    assert single_proof([]) is None


async def test_htm_mismatch(sessions: Sessions) -> None:
    await _refused(sessions, make_proof(ec_key(), htm="GET"), "htm")
    await _refused(sessions, make_proof(ec_key(), htm="post"), "htm")


@pytest.mark.parametrize(
    "htu",
    [
        "https://gateway.test/oauth/par",
        "http://gateway.test/oauth/token",
        "https://evil.test/oauth/token",
        "https://gateway.test:8443/oauth/token",
        "https://user@gateway.test/oauth/token",
        "/oauth/token",
    ],
)
async def test_htu_mismatch(sessions: Sessions, htu: str) -> None:
    await _refused(sessions, make_proof(ec_key(), htu=htu), "htu")


async def test_stale_iat(sessions: Sessions) -> None:
    await _refused(sessions, make_proof(ec_key(), iat=NOW - 61), "too old")
    await _refused(sessions, make_proof(ec_key(), iat=NOW - 20), "too old", max_age=10)


async def test_future_iat(sessions: Sessions) -> None:
    await _refused(sessions, make_proof(ec_key(), iat=NOW + 30), "future")
    await _verify(sessions, make_proof(ec_key(), iat=NOW + 2))  # a little clock skew is fine


@pytest.mark.parametrize("claim", ["jti", "iat", "htm", "htu"])
async def test_required_claims(sessions: Sessions, claim: str) -> None:
    await _refused(sessions, make_proof(ec_key(), claims={claim: None}), claim)


async def test_overlong_jti_and_boolean_iat(sessions: Sessions) -> None:
    await _refused(sessions, make_proof(ec_key(), jti="j" * 200), "jti")
    await _refused(sessions, make_proof(ec_key(), claims={"iat": True}), "iat")
    await _refused(sessions, make_proof(ec_key(), claims={"iat": "1900000000"}), "iat")
    # NaN passes every comparison: it must be refused as not a number, not crash the insert.
    await _refused(sessions, make_proof(ec_key(), claims={"iat": float("nan")}), "iat")


async def test_wrong_or_missing_ath(sessions: Sessions) -> None:
    key = ec_key()
    await _refused(sessions, make_proof(key, access_token="other"), "ath", access_token="mine")
    await _refused(sessions, make_proof(key), "ath", access_token="mine")


async def test_replayed_jti(sessions: Sessions) -> None:
    proof = make_proof(ec_key())
    await _verify(sessions, proof)
    await _refused(sessions, proof, "already been used")


async def test_same_jti_from_another_key_is_not_a_replay(sessions: Sessions) -> None:
    await _verify(sessions, make_proof(ec_key(), jti="shared"))
    await _verify(sessions, make_proof(ec_key(), jti="shared"))


async def test_replay_seen_by_another_worker(store_url: str) -> None:
    # Two workers: separate engines and session factories, one store.
    first, second = create_engine(store_url), create_engine(store_url)
    try:
        proof = make_proof(ec_key())
        await _verify(sessionmaker(first), proof)
        await _refused(sessionmaker(second), proof, "already been used")
    finally:
        await first.dispose()
        await second.dispose()


async def test_purge_removes_only_expired_rows(sessions: Sessions) -> None:
    proof = make_proof(ec_key(), iat=NOW)
    await _verify(sessions, proof)
    async with transaction(sessions) as session:
        assert await purge_expired(session, NOW + 1) == 0  # every row here is still in its window
    async with sessions() as session:
        count = await session.scalar(select(func.count()).select_from(JtiSeen))
    assert count and count > 0
    far = NOW + 10 * 365 * 86400
    async with transaction(sessions) as session:
        removed = await purge_expired(session, far, limit=3)
    assert 0 < removed <= 3
    async with transaction(sessions) as session:
        while await purge_expired(session, far):
            pass
    async with sessions() as session:
        assert await session.scalar(select(func.count()).select_from(JtiSeen)) == 0
    # The purge was for the future: today's proof is then forgotten, but still too old to use.
    await _refused(sessions, proof, "too old", now=far)


def test_thumbprint_rfc7638_example() -> None:
    # RFC 7638 §3.1.
    jwk = {
        "kty": "RSA",
        "n": (
            "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1"
            "L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4"
            "QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbO"
            "pbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csF"
            "Cur-kEgU8awapJzKnqDKgw"
        ),
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert jwk_thumbprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"
    key = ec_key()
    assert jwk_thumbprint(key.as_dict(private=False)) == key.thumbprint()
    with pytest.raises(DpopError):
        jwk_thumbprint({"kty": "oct", "k": "c2VjcmV0"})


@pytest.mark.postgres
async def test_postgres_store(postgres_url: str) -> None:
    url = await fresh_database(postgres_url, "darvazeh_dpop_test")
    await upgrade_async(url)
    workers = [create_engine(url), create_engine(url)]
    try:
        first, second = (sessionmaker(engine) for engine in workers)
        key = ec_key()
        now = time.time()
        proof = make_proof(key, iat=now, access_token="tok")
        result = await verify_dpop_proof(
            proof, method="POST", url=URL, sessions=first, access_token="tok"
        )
        assert result.jkt == key.thumbprint()
        with pytest.raises(DpopError, match="already been used"):
            await verify_dpop_proof(proof, method="POST", url=URL, sessions=second)
        # The failed insert left the second worker's connections usable.
        await verify_dpop_proof(make_proof(key, iat=now), method="POST", url=URL, sessions=second)
        async with transaction(second) as session:
            assert await purge_expired(session, now + 3600) == 2
    finally:
        for engine in workers:
            await engine.dispose()
