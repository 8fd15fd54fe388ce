"""RFC 9068 JWT access tokens: issue with the ring's signing key, verify on every request."""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from joserfc import jws
from joserfc.errors import JoseError

from standard.errors import DarvazehError, ErrorCode

if TYPE_CHECKING:
    from auth.keys import KeyRing, SigningKeyPair

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
# The client's own query cost budget, when its registration sets one.
QUERY_BUDGET_CLAIM = "query_budget"


class TokenError(DarvazehError):
    """The token is not acceptable; `description` is safe to return to the client."""

    code = ErrorCode.UNAUTHENTICATED

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


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
    _check_claims(claims, issuer, audience, time.time() if now is None else now)
    return claims


def _check_claims(claims: dict[str, Any], issuer: str, audience: str, now: float) -> None:
    missing = [name for name in REQUIRED_CLAIMS if name not in claims]
    if missing:
        raise TokenError(f"missing claims: {', '.join(missing)}")
    for name in ("exp", "iat", "nbf"):
        value = claims.get(name)
        # bool is an int subclass; a token saying exp=true is malformed, not "1 second".
        if name in claims and (isinstance(value, bool) or not isinstance(value, int | float)):
            raise TokenError(f"claim {name} must be a number")
    if now >= claims["exp"] + LEEWAY_SECONDS:
        raise TokenError("token expired")
    if claims["iat"] > now + LEEWAY_SECONDS:
        raise TokenError("token issued in the future")
    if "nbf" in claims and claims["nbf"] > now + LEEWAY_SECONDS:
        raise TokenError("token not yet valid")
    if claims["iss"] != issuer:
        raise TokenError("wrong issuer")
    aud = claims["aud"]
    if not (aud == audience or (isinstance(aud, list) and audience in aud)):
        raise TokenError("wrong audience")
    for name in ("sub", "jti", "client_id", "scope"):
        if not isinstance(claims[name], str):
            raise TokenError(f"claim {name} must be a string")
