"""RFC 9068 JWT access tokens: the one place they are signed, and the one place they are verified.

The claims a token carries beyond RFC 9068's (`basis`, `agency`, the consent's, ...) are stated
once, in `TokenClaims`: the authorization server fills one in, the resource side reads one back.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from joserfc import jws
from joserfc.errors import (
    ClaimError,
    ExpiredTokenError,
    InvalidClaimError,
    JoseError,
    MissingClaimError,
)
from joserfc.jwt import ClaimsOption, JWTClaimsRegistry

from auth.core.keys import KeyRing, PublicKey, SigningKeyPair
from auth.core.principal import Basis
from standard.errors import DarvazehError, ErrorCode

ALGORITHM = "ES256"
TOKEN_TYPE = "at+jwt"
LEEWAY_SECONDS = 30
REQUIRED_CLAIMS = ("iss", "sub", "aud", "exp", "iat", "jti", "client_id", "scope")
# Claims the issuer sets itself; extra claims may not override them.
_RESERVED = frozenset({*REQUIRED_CLAIMS, "nbf"})
# One registry, built once: ES256 only, so `none`, HS256 (even keyed with our public key) and
# RS256 are refused before any key is looked at.
_REGISTRY = jws.JWSRegistry(algorithms=[ALGORITHM])
_MAX_TOKEN_LENGTH = 8192
# Verified tokens remembered per worker (least recently used forgotten first): a client sends the
# same token for minutes, and its ES256 signature need only be checked once.
MAX_VERIFIED_TOKENS = 10_000
# The client's own query cost budget, when its registration sets one.
QUERY_BUDGET_CLAIM = "query_budget"


class TokenError(DarvazehError):
    """The token is not acceptable; `description` is safe to return to the client."""

    code = ErrorCode.UNAUTHENTICATED

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


@dataclass(frozen=True, slots=True)
class TokenClaims:
    """What an access token says about its holder, beyond RFC 9068's claims."""

    basis: Basis
    agency: str
    service_card: str | None = None
    statute: str | None = None  # the law a statutory client reads under
    # Consent tokens: the citizen who consented, whose data (them or their child), the consent
    # and the grant (the family of tokens of one authorization code).
    citizen: str | None = None
    data_subject: str | None = None
    consent_id: str | None = None
    grant_id: str | None = None
    dpop_jkt: str | None = None  # RFC 9449 §6.1: the key the token is bound to (`cnf.jkt`)
    query_budget: int | None = None

    def as_claims(self) -> dict[str, Any]:
        found: dict[str, Any] = {"basis": self.basis.value, "agency": self.agency}
        optional = {
            "service_card": self.service_card,
            "statute": self.statute,
            "citizen": self.citizen,
            "subject": self.data_subject,
            "consent_id": self.consent_id,
            "grant": self.grant_id,
            QUERY_BUDGET_CLAIM: self.query_budget,
        }
        found |= {name: value for name, value in optional.items() if value is not None}
        if self.dpop_jkt is not None:
            found["cnf"] = {"jkt": self.dpop_jkt}
        return found


def issue_access_token(
    key: SigningKeyPair,
    *,
    issuer: str,
    audience: str,
    client_id: str,
    subject: str,
    scopes: Iterable[str],
    ttl: int,
    claims: Mapping[str, Any] | None = None,
    now: int | None = None,
) -> tuple[str, str, int]:
    """Sign an access token; returns (token, jti, expires_at as epoch seconds)."""
    extra = dict(claims or {})
    if clash := _RESERVED.intersection(extra):
        raise ValueError(f"extra claims may not set {sorted(clash)}")
    issued_at = int(time.time()) if now is None else now
    jti = secrets.token_urlsafe(16)
    expires_at = issued_at + ttl
    payload = {
        "iss": issuer,
        "sub": subject,
        "aud": audience,
        "exp": expires_at,
        "iat": issued_at,
        "nbf": issued_at,
        "jti": jti,
        "client_id": client_id,
        "scope": " ".join(sorted(set(scopes))),
        **extra,
    }
    header = {"typ": TOKEN_TYPE, "alg": ALGORITHM, "kid": key.kid}
    body = json.dumps(payload, separators=(",", ":"))
    token = jws.serialize_compact(header, body, key.jwk, registry=_REGISTRY)
    return token, jti, expires_at


class _AccessTokenRules(JWTClaimsRegistry):
    """joserfc's checks of the registered claims (types, lifetime with leeway, issuer, audience),
    and RFC 9068's own string claims."""

    def validate_client_id(self, value: object) -> None:
        if not isinstance(value, str):
            raise InvalidClaimError("client_id", "Claim 'client_id' must be a string")

    def validate_scope(self, value: object) -> None:
        if not isinstance(value, str):
            raise InvalidClaimError("scope", "Claim 'scope' must be a string")


def _rules(issuer: str, audience: str, now: float) -> _AccessTokenRules:
    present: ClaimsOption = {"essential": True, "allow_blank": True}
    return _AccessTokenRules(
        now=math.floor(now),
        leeway=LEEWAY_SECONDS,
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": audience},
        **{name: present for name in REQUIRED_CLAIMS if name not in ("iss", "aud")},
    )


