"""Resource-server side: a request's bearer token (and case reference) to a Principal."""

from __future__ import annotations

from auth.keys import KeyRing
from auth.principal import Basis, Principal
from auth.tokens import TokenError, verify_access_token


class AuthenticationError(Exception):
    """No usable access token; `description` fits `WWW-Authenticate: Bearer error_description`."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description

    @property
    def www_authenticate(self) -> str:
        description = self.description.replace("\\", "").replace('"', "'")
        return f'Bearer error="invalid_token", error_description="{description}"'


async def authenticate(
    authorization_header: str | None,
    case_reference: str | None,
    keyring: KeyRing,
    *,
    issuer: str,
    audience: str,
) -> Principal:
    if not authorization_header:
        raise AuthenticationError("missing access token")
    scheme, _, token = authorization_header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise AuthenticationError("authorization scheme must be Bearer")
    try:
        claims = await verify_access_token(keyring, token, issuer=issuer, audience=audience)
    except TokenError as exc:
        raise AuthenticationError(exc.description) from exc
    try:
        basis = Basis(claims.get("basis"))
    except ValueError as exc:
        raise AuthenticationError("token carries no known legal basis") from exc
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
        case_reference=reference,
    )


def _optional_str(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
