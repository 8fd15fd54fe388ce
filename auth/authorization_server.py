"""Authlib's authorization server, adapted to Starlette and the gateway store.

Authlib is synchronous. Each token request reads its form asynchronously, fetches the signing key
asynchronously, then runs Authlib inside `AsyncSession.run_sync`: the sync Session handed in
there does its I/O through the async driver, so nothing blocks the event loop. Authlib's callbacks
(`query_client`, token generation) take no request argument, so the sync session and signing key of
the current call travel in a context variable set inside that greenlet (`auth.oauth_call`).

What needs the event loop is done before `run_sync`: a DPoP proof is verified (its jti recorded)
at the token endpoint, and the `token` of a revocation or introspection request is verified as an
access token (signature keys come from the ring). Grants, client authentication, PKCE, revocation
and introspection are in their own modules; this one wires them into one Authlib server.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, ClassVar

from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    InvalidClientError,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    OAuth2Request,
    UnauthorizedClientError,
    grants,
)
from authlib.oauth2.rfc6749.errors import InsecureTransportError
from authlib.oauth2.rfc6749.hooks import hooked
from authlib.oauth2.rfc6749.util import scope_to_list
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from auth.citizen_end import CitizenCheck, DeathCheck, DeathCheckUnavailable
from auth.client_auth import (
    CLIENT_SECRET_BASIC,
    PRIVATE_KEY_JWT,
    TOKEN_AUTH_METHODS,
    PrivateKeyJwt,
    SignedAssertionError,
    client_authentication_failed,
)
from auth.clients import Client, client_secret_basic
from auth.dpop import DpopError, DpopProof, single_proof, verify_dpop_proof
from auth.form import FormError, FormPayload, StarletteOAuth2Request, read_form
from auth.grants import (
    AuthorizationCodeGrant,
    InvalidDpopProofError,
    RefreshTokenGrant,
    TemporarilyUnavailableError,
    citizens_behind,
)
from auth.introspection import Introspection
from auth.keys import KeyRing, SigningKeyPair
from auth.oauth_call import OAuthCall, bound, current_call, current_session
from auth.paths import TOKEN_PATH, endpoint_url
from auth.pkce import S256CodeChallenge
from auth.principal import Basis
from auth.revocation import Revocation
from auth.token_outcomes import observed
from auth.tokens import QUERY_BUDGET_CLAIM, TokenError, issue_access_token, verify_access_token
from settings import Settings
from standard.datasets import AGENCY_ADMIN_SCOPE, DATA_SCOPES
from store.db import transaction
from store.models import OAuthClient, ServiceCard

__all__ = ["TOKEN_AUTH_METHODS", "Client", "DarvazehAuthorizationServer", "current_session"]

logger = logging.getLogger(__name__)

SUPPORTED_SCOPES = frozenset(DATA_SCOPES | {AGENCY_ADMIN_SCOPE})
# Client authentication sent in the body; with Basic, or with each other, it is two methods.
CLIENT_AUTH_PARAMS = frozenset({"client_secret", "client_assertion", "client_assertion_type"})


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    """Statute services and agency admins; consent-based services must ask the citizen."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(TOKEN_AUTH_METHODS)

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
        # The parent passes the raw requested scope; issue the allowed one instead.
        token = self.generate_token(scope=self.request.scope, include_refresh_token=False)
        self.save_token(token)
        return 200, token, self.TOKEN_RESPONSE_HEADER


