"""RFC 8414 authorization server metadata: what the server supports, where its endpoints are."""

from __future__ import annotations

from typing import Any

from auth.core.dpop import ALGORITHMS as DPOP_ALGORITHMS
from auth.oauth.client_auth import ASSERTION_ALGORITHMS
from auth.oauth.clients import TOKEN_AUTH_METHODS
from auth.oauth.paths import (
    AUTHORIZE_PATH,
    INTROSPECTION_PATH,
    JWKS_PATH,
    PAR_PATH,
    REVOCATION_PATH,
    TOKEN_PATH,
    endpoint_url,
)
from auth.oauth.pkce import S256
from auth.oauth.server import DarvazehAuthorizationServer


def metadata(server: DarvazehAuthorizationServer) -> dict[str, Any]:
    """RFC 8414 authorization server metadata."""

    def url(path: str) -> str:
        return endpoint_url(server.issuer, path)

    auth_methods = list(TOKEN_AUTH_METHODS)
    return {
        "issuer": server.issuer,
        "authorization_endpoint": url(AUTHORIZE_PATH),
        "pushed_authorization_request_endpoint": url(PAR_PATH),
        # Per client (`require_par`): FAPI 2.0 clients are registered to require it.
        "require_pushed_authorization_requests": False,
        "token_endpoint": url(TOKEN_PATH),
        "jwks_uri": url(JWKS_PATH),
        "revocation_endpoint": url(REVOCATION_PATH),
        "introspection_endpoint": url(INTROSPECTION_PATH),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": server.grant_types_supported,
        "code_challenge_methods_supported": [S256],
        "token_endpoint_auth_methods_supported": auth_methods,
        "token_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
        "revocation_endpoint_auth_methods_supported": auth_methods,
        "revocation_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
        "introspection_endpoint_auth_methods_supported": auth_methods,
        "introspection_endpoint_auth_signing_alg_values_supported": list(ASSERTION_ALGORITHMS),
        "dpop_signing_alg_values_supported": list(DPOP_ALGORITHMS),
        "authorization_response_iss_parameter_supported": True,
        "scopes_supported": list(server.scopes_supported or []),
    }
