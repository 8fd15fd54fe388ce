"""PKCE (RFC 7636), S256 only: `plain` would hand the verifier to whoever sees the request."""

from __future__ import annotations

import hmac
import re
from collections.abc import Mapping
from typing import Any, ClassVar

from authlib.oauth2.rfc7636 import CodeChallenge, create_s256_code_challenge

S256 = "S256"
# base64url(SHA-256(verifier)) without padding is always exactly 43 characters.
S256_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")


def challenge_problem(params: Mapping[str, str]) -> str | None:
    """Why the authorization request's PKCE parameters are unacceptable; None when they are fine."""
    challenge = params.get("code_challenge")
    method = params.get("code_challenge_method")
    if not challenge:
        return "PKCE is required: send code_challenge with code_challenge_method=S256."
    if method != S256:
        # An absent method means `plain` (RFC 7636 §4.3), which is refused like an explicit one.
        return "code_challenge_method must be S256; plain is not accepted."
    if not S256_CHALLENGE.match(challenge):
        return "code_challenge must be the base64url SHA-256 of the code verifier (43 characters)."
    return None


def _compare_s256(verifier: str, challenge: str) -> bool:
    return hmac.compare_digest(create_s256_code_challenge(verifier), challenge)


class S256CodeChallenge(CodeChallenge):
    """Authlib's token-side check, limited to S256; every code we issue carries a challenge, so
    a missing verifier always fails, whatever the client's authentication."""

    DEFAULT_CODE_CHALLENGE_METHOD = S256
    SUPPORTED_CODE_CHALLENGE_METHOD: ClassVar[list[str]] = [S256]
    CODE_CHALLENGE_METHODS: ClassVar[dict[str, Any]] = {S256: _compare_s256}

    def __init__(self) -> None:
        super().__init__(required=True)

    def get_authorization_code_challenge_method(self, authorization_code: Any) -> str:
        return S256