class DarvazehAuthorizationServer(AuthorizationServer):
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        keyring: KeyRing,
        *,
        issuer: str,
        audience: str,
        access_token_ttl: int,
        clock: Callable[[], float] = time.time,
        deaths: DeathCheck | None = None,
    ) -> None:
        super().__init__(scopes_supported=sorted(SUPPORTED_SCOPES))
        self.sessions = sessions
        # Asked before a code exchange or refresh; None only in tests of the protocol alone.
        self.deaths = deaths
        self.keyring = keyring
        self.issuer = issuer
        self.audience = audience
        self.access_token_ttl = access_token_ttl
        self.clock = clock
        self.register_grant(ClientCredentialsGrant)
        self.register_grant(AuthorizationCodeGrant, [S256CodeChallenge()])
        self.register_grant(RefreshTokenGrant)
        self.register_client_auth_method(CLIENT_SECRET_BASIC, client_secret_basic)
        self.register_client_auth_method(PRIVATE_KEY_JWT, PrivateKeyJwt(self))
        self.register_endpoint(Revocation)
        self.register_endpoint(Introspection)
        self.register_token_generator("default", self._generate_token)

    @property
    def grant_types_supported(self) -> list[str]:
        return [grant.GRANT_TYPE for grant, _ in self._token_grants]

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)

    # -- the async entry points -----------------------------------------------------------------

    async def token_response(
        self, request: Request, payload: FormPayload | None = None
    ) -> Response:
        """POST /oauth/token; `payload` when the form was already read (the rate limits read it)."""
        if payload is None:
            try:
                payload = await read_form(request)
            except FormError as exc:
                return observed(None, (), self._error(InvalidRequestError(exc.description)))
        response = await self._token_response(request, payload)
        return observed(payload.data.get("grant_type"), self.grant_types_supported, response)

    async def _token_response(self, request: Request, payload: FormPayload) -> Response:
        # DPoP needs the store (its jti) and is async: verified before Authlib runs.
        try:
            proof = await self.dpop_proof(request, TOKEN_PATH)
        except DpopError as exc:
            return self._error(InvalidDpopProofError(exc.description))
        if (refused := await self._death_check(payload)) is not None:
            return refused
        key = await self.keyring.current()
        async with transaction(self.sessions) as session:
            return await session.run_sync(self._token_response_sync, request, payload, key, proof)

    def _token_response_sync(
        self,
        session: Session,
        request: Request,
        payload: FormPayload,
        key: SigningKeyPair,
        proof: DpopProof | None = None,
    ) -> Response:
        with bound(OAuthCall(session, key, dpop=proof)):
            try:
                oauth_request = StarletteOAuth2Request(request, payload)
            except InsecureTransportError as exc:
                return self._error(exc)
            return self.create_token_response(oauth_request)

    async def _death_check(self, payload: FormPayload) -> Response | None:
        """Before a code exchange or a refresh: is the citizen (and the child the consent is
        for) still alive? A death found ends their consents, so Authlib then refuses the grant;
        a registry that cannot tell refuses it for now."""
        if self.deaths is None:
            return None
        async with self.sessions() as session:
            people = await citizens_behind(session, payload.data)
        if not people:
            return None
        try:
            await self.deaths.deceased(people, CitizenCheck.TOKEN)
        except DeathCheckUnavailable:
            return self._error(
                TemporarilyUnavailableError("The civil registry cannot be checked right now.")
            )
        return None

    async def dpop_proof(self, request: Request, path: str) -> DpopProof | None:
        """The request's verified DPoP proof for `path` (htu is the public URL), or None."""
        proof = single_proof(request.headers.getlist("dpop"))
        if proof is None:
            return None
        return await verify_dpop_proof(
            proof,
            method=request.method,
            url=endpoint_url(self.issuer, path),
            sessions=self.sessions,
            now=self.clock(),
        )

    async def revocation_response(self, request: Request) -> Response:
        """POST /oauth/revoke."""
        return await self._endpoint_response(Revocation.ENDPOINT_NAME, request)

    async def introspection_response(self, request: Request) -> Response:
        """POST /oauth/introspect."""
        return await self._endpoint_response(Introspection.ENDPOINT_NAME, request)

    async def _endpoint_response(self, name: str, request: Request) -> Response:
        try:
            payload = await read_form(request)
        except FormError as exc:
            return self._error(InvalidRequestError(exc.description))
        claims = await self._access_token_claims(payload.data.get("token"))
        async with transaction(self.sessions) as session:
            return await session.run_sync(self._endpoint_sync, name, request, payload, claims)

    def _endpoint_sync(
        self,
        session: Session,
        name: str,
        request: Request,
        payload: FormPayload,
        claims: dict[str, Any] | None,
    ) -> Response:
        with bound(OAuthCall(session, access_claims=claims)):
            try:
                oauth_request = StarletteOAuth2Request(request, payload)
                check_single_client_authentication(oauth_request)
            except OAuth2Error as exc:
                return self._error(exc)
            response = self.create_endpoint_response(name, oauth_request)
            assert response is not None  # both endpoints always answer
            return response

    async def _access_token_claims(self, token: str | None) -> dict[str, Any] | None:
        """The claims of `token` if it is one of our valid access tokens (signature, lifetime)."""
        if not token or token.count(".") != 2:
            return None
        try:
            return await verify_access_token(
                self.keyring, token, issuer=self.issuer, audience=self.audience, now=self.clock()
            )
        except TokenError:
            return None

    def _error(self, error: OAuth2Error) -> Response:
        return self.handle_response(*error(None))

    # -- Authlib's framework hooks --------------------------------------------------------------

    def authenticate_client(
        self, request: OAuth2Request, methods: Any, endpoint: str = "token"
    ) -> Any:
        try:
            client = super().authenticate_client(request, methods, endpoint)
        except SignedAssertionError:
            raise
        except InvalidClientError as error:
            # One answer for an unknown client, a wrong secret, a bad assertion, at every
            # endpoint: nothing tells a guesser which client ids exist.
            logger.info("client authentication failed at %s: %s", endpoint, error.description)
            raise client_authentication_failed() from None
        # RFC 6749 §3.2.1 / RFC 7523 §3: a `client_id` sent beside the credentials must agree.
        named = request.payload.data.get("client_id")
        if named is not None and named != client.client_id:
            raise InvalidRequestError("client_id does not match the authenticated client.")
        return client

    def query_client(self, client_id: str) -> Client | None:
        # One round trip for the client and its card: this runs on every token request.
        found = (
            current_session()
            .execute(
                select(OAuthClient, ServiceCard)
                .outerjoin(ServiceCard, OAuthClient.service_card_id == ServiceCard.id)
                .where(OAuthClient.client_id == client_id, OAuthClient.enabled.is_(True))
            )
            .first()
        )
        return Client(found[0], found[1]) if found else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        # Access tokens are self-contained JWTs; the grants store their refresh tokens themselves.
        return None

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        return None

    def create_oauth2_request(self, request: Any) -> OAuth2Request:
        if isinstance(request, OAuth2Request):
            return request
        raise TypeError("build a StarletteOAuth2Request first: the form is read asynchronously")

    def create_token_response(self, request: Any = None) -> Response:
        oauth_request = self.create_oauth2_request(request)
        try:
            check_single_client_authentication(oauth_request)
        except OAuth2Error as error:
            return self.handle_error_response(oauth_request, error)
        return super().create_token_response(oauth_request)

    def handle_response(
        self, status: int, body: Any, headers: list[tuple[str, str]] | dict[str, str]
    ) -> Response:
        merged = dict(headers.items() if isinstance(headers, dict) else headers)
        merged.pop("Content-Type", None)  # set by the response class
        # `Cache-Control: no-store` (RFC 6749 §5.1) comes with every response's security
        # headers (web/security_headers.py).
        if isinstance(body, dict):
            return JSONResponse(body, status_code=status, headers=merged)
        return Response(body or b"", status_code=status, headers=merged)

    # -- tokens ---------------------------------------------------------------------------------

    def _generate_token(
        self,
        grant_type: str,
        client: Client,
        user: Any = None,
        scope: str | None = None,
        expires_in: int | None = None,
        include_refresh_token: bool = True,
    ) -> dict[str, Any]:
        if grant_type != "client_credentials":
            # The authorization-code grant will add consent/citizen claims and refresh tokens.
            raise UnauthorizedClientError(f"no token generator for {grant_type}")
        basis = client.credentials_basis()
        if basis is None:  # validated by the grant; kept as a last line of defence
            raise UnauthorizedClientError("client credentials are not allowed for this client")
        ttl = expires_in or self.access_token_ttl
        scopes = scope_to_list(scope) or []
        claims: dict[str, Any] = {"basis": basis.value, "agency": client.row.agency_code}
        # RFC 9449 §5: a proof sent with the request binds the token to its key.
        proof = current_call().dpop
        if proof is not None:
            claims["cnf"] = {"jkt": proof.jkt}
        if client.row.service_card_id:
            claims["service_card"] = client.row.service_card_id
        if client.row.query_cost_budget is not None:
            claims[QUERY_BUDGET_CLAIM] = client.row.query_cost_budget
        if basis is Basis.STATUTE and client.card is not None and client.card.statute:
            # The law it reads under, carried so every audit record can name it.
            claims["statute"] = client.card.statute
        token, _jti, _expires_at = issue_access_token(
            current_call().key,
            issuer=self.issuer,
            audience=self.audience,
            client_id=client.client_id,
            subject=client.client_id,
            scopes=scopes,
            ttl=ttl,
            claims=claims,
        )
        return {
            "access_token": token,
            "token_type": "DPoP" if proof is not None else "Bearer",
            "expires_in": ttl,
            "scope": " ".join(sorted(scopes)),
        }


def build_authorization_server(
    sessions: async_sessionmaker[AsyncSession],
    keyring: KeyRing,
    settings: Settings,
    *,
    deaths: DeathCheck | None = None,
) -> DarvazehAuthorizationServer:
    return DarvazehAuthorizationServer(
        sessions,
        keyring,
        issuer=settings.issuer,
        audience=settings.audience,
        access_token_ttl=settings.access_token_ttl,
        deaths=deaths,
    )


def check_single_client_authentication(request: OAuth2Request) -> None:
    # RFC 6749 §2.3: a client MUST NOT use more than one authentication method per request.
    has_basic = request.headers.get("Authorization", "").lower().startswith("basic ")
    in_body = CLIENT_AUTH_PARAMS.intersection(request.payload.data)
    if (has_basic and in_body) or {"client_secret", "client_assertion"} <= in_body:
        raise InvalidRequestError("Use exactly one client authentication method.")
