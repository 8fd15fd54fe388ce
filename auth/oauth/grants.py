"""The authorization-code and refresh-token grants: Authlib validates the request (client
authentication, grant type, code and redirect URI, PKCE, scope); the rules of a citizen's consent
are here. They run inside `AsyncSession.run_sync`, on the call's sync session.

One authorization code opens one `Grant`: the family of refresh tokens (and, through the `grant`
claim, the access tokens) issued from it. Reuse of a code or of a rotated refresh token revokes
the whole family, since only a thief or a confused client presents one twice.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, ClassVar

from authlib.oauth2.rfc6749 import InvalidGrantError, grants
from authlib.oauth2.rfc6749.hooks import hooked
from authlib.oauth2.rfc6749.util import scope_to_list
from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from auth.core.access_tokens import TokenClaims
from auth.core.liveness import GrantEnd, standing, stop_grants
from auth.core.principal import Basis
from auth.oauth.call import current_call, current_session, secret_hash
from auth.oauth.clients import TOKEN_AUTH_METHODS, Client
from auth.oauth.errors import InvalidDpopProofError
from auth.oauth.issue import token_response
from auth.oauth.protocol import OAuthServer
from standard.datasets import DATA_SCOPES
from standard.statuses import ConsentStatus
from store.citizen_models import Consent
from store.db import aware
from store.oauth_models import AuthorizationCode, Grant, RefreshToken

REFRESH_TOKEN_LIFETIME = timedelta(days=30)


def new_grant_id() -> str:
    return secrets.token_urlsafe(24)


def revoke_grant(session: Session, grant_id: str | None, reason: GrantEnd, now: datetime) -> None:
    """Stop a grant: its refresh tokens at once, its access tokens on their next request."""
    if grant_id is not None:
        session.execute(stop_grants(reason, now, grant_id=grant_id))


def _claimed(result: object) -> bool:
    """Whether a conditional update (`... WHERE used_at IS NULL`) matched its one row: of two
    concurrent redemptions, only one does."""
    return isinstance(result, CursorResult) and result.rowcount == 1


def _dpop_jkt(client: Client, bound_jkt: str | None) -> str | None:
    """The key the new tokens are bound to, from the request's (already verified) DPoP proof."""
    proof = current_call().dpop
    if proof is None and (client.row.require_dpop or bound_jkt):
        raise InvalidDpopProofError("A DPoP proof is required for this client and grant.")
    if bound_jkt is not None and proof is not None and proof.jkt != bound_jkt:
        raise InvalidDpopProofError("The DPoP proof's key is not the one this grant is bound to.")
    return proof.jkt if proof else None


def _issue(
    server: OAuthServer,
    client: Client,
    grant: Grant,
    consent: Consent,
    scope: list[str],
    jkt: str | None,
    now: datetime,
) -> dict[str, Any]:
    """An access token carrying the consent, and (when the client may refresh) a refresh token.
    Its scopes are no more than the consent allows now (a narrowed consent refreshes narrower)."""
    scope = [s for s in scope if s not in DATA_SCOPES or s in consent.datasets]
    says = TokenClaims(
        basis=Basis.CONSENT,
        agency=client.row.agency_code,
        service_card=consent.service_card_id,
        citizen=consent.citizen,
        data_subject=consent.subject,
        consent_id=consent.id,
        grant_id=grant.id,
        dpop_jkt=jkt,
        query_budget=client.row.query_cost_budget,
    )
    token = token_response(
        server,
        client_id=client.client_id,
        subject=consent.citizen,
        scopes=scope,
        says=says,
        now=now,
    )
    if client.check_grant_type("refresh_token"):
        refresh_token = secrets.token_urlsafe(32)
        expires_at = min(now + REFRESH_TOKEN_LIFETIME, aware(consent.expires_at))
        current_session().add(
            RefreshToken(
                token_hash=secret_hash(refresh_token),
                grant_id=grant.id,
                created_at=now,
                expires_at=expires_at,
            )
        )
        token["refresh_token"] = refresh_token
    return token


def _consent_in_force(session: Session, consent_id: str, now: datetime) -> Consent:
    consent = session.get(Consent, consent_id)
    if consent is None:
        raise InvalidGrantError("The consent behind this grant no longer exists.")
    status = standing(consent, now)
    if status is not ConsentStatus.ACTIVE:
        raise InvalidGrantError(f"The consent behind this grant is {status.lower()}.")
    return consent


@dataclass
class IssuedCode:
    """An AuthorizationCode row as Authlib's grant and PKCE extension read it."""

    row: AuthorizationCode

    @property
    def code_challenge(self) -> str:
        return self.row.code_challenge

    def get_redirect_uri(self) -> str:
        return self.row.redirect_uri

    def get_scope(self) -> str:
        return self.row.scope


