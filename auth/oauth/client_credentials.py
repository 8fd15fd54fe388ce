"""The client-credentials grant: statute services and agency admins read as themselves;
consent-based services must ask the citizen (the authorization-code grant)."""

from __future__ import annotations

from typing import Any, ClassVar

from authlib.oauth2.rfc6749 import InvalidScopeError, UnauthorizedClientError, grants
from authlib.oauth2.rfc6749.hooks import hooked
from authlib.oauth2.rfc6749.util import scope_to_list

from auth.core.access_tokens import TokenClaims
from auth.core.principal import Basis
from auth.oauth.call import current_call
from auth.oauth.clients import TOKEN_AUTH_METHODS, Client
from auth.oauth.errors import InvalidDpopProofError
from auth.oauth.issue import token_response
from auth.oauth.protocol import OAuthServer


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(TOKEN_AUTH_METHODS)
    server: OAuthServer

    def validate_token_request(self) -> None:
        super().validate_token_request()
        client: Client = self.request.client
        if client.row.require_dpop and current_call().dpop is None:
            raise InvalidDpopProofError("A DPoP proof is required for this client.")
        if client.credentials_basis() is None:
            raise UnauthorizedClientError(
                "This client reads under citizen consent: use the authorization code grant."
            )
        scope = client.get_allowed_scope(self.request.payload.scope)
        if not scope:
            raise InvalidScopeError("None of the requested scopes is granted to this client.")
        self.request.scope = scope

    @hooked
    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        client: Client = self.request.client
        basis = client.credentials_basis()
        if basis is None:  # validated above; kept as a last line of defence
            raise UnauthorizedClientError("client credentials are not allowed for this client")
        card = client.card
        proof = current_call().dpop
        says = TokenClaims(
            basis=basis,
            agency=client.row.agency_code,
            service_card=client.row.service_card_id or None,
            # The law it reads under, carried so every audit record can name it.
            statute=(card.statute or None) if basis is Basis.STATUTE and card else None,
            # RFC 9449 §5: a proof sent with the request binds the token to its key.
            dpop_jkt=proof.jkt if proof is not None else None,
            query_budget=client.row.query_cost_budget,
        )
        # The allowed scope (validated above), not the raw one the parent would pass.
        scopes = scope_to_list(self.request.scope) or []
        token = token_response(
            self.server, client_id=client.client_id, subject=client.client_id, scopes=scopes,
            says=says,
        )  # fmt: skip
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER
