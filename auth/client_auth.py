"""Client authentication methods: `client_secret_basic` (Authlib's) and `private_key_jwt`
(RFC 7523 §2.2), whose assertion is signed by a key the client registered in its JWKS.

Authlib checks the shape; the rules a strict server adds live here: ES256/PS256 only (so `none`
and HS256-keyed-with-a-public-key never reach a key), `iss` = `sub` = the client, `aud` naming this
server, a short lifetime, and a `jti` used once across every worker (kept in the store).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from authlib.oauth2.rfc6749 import InvalidClientError
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, KeySet, RSAKey

from auth.oauth_call import current_session
from auth.paths import PAR_PATH, TOKEN_PATH, endpoint_url
from store.db import aware
from store.oauth_models import JtiSeen

if TYPE_CHECKING:
    from auth.authorization_server import Client, DarvazehAuthorizationServer

CLIENT_SECRET_BASIC = "client_secret_basic"
PRIVATE_KEY_JWT = "private_key_jwt"
TOKEN_AUTH_METHODS = (CLIENT_SECRET_BASIC, PRIVATE_KEY_JWT)
ASSERTION_ALGORITHMS = ("ES256", "PS256")
_KEY_TYPES = {"ES256": "EC", "PS256": "RSA"}
MAX_ASSERTION_LIFETIME = 300  # seconds from now to `exp`
LEEWAY = 30  # clock skew between the client and us
MAX_JTI_LENGTH = 256


# What every failed client authentication answers, at every endpoint (token, PAR, revocation,
# introspection): an unknown client and a wrong credential must look alike. The particular
# reason goes to the log only.
CLIENT_AUTH_FAILED = "Client authentication failed."


def client_authentication_failed() -> InvalidClientError:
    return InvalidClientError(description=CLIENT_AUTH_FAILED, status_code=401)


def _refuse(description: str) -> InvalidClientError:
    return InvalidClientError(description=description, status_code=401)


class SignedAssertionError(InvalidClientError):
    """A fault in an assertion whose signature a registered key verified: only the client can
    have made it, so its reason is told (expired, replayed, wrong audience...) rather than the
    one answer every other authentication failure gets."""

    def __init__(self, description: str) -> None:
        super().__init__(description=description, status_code=401)


class PrivateKeyJwt(JWTBearerClientAssertion):
    CLIENT_AUTH_METHOD = PRIVATE_KEY_JWT

    def __init__(self, server: DarvazehAuthorizationServer) -> None:
        super().__init__(validate_jti=True, leeway=LEEWAY)
        self.server = server

    def __call__(self, query_client: Any, request: Any) -> Any:
        """Authlib's, but an assertion naming an unknown client costs a signature check too."""
        data = request.form
        assertion = data.get("client_assertion")
        if data.get("client_assertion_type") != self.CLIENT_ASSERTION_TYPE or not assertion:
            return None
        headers, claims = self.extract_assertion(assertion)
        client_id = claims.get("sub")
        client = query_client(client_id) if isinstance(client_id, str) else None
        if client is None:
            _decoy_verify(assertion, headers.get("alg"))
            raise _refuse("The client assertion names no known client.")
        request.client = client
        self.process_assertion_claims(assertion, self.resolve_client_public_key(client))
        return self.authenticate_client(client)

    def get_audiences(self) -> list[str]:
        # RFC 7523 §3 and RFC 9126 §2: the issuer, the token endpoint or the PAR endpoint.
        issuer = self.server.issuer
        return [issuer, endpoint_url(issuer, TOKEN_PATH), endpoint_url(issuer, PAR_PATH)]

    def resolve_client_public_key(self, client: Client) -> KeySet:
        jwks = client.row.jwks
        if not jwks:
            raise _refuse("The client has no registered keys.")
        try:
            return KeySet.import_key_set(jwks)
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise _refuse("The client's registered keys cannot be read.") from exc

    def process_assertion_claims(self, assertion: str, resolve_key: Any) -> dict[str, Any]:
        headers, _claims = self.extract_assertion(assertion)
        alg = headers.get("alg")
        if alg not in ASSERTION_ALGORITHMS:
            raise _refuse(
                f"Client assertions must be signed with {' or '.join(ASSERTION_ALGORITHMS)}."
            )
        key = _pick_key(resolve_key, headers.get("kid"), alg)
        try:
            token = jwt.decode(assertion, key, algorithms=[alg])
        except (JoseError, ValueError) as exc:
            raise _refuse("The client assertion's signature is not valid.") from exc
        self.verify_claims(token.claims)
        return token.claims

    def verify_claims(self, claims: Any) -> None:
        now = self.server.clock()
        for name in ("iss", "sub", "aud", "exp", "jti"):
            if name not in claims:
                raise SignedAssertionError(f"The client assertion has no {name} claim.")
        if claims["iss"] != claims["sub"]:
            raise SignedAssertionError(
                "The client assertion's iss and sub must both be the client id."
            )
        audience = claims["aud"]
        audiences = audience if isinstance(audience, list) else [audience]
        if not set(self.get_audiences()).intersection(a for a in audiences if isinstance(a, str)):
            raise SignedAssertionError("The client assertion's aud must be this server's issuer.")
        for name in ("exp", "iat", "nbf"):
            value = claims.get(name)
            if name in claims and (isinstance(value, bool) or not isinstance(value, int | float)):
                raise SignedAssertionError(f"The client assertion's {name} must be a number.")
        if claims["exp"] <= now - LEEWAY:
            raise SignedAssertionError("The client assertion has expired.")
        if claims["exp"] > now + MAX_ASSERTION_LIFETIME + LEEWAY:
            raise SignedAssertionError(
                f"Client assertions may live at most {MAX_ASSERTION_LIFETIME} s."
            )
        if claims.get("iat", now) > now + LEEWAY or claims.get("nbf", now) > now + LEEWAY:
            raise SignedAssertionError("The client assertion is not valid yet.")
        jti = claims["jti"]
        if not isinstance(jti, str) or not 0 < len(jti) <= MAX_JTI_LENGTH:
            raise SignedAssertionError("The client assertion's jti must be a short string.")
        if not self.validate_jti(claims, jti):
            raise SignedAssertionError("The client assertion was already used (jti seen before).")

    def validate_jti(self, claims: Any, jti: str) -> bool:
        # Check, then insert in the call's transaction: the primary key still refuses a
        # concurrent twin at commit, so a replay never succeeds, even across workers.
        session = current_session()
        key = hashlib.sha256(f"client_assertion:{claims['iss']}:{jti}".encode()).hexdigest()
        now = datetime.fromtimestamp(self.server.clock(), UTC)
        expires_at = datetime.fromtimestamp(claims["exp"] + LEEWAY, UTC)
        seen = session.get(JtiSeen, key)
        if seen is not None:
            if aware(seen.expires_at) > now:
                return False
            seen.expires_at = expires_at  # a purged-late row of an assertion long expired
        else:
            session.add(JtiSeen(jti_hash=key, expires_at=expires_at))
        session.flush()
        return True


