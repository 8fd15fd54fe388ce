"""DPoP proofs (RFC 9449): a request comes from the holder of the key its token is bound to.

The token endpoint calls `verify_dpop_proof` to learn the key to bind tokens to; the resource
server calls it with the access token (`ath`) and compares the proof's key with the token's
`cnf.jkt`. A proof is single-use: its `jti` is recorded in the store (`JtiSeen`), so a proof
replayed to any worker within its acceptance window is refused.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import math
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, OKPKey, RSAKey
from sqlalchemy import delete, insert, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from standard.errors import DarvazehError, ErrorCode
from store.db import transaction

# Through store.metadata, as it asks: JtiSeen's module references tables declared elsewhere.
from store.metadata import oauth_models

JtiSeen = oauth_models.JtiSeen

TYPE = "dpop+jwt"
# Asymmetric only (RFC 9449 §4.2): `none` and HS* are never accepted, whatever the header says.
# Ed25519 is EdDSA's fully-specified name (RFC 9864), which joserfc prefers.
ALGORITHMS: tuple[str, ...] = ("ES256", "ES384", "PS256", "EdDSA", "Ed25519")
# For `WWW-Authenticate: DPoP algs="..."` and `dpop_signing_alg_values_supported`.
ALGS_PARAMETER = " ".join(ALGORITHMS)
# Proofs may be stamped this far in the future: client clocks drift a little.
FUTURE_SKEW_SECONDS = 5
# A recorded jti outlives its proof's window by this much, so workers whose clocks disagree
# (one purging early, another still accepting) cannot open a replay gap.
JTI_RETENTION_LEEWAY_SECONDS = 30
# About one verification in this many also deletes some expired jti rows (bounded below).
PURGE_ONE_IN = 32
PURGE_BATCH = 200
MAX_PROOF_LENGTH = 8192
MAX_JTI_LENGTH = 128
MAX_HTU_LENGTH = 2048
MIN_RSA_BITS = 2048

_REGISTRY = jws.JWSRegistry(algorithms=list(ALGORITHMS))
# joserfc's default (512 bytes) is too small for a header carrying an RSA key.
_REGISTRY.max_header_length = 4096
# The key type (and curves) each algorithm may be used with.
_KEY_TYPES: dict[str, tuple[str, frozenset[str] | None]] = {
    "ES256": ("EC", frozenset({"P-256"})),
    "ES384": ("EC", frozenset({"P-384"})),
    "PS256": ("RSA", None),
    "EdDSA": ("OKP", frozenset({"Ed25519", "Ed448"})),
    "Ed25519": ("OKP", frozenset({"Ed25519"})),
}
_KEY_CLASSES: dict[str, type[ECKey] | type[RSAKey] | type[OKPKey]] = {
    "EC": ECKey,
    "RSA": RSAKey,
    "OKP": OKPKey,
}
# RFC 7638 §3.2: the required members that make a key's thumbprint.
_THUMBPRINT_MEMBERS = {
    "EC": ("crv", "kty", "x", "y"),
    "RSA": ("e", "kty", "n"),
    "OKP": ("crv", "kty", "x"),
}
# Members that only a private (or symmetric) key has; a proof must publish none of them.
_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})
_DEFAULT_PORTS = {"http": 80, "https": 443}
_HEX = frozenset("0123456789abcdefABCDEF")
logger = logging.getLogger(__name__)


class DpopError(DarvazehError):
    """The proof is not acceptable (`invalid_dpop_proof`); `description` is safe to return."""

    code = ErrorCode.UNAUTHENTICATED

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


@dataclass(frozen=True, slots=True)
class DpopProof:
    jkt: str  # RFC 7638 thumbprint of the proof's key: what tokens are bound to (`cnf.jkt`)
    jti: str
    iat: int


def single_proof(values: Sequence[str]) -> str | None:
    """The one `DPoP` header value of a request, None without one (RFC 9449 §4.3 check 1)."""
    if not values:
        return None
    if len(values) > 1:
        raise DpopError("more than one DPoP header")
    return values[0]


def jwk_thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 thumbprint (SHA-256, base64url without padding) of a public EC, RSA or OKP key."""
    kty = jwk.get("kty")
    members = _THUMBPRINT_MEMBERS.get(kty) if isinstance(kty, str) else None
    if members is None:
        raise DpopError("unsupported key type")
    required = {}
    for name in members:
        value = jwk.get(name)
        if not isinstance(value, str) or not value:
            raise DpopError(f"key lacks member {name}")
        required[name] = value
    canonical = json.dumps(required, separators=(",", ":"), sort_keys=True)
    return _b64(hashlib.sha256(canonical.encode("utf-8")).digest())


