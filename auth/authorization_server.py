"""Authlib's authorization server, adapted to Starlette and the gateway store.

Authlib is synchronous. Each token request reads its form asynchronously, fetches the signing key
asynchronously, then runs Authlib inside `AsyncSession.run_sync`: the sync Session handed in
there does its I/O through the async driver, so nothing blocks the event loop. Authlib's callbacks
(`query_client`, token generation) take no request argument, so the sync session and signing key of
the current call travel in a context variable set inside that greenlet.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, ClassVar

from authlib.oauth2.rfc6749 import (
    AuthorizationServer,
    ClientMixin,
    InvalidRequestError,
    InvalidScopeError,
    OAuth2Error,
    OAuth2Request,
    UnauthorizedClientError,
    grants,
)
from authlib.oauth2.rfc6749.errors import InsecureTransportError
from authlib.oauth2.rfc6749.hooks import hooked
from authlib.oauth2.rfc6749.util import list_to_scope, scope_to_list
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import Session
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from auth.clients import ROLE_AGENCY_ADMIN, ROLE_SERVICE, verify_client_secret
from auth.form import FormError, FormPayload, StarletteOAuth2Request, read_form
from auth.keys import KeyRing, SigningKeyPair
from auth.principal import Basis
from auth.tokens import issue_access_token
from schema.datasets import AGENCY_ADMIN_SCOPE, DATA_SCOPES
from settings import Settings
from store.db import transaction
from store.models import OAuthClient, ServiceCard

NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
SUPPORTED_SCOPES = frozenset(DATA_SCOPES | {AGENCY_ADMIN_SCOPE})
TOKEN_AUTH_METHODS = ("client_secret_basic",)


class Client(ClientMixin):
    """An OAuthClient row (and its service card) as Authlib sees it."""

    def __init__(self, row: OAuthClient, card: ServiceCard | None) -> None:
        self.row = row
        self.card = card

    @property
    def client_id(self) -> str:
        return self.row.client_id

    def get_client_id(self) -> str:
        return self.row.client_id

    def get_default_redirect_uri(self) -> str | None:
        # Only an unambiguous single registration may be implied (RFC 6749 §3.1.2.3).
        uris = self.row.redirect_uris or []
        return uris[0] if len(uris) == 1 else None

    def get_allowed_scope(self, scope: str | None) -> str:
        """Requested scopes the client holds; all of them when none is requested."""
        allowed = list(self.row.scopes)
        if not scope:
            return list_to_scope(allowed)
        requested = set(scope_to_list(scope))
        return list_to_scope([name for name in allowed if name in requested])

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return redirect_uri in (self.row.redirect_uris or [])

    def check_client_secret(self, client_secret: str) -> bool:
        return verify_client_secret(client_secret, self.row.client_secret_hash)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        if endpoint == "token":
            return method in TOKEN_AUTH_METHODS and method == self.row.token_endpoint_auth_method
        return True

    def check_response_type(self, response_type: str) -> bool:
        return response_type == "code" and "authorization_code" in self.row.grant_types

    def check_grant_type(self, grant_type: str) -> bool:
        return grant_type in self.row.grant_types

    def credentials_basis(self) -> Basis | None:
        """The basis a client-credentials token carries; None when the client may not have one."""
        if self.row.role == ROLE_AGENCY_ADMIN:
            return Basis.AGENCY_ADMIN
        if self.row.role == ROLE_SERVICE and self.card and self.card.legal_basis == "statute":
            return Basis.STATUTE
        return None


@dataclass(frozen=True, slots=True)
class _Call:
    session: Session
    key: SigningKeyPair


_call: ContextVar[_Call] = ContextVar("darvazeh_oauth_call")


def current_session() -> Session:
    """The sync session of the token request being handled (inside `run_sync` only)."""
    try:
        return _call.get().session
    except LookupError:
        raise RuntimeError("OAuth server used outside AsyncSession.run_sync") from None


class ClientCredentialsGrant(grants.ClientCredentialsGrant):
    """Statute services and agency admins; consent-based services must ask the citizen."""

    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(TOKEN_AUTH_METHODS)

    def validate_token_request(self) -> None:
        super().validate_token_request()
        client: Client = self.request.client
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
    ) -> None:
        super().__init__(scopes_supported=sorted(SUPPORTED_SCOPES))
        self.sessions = sessions
        self.keyring = keyring
        self.issuer = issuer
        self.audience = audience
        self.access_token_ttl = access_token_ttl
        self.register_grant(ClientCredentialsGrant)
        self.register_token_generator("default", self._generate_token)

    @property
    def grant_types_supported(self) -> list[str]:
        return [grant.GRANT_TYPE for grant, _ in self._token_grants]

    # -- the async entry point ------------------------------------------------------------------

    async def token_response(self, request: Request) -> Response:
        """POST /oauth/token."""
        try:
            payload = await read_form(request)
        except FormError as exc:
            return self._error(InvalidRequestError(exc.description))
        key = await self.keyring.current()
        async with transaction(self.sessions) as session:
            return await session.run_sync(self._token_response_sync, request, payload, key)

    def _token_response_sync(
        self, session: Session, request: Request, payload: FormPayload, key: SigningKeyPair
    ) -> Response:
        with self._bound(session, key):
            try:
                oauth_request = StarletteOAuth2Request(request, payload)
            except InsecureTransportError as exc:
                return self._error(exc)
            return self.create_token_response(oauth_request)

    @contextmanager
    def _bound(self, session: Session, key: SigningKeyPair) -> Iterator[None]:
        token = _call.set(_Call(session, key))
        try:
            yield
        finally:
            _call.reset(token)

    def _error(self, error: OAuth2Error) -> Response:
        return self.handle_response(*error(None))

    # -- Authlib's framework hooks --------------------------------------------------------------

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
        # Access tokens are self-contained JWTs; nothing to store. Refresh tokens will be.
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
            _check_single_client_authentication(oauth_request)
        except OAuth2Error as error:
            return self.handle_error_response(oauth_request, error)
        return super().create_token_response(oauth_request)

    def handle_response(
        self, status: int, body: Any, headers: list[tuple[str, str]] | dict[str, str]
    ) -> Response:
        merged = dict(headers.items() if isinstance(headers, dict) else headers)
        merged.pop("Content-Type", None)  # set by the response class
        merged.update(NO_STORE)
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
        if client.row.service_card_id:
            claims["service_card"] = client.row.service_card_id
        token, _jti, _expires_at = issue_access_token(
            _call.get().key,
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
            "token_type": "Bearer",
            "expires_in": ttl,
            "scope": " ".join(sorted(scopes)),
        }


def build_authorization_server(
    sessions: async_sessionmaker[AsyncSession], keyring: KeyRing, settings: Settings
) -> DarvazehAuthorizationServer:
    return DarvazehAuthorizationServer(
        sessions,
        keyring,
        issuer=settings.issuer,
        audience=settings.audience,
        access_token_ttl=settings.access_token_ttl,
    )


def _check_single_client_authentication(request: OAuth2Request) -> None:
    # RFC 6749 §2.3: a client MUST NOT use more than one authentication method per request.
    has_basic = request.headers.get("Authorization", "").lower().startswith("basic ")
    if has_basic and "client_secret" in request.payload.data:
        raise InvalidRequestError("Use exactly one client authentication method.")
