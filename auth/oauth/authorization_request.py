"""The rules of an authorization request, shared by the authorization endpoint and PAR.

Pure functions over the parameters and the client: no I/O, so the async authorization endpoint
and the PAR endpoint (inside Authlib's `run_sync`) apply exactly the same checks.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from auth.oauth.clients import Client
from auth.oauth.pkce import challenge_problem
from standard.errors import DarvazehError, ErrorCode

REQUEST_URI_PREFIX = "urn:ietf:params:oauth:request_uri:"
# The parameters an authorization request is made of; anything else is ignored, not stored.
# Whose data the service means to read, as it says (a hint: the consent screen offers that
# choice first; the citizen still chooses, and a child is checked against the birth record).
DATA_SUBJECTS = ("self", "child")
REQUEST_PARAMS = (
    "response_type",
    "client_id",
    "redirect_uri",
    "scope",
    "state",
    "code_challenge",
    "code_challenge_method",
    "dpop_jkt",
    "data_subject",
    "response_mode",
)
LOOPBACK_HOSTS = frozenset({"localhost"})
JKT = re.compile(r"^[A-Za-z0-9_-]{43}$")
MAX_STATE_LENGTH = 512


class AuthorizationError(DarvazehError):
    """An OAuth error for the client (`error`, `error_description`), redirected or shown."""

    code = ErrorCode.BAD_REQUEST

    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


def redirect_uri_problem(client: Client, redirect_uri: str | None) -> str | None:
    """Why `redirect_uri` may not receive this client's responses; None when it may."""
    if not redirect_uri:
        return "The request has no redirect_uri."
    if redirect_uri not in (client.row.redirect_uris or []):
        # Exact string comparison (RFC 9700 §4.1.3): no prefix, wildcard or port leeway.
        return "The redirect_uri is not registered for this client."
    if not secure_redirect_uri(redirect_uri):
        return "The registered redirect_uri must be https, or http on a loopback address."
    return None


def secure_redirect_uri(uri: str) -> bool:
    try:
        parts = urlsplit(uri)
    except ValueError:
        return False
    if parts.fragment or not parts.hostname:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and _loopback(parts.hostname)


def _loopback(host: str) -> bool:
    if host.lower() in LOOPBACK_HOSTS:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def validate_request(params: Mapping[str, str], client: Client) -> dict[str, str]:
    """The request's parameters, normalised; raises AuthorizationError for the first problem.

    The client and redirect URI are already known good: every error here may be redirected.
    """
    response_type = params.get("response_type")
    if not response_type:
        raise AuthorizationError("invalid_request", "The request has no response_type.")
    if response_type != "code":
        # No implicit or hybrid flows: tokens never travel in a browser URL.
        raise AuthorizationError(
            "unsupported_response_type", "Only response_type=code is supported."
        )
    if not client.reads_under_consent() or not client.check_grant_type("authorization_code"):
        raise AuthorizationError(
            "unauthorized_client", "This client may not ask citizens for consent."
        )
    if "request" in params:
        raise AuthorizationError(
            "request_not_supported", "Request objects are not supported; use PAR."
        )
    if params.get("response_mode", "query") != "query":
        raise AuthorizationError("invalid_request", "Only response_mode=query is supported.")
    if problem := challenge_problem(params):
        raise AuthorizationError("invalid_request", problem)
    if len(params.get("state", "")) > MAX_STATE_LENGTH:
        raise AuthorizationError("invalid_request", "state is too long.")
    jkt = params.get("dpop_jkt")
    if jkt is not None and not JKT.match(jkt):
        raise AuthorizationError("invalid_request", "dpop_jkt must be a JWK SHA-256 thumbprint.")
    if params.get("data_subject", "self") not in DATA_SUBJECTS:
        raise AuthorizationError("invalid_request", "data_subject must be self or child.")
    scopes = _scopes(params.get("scope"), client)
    normal = {name: params[name] for name in REQUEST_PARAMS if name in params}
    normal["client_id"] = client.client_id
    normal["scope"] = " ".join(scopes)
    return normal


def _scopes(scope: str | None, client: Client) -> list[str]:
    allowed = list(client.row.scopes)
    requested = list(dict.fromkeys((scope or "").split()))
    if not requested:
        # RFC 6749 §3.3: a documented default; the citizen still sees and narrows each dataset.
        return sorted(allowed)
    if outside := [name for name in requested if name not in allowed]:
        card = client.card.id if client.card else "none"
        raise AuthorizationError(
            "invalid_scope",
            f"This client may ask only for the datasets of its service card ({card}): "
            f"{', '.join(sorted(allowed))}. Not allowed: {', '.join(outside)}.",
        )
    return sorted(requested)


def response_url(redirect_uri: str, issuer: str, **params: str | None) -> str:
    """`redirect_uri` with the response parameters and `iss` (RFC 9207) added to its query."""
    parts = urlsplit(redirect_uri)
    query = parse_qsl(parts.query, keep_blank_values=True)
    query += [(name, value) for name, value in params.items() if value is not None]
    query.append(("iss", issuer))
    return urlunsplit(parts._replace(query=urlencode(query)))


def request_uri_id(request_uri: str) -> str | None:
    if not request_uri.startswith(REQUEST_URI_PREFIX):
        return None
    return request_uri[len(REQUEST_URI_PREFIX) :] or None
