"""The OAuth errors the gateway adds to Authlib's (RFC 6749 §5.2 answers)."""

from __future__ import annotations

from authlib.oauth2.rfc6749 import InvalidClientError, OAuth2Error

# What every failed client authentication answers, at every endpoint (token, PAR, revocation,
# introspection): an unknown client and a wrong credential must look alike. The particular
# reason goes to the log only.
CLIENT_AUTH_FAILED = "Client authentication failed."


class InvalidDpopProofError(OAuth2Error):
    """RFC 9449 §5: the request's DPoP proof is missing, invalid or of the wrong key."""

    error = "invalid_dpop_proof"
    status_code = 400


class TemporarilyUnavailableError(OAuth2Error):
    """The civil registry could not confirm the citizen is alive: try again later."""

    error = "temporarily_unavailable"
    status_code = 503


class UnsupportedTokenTypeError(OAuth2Error):
    # RFC 7009 §2.2.1 is an error response of RFC 6749 §5.2: 400 (Authlib's answers 401).
    error = "unsupported_token_type"
    status_code = 400


class SignedAssertionError(InvalidClientError):
    """A fault in an assertion whose signature a registered key verified: only the client can
    have made it, so its reason is told (expired, replayed, wrong audience...) rather than the
    one answer every other authentication failure gets."""

    def __init__(self, description: str) -> None:
        super().__init__(description=description, status_code=401)


def client_refused(description: str = CLIENT_AUTH_FAILED) -> InvalidClientError:
    """A failed client authentication (401, `invalid_client`)."""
    return InvalidClientError(description=description, status_code=401)