def access_token_hash(access_token: str) -> str:
    """The `ath` claim for a token: base64url(SHA-256(ASCII token))."""
    return _b64(hashlib.sha256(access_token.encode()).digest())


async def verify_dpop_proof(
    proof: str,
    *,
    method: str,
    url: str,
    sessions: async_sessionmaker[AsyncSession],
    access_token: str | None = None,
    now: float | None = None,
    max_age: int = 60,
) -> DpopProof:
    """The checks of RFC 9449 §4.3 for a request `method url`; raises DpopError on any failure.

    On success the proof's jti is recorded, so the same proof is refused next time, anywhere.
    """
    current = time.time() if now is None else now
    obj, header = _parse(proof)
    alg = header["alg"]
    key = _public_key(header.get("jwk"), alg)
    try:
        valid = jws.validate_compact(obj, key, registry=_REGISTRY)
    except (JoseError, ValueError) as exc:
        raise DpopError("invalid proof signature") from exc
    if not valid:
        raise DpopError("invalid proof signature")
    claims = _claims(obj.payload)
    jti = claims.get("jti")
    if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_LENGTH:
        raise DpopError("proof jti missing or too long")
    if claims.get("htm") != method:
        raise DpopError("proof htm does not match the request method")
    htu = claims.get("htu")
    if not isinstance(htu, str) or len(htu) > MAX_HTU_LENGTH or not _same_uri(htu, url):
        raise DpopError("proof htu does not match the request URL")
    iat = claims.get("iat")
    # json accepts NaN, which compares false with everything and would slip past the window.
    if isinstance(iat, bool) or not isinstance(iat, int | float) or not math.isfinite(iat):
        raise DpopError("proof iat missing or not a number")
    if iat < current - max_age:
        raise DpopError("proof is too old")
    if iat > current + FUTURE_SKEW_SECONDS:
        raise DpopError("proof is issued in the future")
    if access_token is not None:
        ath = claims.get("ath")
        if not isinstance(ath, str) or not hmac.compare_digest(
            ath.encode("ascii", "replace"), access_token_hash(access_token).encode("ascii")
        ):
            raise DpopError("proof ath does not match the access token")
    jkt = jwk_thumbprint(header["jwk"])
    expires = iat + max_age + FUTURE_SKEW_SECONDS + JTI_RETENTION_LEEWAY_SECONDS
    await _record_once(sessions, _jti_key(jkt, jti), expires, current)
    return DpopProof(jkt=jkt, jti=jti, iat=int(iat))


async def purge_expired(session: AsyncSession, now: float, *, limit: int = PURGE_BATCH) -> int:
    """Delete up to `limit` expired one-time JWT ids (DPoP and client assertions alike)."""
    # Select then delete by key: `DELETE ... LIMIT` and LIMIT in an IN-subquery are not portable.
    cutoff = datetime.fromtimestamp(now, UTC)
    stale = (
        await session.scalars(
            select(JtiSeen.jti_hash).where(JtiSeen.expires_at < cutoff).limit(limit)
        )
    ).all()
    if stale:
        await session.execute(delete(JtiSeen).where(JtiSeen.jti_hash.in_(stale)))
    return len(stale)


# -- parsing ------------------------------------------------------------------------------------


def _parse(proof: str) -> tuple[jws.CompactSignature, dict[str, Any]]:
    if not isinstance(proof, str) or not proof or len(proof) > MAX_PROOF_LENGTH:
        raise DpopError("malformed proof")
    if proof.count(".") != 2:
        raise DpopError("proof is not a single compact JWS")
    try:
        header = json.loads(_unb64(proof.split(".", 1)[0]))
    except ValueError as exc:
        raise DpopError("malformed proof header") from exc
    if not isinstance(header, dict):
        raise DpopError("malformed proof header")
    # Checked before joserfc sees the token, so the allow-list is ours, not a library default.
    if header.get("alg") not in ALGORITHMS:
        raise DpopError("unsupported proof algorithm")
    typ = header.get("typ")
    if not isinstance(typ, str) or typ.lower() != TYPE:
        raise DpopError("proof typ must be dpop+jwt")
    if "crit" in header:
        raise DpopError("unsupported critical header")
    try:
        obj = jws.extract_compact(proof.encode("ascii"), registry=_REGISTRY)
    except (JoseError, ValueError, UnicodeError) as exc:
        raise DpopError("malformed proof") from exc
    return obj, header