class VerifiedTokens:
    """Tokens whose signature has been checked, by SHA-256 of the token, with the key that
    checked it and their claims. A hit still checks the claims (times, issuer, audience) and
    that the same key is still published under its id; only the signature and the parsing are
    skipped."""

    def __init__(self, size: int = MAX_VERIFIED_TOKENS) -> None:
        self._size = size
        self._seen: OrderedDict[bytes, tuple[PublicKey, str, dict[str, Any]]] = OrderedDict()

    def get(self, digest: bytes) -> tuple[PublicKey, str, dict[str, Any]] | None:
        found = self._seen.get(digest)
        if found is not None:
            self._seen.move_to_end(digest)
        return found

    def put(self, digest: bytes, entry: tuple[PublicKey, str, dict[str, Any]]) -> None:
        self._seen[digest] = entry
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)

    def clear(self) -> None:
        self._seen.clear()


VERIFIED = VerifiedTokens()


async def verify_access_token(
    keyring: KeyRing,
    token: str,
    *,
    issuer: str,
    audience: str,
    now: float | None = None,
) -> dict[str, Any]:
    """The claims of a valid access token for `audience`; raises TokenError otherwise."""
    if not token or len(token) > _MAX_TOKEN_LENGTH:
        raise TokenError("malformed token")
    digest = hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()
    seen = VERIFIED.get(digest)
    if seen is not None:
        signer, signer_id, known = seen
        published = await keyring.key_for(signer_id)
        if published is None:
            raise TokenError("unknown signing key")
        if published is signer:
            return _checked(known, issuer, audience, now)
        # Another key ring (or a reloaded key) publishes that id: check the signature again.
    try:
        obj = jws.extract_compact(token.encode("ascii"), registry=_REGISTRY)
    except (JoseError, ValueError, UnicodeError) as exc:
        raise TokenError("malformed token") from exc
    header = obj.headers()
    if header.get("alg") != ALGORITHM:
        raise TokenError("unsupported token algorithm")
    typ = header.get("typ")
    if not isinstance(typ, str) or typ.lower() not in {TOKEN_TYPE, "application/" + TOKEN_TYPE}:
        raise TokenError("not an access token (typ must be at+jwt)")
    if "crit" in header:
        raise TokenError("unsupported critical header")
    kid = header.get("kid")
    if not isinstance(kid, str):
        raise TokenError("token has no key id")
    key = await keyring.key_for(kid)
    if key is None:
        raise TokenError("unknown signing key")
    try:
        valid = jws.validate_compact(obj, key.jwk, registry=_REGISTRY)
    except JoseError as exc:
        raise TokenError("invalid signature") from exc
    if not valid:
        raise TokenError("invalid signature")
    try:
        claims = json.loads(obj.payload)
    except ValueError as exc:
        raise TokenError("malformed claims") from exc
    if not isinstance(claims, dict):
        raise TokenError("malformed claims")
    checked = _checked(claims, issuer, audience, now)
    VERIFIED.put(digest, (key, kid, claims))
    return checked


def _checked(
    claims: dict[str, Any], issuer: str, audience: str, now: float | None
) -> dict[str, Any]:
    """The claims when they hold at `now` (each caller gets its own copy)."""
    try:
        _rules(issuer, audience, time.time() if now is None else now).validate(claims)
    except ClaimError as exc:
        raise TokenError(_problem(exc, claims)) from exc
    return dict(claims)


_TIME_PROBLEMS = {
    "exp": "token expired",
    "iat": "token issued in the future",
    "nbf": "token not yet valid",
}
_PROBLEMS = {"iss": "wrong issuer", "aud": "wrong audience"}


def _problem(error: ClaimError, claims: dict[str, Any]) -> str:
    """The client-safe reason, in the gateway's words."""
    if isinstance(error, MissingClaimError):
        return f"missing claims: {', '.join(error.claim.split(','))}"
    if isinstance(error, ExpiredTokenError):
        return _TIME_PROBLEMS["exp"]
    name = error.claim
    if name in _TIME_PROBLEMS:
        value = claims.get(name)
        if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
            return _TIME_PROBLEMS[name]
        return f"claim {name} must be a number"
    return _PROBLEMS.get(name, f"claim {name} must be a string")


def token_claims(claims: Mapping[str, Any]) -> TokenClaims:
    """What a verified token says of its holder; raises TokenError when it cannot be used."""
    named = claims.get("basis")
    try:
        basis = Basis(named) if isinstance(named, str) else None
    except ValueError:
        basis = None
    if basis is None or basis is Basis.SYSTEM:  # the gateway's own reads never use a token
        raise TokenError("token carries no known legal basis")
    agency = claims.get("agency")
    if not isinstance(agency, str):
        raise TokenError("token names no agency")
    return TokenClaims(
        basis=basis,
        agency=agency,
        service_card=_optional_str(claims.get("service_card")),
        statute=_optional_str(claims.get("statute")),
        citizen=_optional_str(claims.get("citizen")),
        data_subject=_optional_str(claims.get("subject")),
        consent_id=_optional_str(claims.get("consent_id")),
        grant_id=_optional_str(claims.get("grant")),
        dpop_jkt=_bound_key(claims),
        query_budget=_optional_positive_int(claims.get(QUERY_BUDGET_CLAIM)),
    )


def _bound_key(claims: Mapping[str, Any]) -> str | None:
    """The token's `cnf.jkt` (RFC 9449 §6.1), None for a bearer token."""
    if "cnf" not in claims:
        return None
    cnf = claims["cnf"]
    jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
    if not isinstance(jkt, str) or not jkt:
        # A confirmation we cannot honour must not fall back to bearer use.
        raise TokenError("token has an unusable cnf claim")
    return jkt


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _optional_positive_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
