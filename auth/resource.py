"""Resource-server side: a request's access token (Bearer or DPoP-bound) to a Principal."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.dpop import ALGS_PARAMETER, DpopError, single_proof, verify_dpop_proof
from auth.keys import KeyRing
from auth.principal import Basis, Principal
from auth.tokens import QUERY_BUDGET_CLAIM, TokenError, verify_access_token
from standard.errors import DarvazehError, ErrorCode

Scheme = Literal["Bearer", "DPoP"]
_SCHEMES: dict[str, Scheme] = {"bearer": "Bearer", "dpop": "DPoP"}


class AuthenticationError(DarvazehError):
    """No usable access token; `www_authenticate` is the challenge to answer 401 with.

    `scheme` is the scheme the client must use (a DPoP-bound token sent as Bearer is told DPoP);
    `error` is `invalid_token`, or `invalid_dpop_proof` when only the proof is at fault.
    """

    code = ErrorCode.UNAUTHENTICATED

    def __init__(
        self, description: str, *, scheme: Scheme = "Bearer", error: str = "invalid_token"
    ) -> None:
        super().__init__(description)
        self.description = description
        self.scheme = scheme
        self.error = error

    @property
    def www_authenticate(self) -> str:
        description = self.description.replace("\\", "").replace('"', "'")
        challenge = f'{self.scheme} error="{self.error}", error_description="{description}"'
        if self.scheme == "DPoP":
            # RFC 9449 §7.1: tell the client which proof algorithms it may use.
            challenge += f', algs="{ALGS_PARAMETER}"'
        return challenge


async def authenticate(
    authorization_header: str | None,
    case_reference: str | None,
    keyring: KeyRing,
    *,
    issuer: str,
    audience: str,
    dpop: Sequence[str] = (),
    method: str | None = None,
    url: str | None = None,
    sessions: async_sessionmaker[AsyncSession] | None = None,
    now: float | None = None,
) -> Principal:
    """The Principal behind `Authorization`; DPoP-bound tokens also need the request's proof.

    `dpop` is every `DPoP` header value of the request, `method` its method, `url` the public URL
    it was sent to (default `audience`, the GraphQL endpoint) and `sessions` the store that
    remembers used proofs. Without `method` and `sessions`, DPoP tokens are refused.
    """
    if not authorization_header:
        raise AuthenticationError("missing access token")
    scheme_name, _, token = authorization_header.strip().partition(" ")
    token = token.strip()
    scheme = _SCHEMES.get(scheme_name.lower())
    if scheme is None or not token:
        raise AuthenticationError("authorization scheme must be Bearer or DPoP")
    try:
        claims = await verify_access_token(
            keyring, token, issuer=issuer, audience=audience, now=now
        )
    except TokenError as exc:
        raise AuthenticationError(exc.description, scheme=scheme) from exc
    bound_to = _bound_key(claims)
    proven: str | None = None
    if scheme == "Bearer" and bound_to is not None:
        # RFC 9449 §7.2: a sender-constrained token is worthless as a bearer token.
        raise AuthenticationError(
            "a DPoP-bound token must be sent with the DPoP scheme", scheme="DPoP"
        )
    if scheme == "DPoP":
        if bound_to is None:
            raise AuthenticationError("token is not DPoP-bound", scheme="DPoP")
        if method is None or sessions is None:
            raise AuthenticationError("DPoP is not accepted here", scheme="DPoP")
        proven = await _prove(dpop, token, bound_to, method, url or audience, sessions, now)
    return _principal(claims, case_reference, proven)


async def _prove(
    values: Sequence[str],
    token: str,
    bound_to: str,
    method: str,
    url: str,
    sessions: async_sessionmaker[AsyncSession],
    now: float | None,
) -> str:
    try:
        proof_value = single_proof(values)
        if proof_value is None:
            raise DpopError("missing DPoP proof")
        proof = await verify_dpop_proof(
            proof_value, method=method, url=url, sessions=sessions, access_token=token, now=now
        )
    except DpopError as exc:
        raise AuthenticationError(
            exc.description, scheme="DPoP", error="invalid_dpop_proof"
        ) from exc
    if proof.jkt != bound_to:
        # The proof is sound but made with another key: the token is not this client's.
        raise AuthenticationError("DPoP key does not match the token's binding", scheme="DPoP")
    return proof.jkt


def _bound_key(claims: dict[str, Any]) -> str | None:
    """The token's `cnf.jkt` (RFC 9449 §6.1), None for a bearer token."""
    if "cnf" not in claims:
        return None
    cnf = claims["cnf"]
    jkt = cnf.get("jkt") if isinstance(cnf, dict) else None
    if not isinstance(jkt, str) or not jkt:
        # A confirmation we cannot honour must not fall back to bearer use.
        raise AuthenticationError("token has an unusable cnf claim")
    return jkt


def _principal(claims: dict[str, Any], case_reference: str | None, jkt: str | None) -> Principal:
    try:
        basis = Basis(claims.get("basis"))
    except ValueError as exc:
        raise AuthenticationError("token carries no known legal basis") from exc
    if basis is Basis.SYSTEM:  # the gateway's own reads are never made with a token
        raise AuthenticationError("token carries no known legal basis")
    agency = claims.get("agency")
    if not isinstance(agency, str):
        raise AuthenticationError("token names no agency")
    reference = (case_reference or "").strip() or None
    return Principal(
        client_id=claims["client_id"],
        agency=agency,
        basis=basis,
        scopes=frozenset(claims["scope"].split()),
        token_id=claims["jti"],
        service_card=_optional_str(claims.get("service_card")),
        citizen=_optional_str(claims.get("citizen")),
        consent_id=_optional_str(claims.get("consent_id")),
        statute=_optional_str(claims.get("statute")),
        case_reference=reference,
        grant_id=_optional_str(claims.get("grant")),
        subject=_optional_str(claims.get("subject")),
        dpop_jkt=jkt,
        query_budget=_optional_positive_int(claims.get(QUERY_BUDGET_CLAIM)),
    )


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _optional_positive_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else None
