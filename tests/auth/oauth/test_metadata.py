"""RFC 8414 metadata: what the authorization server says it supports, and where."""

from __future__ import annotations

import httpx

from tests.auth.support import ISSUER


async def test_metadata_document(http: httpx.AsyncClient) -> None:
    response = await http.get("/.well-known/oauth-authorization-server")
    assert response.status_code == 200
    document = response.json()
    assert document["issuer"] == ISSUER
    assert document["token_endpoint"] == f"{ISSUER}/oauth/token"
    assert document["jwks_uri"] == f"{ISSUER}/.well-known/jwks.json"
    assert document["authorization_endpoint"] == f"{ISSUER}/oauth/authorize"
    assert document["pushed_authorization_request_endpoint"] == f"{ISSUER}/oauth/par"
    assert document["require_pushed_authorization_requests"] is False
    assert document["revocation_endpoint"] == f"{ISSUER}/oauth/revoke"
    assert document["introspection_endpoint"] == f"{ISSUER}/oauth/introspect"
    assert document["grant_types_supported"] == [
        "client_credentials",
        "authorization_code",
        "refresh_token",
    ]
    assert document["response_types_supported"] == ["code"]
    assert document["response_modes_supported"] == ["query"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    methods = ["client_secret_basic", "private_key_jwt"]
    assert document["token_endpoint_auth_methods_supported"] == methods
    assert document["revocation_endpoint_auth_methods_supported"] == methods
    assert document["introspection_endpoint_auth_methods_supported"] == methods
    assert document["token_endpoint_auth_signing_alg_values_supported"] == ["ES256", "PS256"]
    assert "ES256" in document["dpop_signing_alg_values_supported"]
    assert not {"none", "HS256"} & set(document["dpop_signing_alg_values_supported"])
    assert document["authorization_response_iss_parameter_supported"] is True
    assert set(document["scopes_supported"]) == {
        "civil.identity",
        "civil.birth",
        "civil.family",
        "civil.address",
        "social.coverage",
        "education.enrollment",
        "tax.status",
        "agency.admin",
        "life_events.report",
    }