@functools.cache
def _decoy_key(alg: str) -> ECKey | RSAKey:
    """A key nobody holds, verified against when an assertion names an unknown client, so that
    costs what a known client's signature check costs."""
    if alg == "ES256":
        return ECKey.generate_key("P-256", private=False)
    return RSAKey.generate_key(2048, private=False)


def _decoy_verify(assertion: str, alg: object) -> None:
    if alg not in ASSERTION_ALGORITHMS:
        return  # refused before any key is tried, as for a known client
    with contextlib.suppress(JoseError, ValueError):
        jwt.decode(assertion, _decoy_key(str(alg)), algorithms=[str(alg)])


def _pick_key(keys: Any, kid: object, alg: str) -> Any:
    """The registered key that must have signed: by `kid`, or the only key fit for `alg`."""
    if not isinstance(keys, KeySet):  # pragma: no cover - resolve_client_public_key returns one
        raise _refuse("The client's registered keys cannot be read.")
    fit = [key for key in keys.keys if key.key_type == _KEY_TYPES[alg]]
    if kid is not None:
        fit = [key for key in fit if key.kid == kid]
    elif len(fit) > 1:
        raise _refuse("The client assertion must name its key (kid).")
    if not fit:
        raise _refuse("No registered key of the client matches the assertion.")
    return fit[0]
