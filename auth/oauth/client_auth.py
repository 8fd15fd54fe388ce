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
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from authlib.oauth2.rfc6749 import InvalidRequestError, OAuth2Request
from authlib.oauth2.rfc6749.util import extract_basic_authorization
from authlib.oauth2.rfc7523 import JWTBearerClientAssertion
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, Key, KeySet, RSAKey

from auth.oauth.call import current_session
from auth.oauth.clients import (
    PRIVATE_KEY_JWT,
    Client,
    hash_client_secret,
    new_client_secret,
    registered_keys,
    verify_client_secret,
)
from auth.oauth.errors import SignedAssertionError, client_refused
from auth.oauth.paths import PAR_PATH, TOKEN_PATH, endpoint_url
from auth.oauth.protocol import OAuthServer
from store.db import aware
from store.oauth_models import JtiSeen

ASSERTION_ALGORITHMS = ("ES256", "PS256")
_KEY_TYPES = {"ES256": "EC", "PS256": "RSA"}
MAX_ASSERTION_LIFETIME = 300  # seconds from now to `exp`
LEEWAY = 30  # clock skew between the client and us
MAX_JTI_LENGTH = 256
# Client authentication sent in the body; with Basic, or with each other, it is two methods.
CLIENT_AUTH_PARAMS = frozenset({"client_secret", "client_assertion", "client_assertion_type"})

# Verified against when the client is unknown, so an unknown client id costs what a wrong
# secret costs and the time of the answer does not tell them apart.
_DECOY_SECRET_HASH = hash_client_secret(new_client_secret())


def client_secret_basic(
    query_client: Callable[[str], Client | None], request: Any
) -> Client | None:
    """`client_secret_basic` (RFC 6749 §2.3.1), replacing Authlib's: an unknown client id is
    answered like a wrong secret, after the same work (Authlib refuses it early, with its own
    message)."""
    client_id, secret = extract_basic_authorization(request.headers)
    if not client_id or not secret:
        return None
    client = query_client(client_id)
    if client is None:
        verify_client_secret(secret, _DECOY_SECRET_HASH)
        return None
    return client if client.check_client_secret(secret) else None


def check_single_client_authentication(request: OAuth2Request) -> None:
    # RFC 6749 §2.3: a client MUST NOT use more than one authentication method per request.
    has_basic = request.headers.get("Authorization", "").lower().startswith("basic ")
    in_body = CLIENT_AUTH_PARAMS.intersection(request.payload.data)
    if (has_basic and in_body) or {"client_secret", "client_assertion"} <= in_body:
        raise InvalidRequestError("Use exactly one client authentication method.")


class PrivateKeyJwt(JWTBearerClientAssertion):
    CLIENT_AUTH_METHOD = PRIVATE_KEY_JWT

    def __init__(self, server: OAuthServer) -> None:
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
            raise client_refused("The client assertion names no known client.")
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
            raise client_refused("The client has no registered keys.")
        try:
            return registered_keys(jwks)
        except (JoseError, ValueError, TypeError, KeyError) as exc:
            raise client_refused("The client's registered keys cannot be read.") from exc

    def process_assertion_claims(self, assertion: str, resolve_key: Any) -> dict[str, Any]:
        headers, _claims = self.extract_assertion(assertion)
        alg = headers.get("alg")
        if alg not in ASSERTION_ALGORITHMS:
            raise client_refused(
                f"Client assertions must be signed with {' or '.join(ASSERTION_ALGORITHMS)}."
            )
        key = _pick_key(resolve_key, headers.get("kid"), alg)
        try:
            token = jwt.decode(assertion, key, algorithms=[alg])
        except (JoseError, ValueError) as exc:
            raise client_refused("The client assertion's signature is not valid.") from exc
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


def _pick_key(keys: object, kid: object, alg: str) -> Key:
    """The registered key that must have signed: by `kid`, or the only key fit for `alg`."""
    if not isinstance(keys, KeySet):  # pragma: no cover - resolve_client_public_key returns one
        raise client_refused("The client's registered keys cannot be read.")
    fit = [key for key in keys.keys if key.key_type == _KEY_TYPES[alg]]
    if kid is not None:
        fit = [key for key in fit if key.kid == kid]
    elif len(fit) > 1:
        raise client_refused("The client assertion must name its key (kid).")
    if not fit:
        raise client_refused("No registered key of the client matches the assertion.")
    return fit[0]