def _public_key(jwk: object, alg: str) -> ECKey | RSAKey | OKPKey:
    if not isinstance(jwk, dict):
        raise DpopError("proof header has no jwk")
    if _PRIVATE_MEMBERS.intersection(jwk):
        raise DpopError("proof jwk must not contain private key material")
    kty, curves = _KEY_TYPES[alg]
    if jwk.get("kty") != kty or (curves is not None and jwk.get("crv") not in curves):
        raise DpopError(f"proof jwk does not fit {alg}")
    if kty == "RSA" and _rsa_bits(jwk.get("n")) < MIN_RSA_BITS:
        raise DpopError("proof RSA key is too short")
    try:
        return _KEY_CLASSES[kty].import_key(jwk)
    except (JoseError, ValueError, TypeError) as exc:
        raise DpopError("proof jwk is not a valid key") from exc


def _rsa_bits(modulus: object) -> int:
    try:
        return (
            int.from_bytes(_unb64(modulus), "big").bit_length() if isinstance(modulus, str) else 0
        )
    except ValueError:
        return 0


def _claims(payload: bytes) -> dict[str, Any]:
    try:
        claims = json.loads(payload)
    except ValueError as exc:
        raise DpopError("malformed proof claims") from exc
    if not isinstance(claims, dict):
        raise DpopError("malformed proof claims")
    return claims


def _same_uri(htu: str, url: str) -> bool:
    normal = _normalise(htu)
    return normal is not None and normal == _normalise(url)


def _normalise(uri: str) -> str | None:
    """scheme://host[:port]/path, normalised (RFC 3986 §6.2.2-3); no query, no fragment."""
    try:
        parts = urlsplit(uri)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in _DEFAULT_PORTS or not host or parts.username is not None:
        return None
    if ":" in host:  # IPv6 literal: urlsplit took the brackets off
        host = f"[{host}]"
    authority = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return f"{scheme}://{authority}{_normalise_path(parts.path)}"


def _normalise_path(path: str) -> str:
    if not path:
        return "/"
    # Upper-case percent escapes and decode the unreserved ones, as RFC 3986 §6.2.2 says.
    pieces = path.split("%")
    out = [pieces[0]]
    for piece in pieces[1:]:
        escape, rest = piece[:2], piece[2:]
        if len(escape) < 2 or not _HEX.issuperset(escape):
            out.append("%" + piece)  # not an escape: compared as it is
            continue
        char = chr(int(escape, 16))
        if char.isascii() and (char.isalnum() or char in "-._~"):
            out.append(char + rest)
        else:
            out.append("%" + escape.upper() + rest)
    return "".join(out)


# -- replay -------------------------------------------------------------------------------------


def _jti_key(jkt: str, jti: str) -> str:
    return hashlib.sha256(f"dpop:{jkt}:{jti}".encode()).hexdigest()


async def _record_once(
    sessions: async_sessionmaker[AsyncSession], key: str, expires: float, now: float
) -> None:
    try:
        async with transaction(sessions) as session:
            # The primary key makes this atomic across workers: a second insert conflicts.
            expires_at = datetime.fromtimestamp(expires, UTC)
            await session.execute(insert(JtiSeen).values(jti_hash=key, expires_at=expires_at))
    except IntegrityError as exc:
        raise DpopError("proof jti has already been used") from exc
    if secrets.randbelow(PURGE_ONE_IN) == 0:
        # Its own transaction: housekeeping that fails (a lock conflict between two purging
        # workers) must not fail a valid proof; the next purge catches up.
        try:
            async with transaction(sessions) as session:
                await purge_expired(session, now)
        except SQLAlchemyError:
            logger.warning("purging expired jtis failed", exc_info=True)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not text or not text.isascii():
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
