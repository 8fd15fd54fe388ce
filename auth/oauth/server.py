"""Authlib's authorization server, adapted to Starlette and the gateway store.

Authlib is synchronous. Each token request reads its form asynchronously, fetches the signing key
asynchronously, then runs Authlib inside `AsyncSession.run_sync`: the sync Session handed in
there does its I/O through the async driver, so nothing blocks the event loop. Authlib's callbacks
(`query_client`, the grants' hooks) take no request argument, so the sync session and signing key
of the current call travel in a context variable set inside that greenlet (`auth.oauth.call`).

What needs the event loop is done before `run_sync`: a DPoP proof is verified (its jti recorded)
at the token endpoint, the death check is asked, and the `token` of a revocation or introspection
request is verified as an access token (signature keys come from the ring). Grants, client
authentication, PKCE, revocation and introspection are in their own modules, written against the
small `OAuthServer` protocol; this one wires them into one Authlib server.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    InvalidClientError,
    InvalidRequestError,
    OAuth2Error,
    OAuth2Request,
)
from authlib.oauth2.rfc6749.errors import InsecureTransportError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from auth.core.access_tokens import TokenError, verify_access_token
from auth.core.dpop import DpopError, DpopProof, single_proof, verify_dpop_proof
from auth.core.keys import KeyRing, SigningKeyPair
from auth.core.system_checks import DeathCheck
from auth.oauth.call import OAuthCall, bound, current_session
from auth.oauth.client_auth import (
    PrivateKeyJwt,
    check_single_client_authentication,
    client_secret_basic,
)
from auth.oauth.client_credentials import ClientCredentialsGrant
from auth.oauth.clients import CLIENT_SECRET_BASIC, PRIVATE_KEY_JWT, Client, find_client
from auth.oauth.death_check import death_refusal
from auth.oauth.errors import InvalidDpopProofError, SignedAssertionError, client_refused
from auth.oauth.form import FormError, FormPayload, StarletteOAuth2Request, read_form
from auth.oauth.grants import AuthorizationCodeGrant, RefreshTokenGrant
from auth.oauth.introspection import Introspection
from auth.oauth.outcomes import observed
from auth.oauth.paths import TOKEN_PATH, endpoint_url
from auth.oauth.pkce import S256CodeChallenge
from auth.oauth.revocation import Revocation
from settings import Settings
from standard.datasets import AGENCY_ADMIN_SCOPE, DATA_SCOPES
from standard.life_events import REPORT_SCOPE
from store.db import transaction

logger = logging.getLogger(__name__)

SUPPORTED_SCOPES = frozenset(DATA_SCOPES | {AGENCY_ADMIN_SCOPE, REPORT_SCOPE})


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
                return observed(None, (), self.error_response(InvalidRequestError(exc.description)))
        response = await self._token_response(request, payload)
        return observed(payload.data.get("grant_type"), self.grant_types_supported, response)

    async def _token_response(self, request: Request, payload: FormPayload) -> Response:
        # DPoP needs the store (its jti) and is async: verified before Authlib runs.
        try:
            proof = await self.dpop_proof(request, TOKEN_PATH)
        except DpopError as exc:
            return self.error_response(InvalidDpopProofError(exc.description))
        if self.deaths is not None:
            refused = await death_refusal(self.deaths, self.sessions, payload.data)
            if refused is not None:
                return self.error_response(refused)
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
                return self.error_response(exc)
            return self.create_token_response(oauth_request)

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
            return self.error_response(InvalidRequestError(exc.description))
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
                return self.error_response(exc)
            response: Response | None = self.create_endpoint_response(name, oauth_request)
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

    def error_response(self, error: OAuth2Error) -> Response:
        """An OAuth error as the endpoints answer it (RFC 6749 §5.2)."""
        response: Response = self.handle_response(*error(None))
        return response

    # -- Authlib's framework hooks --------------------------------------------------------------

    def authenticate_client(
        self, request: OAuth2Request, methods: Any, endpoint: str = "token"
    ) -> Client:
        try:
            client: Client = super().authenticate_client(request, methods, endpoint)
        except SignedAssertionError:
            raise
        except InvalidClientError as error:
            # One answer for an unknown client, a wrong secret, a bad assertion, at every
            # endpoint: nothing tells a guesser which client ids exist.
            logger.info("client authentication failed at %s: %s", endpoint, error.description)
            raise client_refused() from None
        # RFC 6749 §3.2.1 / RFC 7523 §3: a `client_id` sent beside the credentials must agree.
        named = request.payload.data.get("client_id")
        if named is not None and named != client.client_id:
            raise InvalidRequestError("client_id does not match the authenticated client.")
        return client

    def query_client(self, client_id: str) -> Client | None:
        return find_client(current_session(), client_id)

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
            failed: Response = self.handle_error_response(oauth_request, error)
            return failed
        response: Response = super().create_token_response(oauth_request)
        return response

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
