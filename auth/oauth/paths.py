"""Where the authorization server's endpoints live, relative to the issuer."""

from __future__ import annotations

AUTHORIZE_PATH = "/oauth/authorize"
PAR_PATH = "/oauth/par"
TOKEN_PATH = "/oauth/token"
REVOCATION_PATH = "/oauth/revoke"
INTROSPECTION_PATH = "/oauth/introspect"
METADATA_PATH = "/.well-known/oauth-authorization-server"
OPENID_CONFIGURATION_PATH = "/.well-known/openid-configuration"
JWKS_PATH = "/.well-known/jwks.json"
CONSENT_PATH = "/consent/{request_id}"  # the consent screen (web/consent_page.py)


def endpoint_url(issuer: str, path: str) -> str:
    return issuer.rstrip("/") + path
