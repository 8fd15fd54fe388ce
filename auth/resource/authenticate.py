"""Resource side: a request's access token (Bearer or DPoP-bound) to a Principal, and the
WWW-Authenticate challenge a refusal answers with (RFC 6750 §3, RFC 9449 §7.1), built here only."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from auth.core.access_tokens import TokenClaims, TokenError, token_claims, verify_access_token
from auth.core.dpop import ALGS_PARAMETER, DpopError, single_proof, verify_dpop_proof
from auth.core.keys import KeyRing
from auth.core.principal import Principal
from standard.errors import DarvazehError, ErrorCode

Scheme = Literal["Bearer", "DPoP"]
_SCHEMES: dict[str, Scheme] = {"bearer": "Bearer", "dpop": "DPoP"}
REALM = "darvazeh"


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
        return challenge(self)


def challenge(refused: AuthenticationError | None) -> str:
    """The WWW-Authenticate value of a 401: why the token was refused, or (no token at all) the
    schemes a client may use."""
    if refused is None:
        return f'Bearer realm="{REALM}", DPoP algs="{ALGS_PARAMETER}"'
    description = refused.description.replace("\\", "").replace('"', "'")
    found = f'{refused.scheme} error="{refused.error}", error_description="{description}"'
    if refused.scheme == "DPoP":
        # RFC 9449 §7.1: tell the client which proof algorithms it may use.
        found += f', algs="{ALGS_PARAMETER}"'
    return found


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
    try:
        says = token_claims(claims)
    except TokenError as exc:
        raise AuthenticationError(exc.description) from exc
    proven: str | None = None
    if scheme == "Bearer" and says.dpop_jkt is not None:
        # RFC 9449 §7.2: a sender-constrained token is worthless as a bearer token.
        raise AuthenticationError(
            "a DPoP-bound token must be sent with the DPoP scheme", scheme="DPoP"
        )
    if scheme == "DPoP":
        if says.dpop_jkt is None:
            raise AuthenticationError("token is not DPoP-bound", scheme="DPoP")
        if method is None or sessions is None:
            raise AuthenticationError("DPoP is not accepted here", scheme="DPoP")
        proven = await _prove(dpop, token, says.dpop_jkt, method, url or audience, sessions, now)
    return _principal(claims, says, case_reference, proven)


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


def _principal(
    claims: Mapping[str, Any], says: TokenClaims, case_reference: str | None, jkt: str | None
) -> Principal:
    reference = (case_reference or "").strip() or None
    return Principal(
        client_id=claims["client_id"],
        agency=says.agency,
        basis=says.basis,
        scopes=frozenset(claims["scope"].split()),
        token_id=claims["jti"],
        service_card=says.service_card,
        citizen=says.citizen,
        consent_id=says.consent_id,
        statute=says.statute,
        case_reference=reference,
        grant_id=says.grant_id,
        subject=says.data_subject,
        dpop_jkt=jkt,
        query_budget=says.query_budget,
        expires_at=float(claims["exp"]),
    )