class AuthorizationCodeGrant(grants.AuthorizationCodeGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(TOKEN_AUTH_METHODS)
    server: OAuthServer

    def query_authorization_code(self, code: str, client: Client) -> IssuedCode | None:
        session, now = current_session(), self.server.now()
        row = session.get(AuthorizationCode, secret_hash(code))
        if row is None or row.client_id != client.client_id:
            return None
        if row.used_at is not None:
            revoke_grant(session, row.grant_id, GrantEnd.CODE_REUSE, now)
            raise InvalidGrantError(
                "The authorization code was already used; the tokens issued for it are revoked."
            )
        if aware(row.expires_at) <= now:
            raise InvalidGrantError("The authorization code has expired.")
        return IssuedCode(row)

    def authenticate_user(self, authorization_code: IssuedCode) -> str:
        return authorization_code.row.citizen

    @hooked
    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        client: Client = self.request.client
        row: AuthorizationCode = self.request.authorization_code.row
        session, now = current_session(), self.server.now()
        consent = _consent_in_force(session, row.consent_id, now)
        jkt = _dpop_jkt(client, row.dpop_jkt)
        claimed = session.execute(
            update(AuthorizationCode)
            .where(
                AuthorizationCode.code_hash == row.code_hash,
                AuthorizationCode.used_at.is_(None),
            )
            .values(used_at=now)
        )
        if not _claimed(claimed):
            session.refresh(row)
            revoke_grant(session, row.grant_id, GrantEnd.CODE_REUSE, now)
            raise InvalidGrantError("The authorization code was already used.")
        grant = Grant(
            id=new_grant_id(),
            client_id=client.client_id,
            consent_id=consent.id,
            citizen=row.citizen,
            scope=row.scope,
            dpop_jkt=jkt,
            created_at=now,
        )
        session.add(grant)
        session.flush()
        row.grant_id = grant.id
        token = _issue(self.server, client, grant, consent, scope_to_list(row.scope), jkt, now)
        return 200, token, self.TOKEN_RESPONSE_HEADER


@dataclass
class PresentedRefreshToken:
    row: RefreshToken
    grant: Grant
    consent: Consent

    def check_client(self, client: Client) -> bool:
        return self.grant.client_id == client.client_id

    def get_scope(self) -> str:
        return self.grant.scope


class RefreshTokenGrant(grants.RefreshTokenGrant):
    TOKEN_ENDPOINT_AUTH_METHODS: ClassVar[list[str]] = list(TOKEN_AUTH_METHODS)
    INCLUDE_NEW_REFRESH_TOKEN = True
    server: OAuthServer

    def authenticate_refresh_token(self, refresh_token: str) -> PresentedRefreshToken | None:
        session, now = current_session(), self.server.now()
        row = session.get(RefreshToken, secret_hash(refresh_token))
        if row is None:
            return None
        grant = session.get(Grant, row.grant_id)
        # Another client's token: refused without touching it (Authlib also checks check_client).
        if grant is None or grant.client_id != self.request.client.client_id:
            return None
        if row.used_at is not None:
            revoke_grant(session, grant.id, GrantEnd.REFRESH_REUSE, now)
            raise InvalidGrantError(
                "The refresh token was already used; every token of its grant is revoked."
            )
        if grant.revoked_at is not None:
            raise InvalidGrantError("The grant of this refresh token is revoked.")
        if aware(row.expires_at) <= now:
            raise InvalidGrantError("The refresh token has expired.")
        consent = _consent_in_force(session, grant.consent_id, now)
        return PresentedRefreshToken(row, grant, consent)

    def authenticate_user(self, refresh_token: PresentedRefreshToken) -> str:
        return refresh_token.grant.citizen

    @hooked
    def create_token_response(self) -> tuple[int, dict[str, Any], list[tuple[str, str]]]:
        client: Client = self.request.client
        presented: PresentedRefreshToken = self.request.refresh_token
        session, now = current_session(), self.server.now()
        jkt = _dpop_jkt(client, presented.grant.dpop_jkt)
        claimed = session.execute(
            update(RefreshToken)
            .where(
                RefreshToken.token_hash == presented.row.token_hash,
                RefreshToken.used_at.is_(None),
            )
            .values(used_at=now)
        )
        if not _claimed(claimed):
            revoke_grant(session, presented.grant.id, GrantEnd.REFRESH_REUSE, now)
            raise InvalidGrantError("The refresh token was already used.")
        # A narrower scope may be asked for (Authlib checked it is within the grant's).
        scope = scope_to_list(self.request.payload.scope) or scope_to_list(presented.grant.scope)
        token = _issue(self.server, client, presented.grant, presented.consent, scope, jkt, now)
        return 200, token, self.TOKEN_RESPONSE_HEADER
