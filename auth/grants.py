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
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar

from authlib.oauth2.rfc6749 import InvalidGrantError, OAuth2Error, grants
from authlib.oauth2.rfc6749.hooks import hooked
from authlib.oauth2.rfc6749.util import scope_to_list
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from auth.client_auth import TOKEN_AUTH_METHODS
from auth.consents import ACTIVE, status_of
from auth.oauth_call import current_call, current_session, secret_hash
from auth.principal import Basis
from auth.tokens import QUERY_BUDGET_CLAIM, issue_access_token
from store.citizen_models import Consent
from store.db import aware
from store.oauth_models import AuthorizationCode, Grant, RefreshToken

if TYPE_CHECKING:
    from auth.authorization_server import Client, DarvazehAuthorizationServer

REFRESH_TOKEN_LIFETIME = timedelta(days=30)
CODE_REUSE = "authorization code reuse"
REFRESH_REUSE = "refresh token reuse"


class InvalidDpopProofError(OAuth2Error):
    """RFC 9449 §5: the token request's DPoP proof is missing, invalid or of the wrong key."""

    error = "invalid_dpop_proof"
    status_code = 400


class TemporarilyUnavailableError(OAuth2Error):
    """The civil registry could not confirm the citizen is alive: try again later."""

    error = "temporarily_unavailable"
    status_code = 503


async def citizens_behind(session: AsyncSession, form: dict[str, str]) -> list[str]:
    """The citizen and the data subject (a child) behind a code exchange or a refresh, read
    before Authlib runs (the death check is async). Empty when the code or refresh token is
    unknown or spent: Authlib refuses those anyway."""
    now = datetime.now(UTC)
    consent_id: str | None = None
    if form.get("grant_type") == "authorization_code" and form.get("code"):
        code = await session.get(AuthorizationCode, secret_hash(form["code"]))
        if code is not None and code.used_at is None and aware(code.expires_at) > now:
            consent_id = code.consent_id
    elif form.get("grant_type") == "refresh_token" and form.get("refresh_token"):
        refresh = await session.get(RefreshToken, secret_hash(form["refresh_token"]))
        grant = await session.get(Grant, refresh.grant_id) if refresh is not None else None
        if refresh is not None and refresh.used_at is None and grant is not None:
            consent_id = grant.consent_id if grant.revoked_at is None else None
    consent = await session.get(Consent, consent_id) if consent_id else None
    if consent is None:
        return []
    return list(dict.fromkeys([consent.citizen, consent.subject]))


def new_grant_id() -> str:
    return secrets.token_urlsafe(24)


def revoke_grant(session: Session, grant_id: str | None, reason: str, now: datetime) -> None:
    """Stop a grant: its refresh tokens at once, its access tokens on their next request."""
    if grant_id is None:
        return
    session.execute(
        update(Grant)
        .where(Grant.id == grant_id, Grant.revoked_at.is_(None))
        .values(revoked_at=now, revoked_reason=reason)
    )


def _dpop_jkt(client: Client, bound_jkt: str | None) -> str | None:
    """The key the new tokens are bound to, from the request's (already verified) DPoP proof."""
    proof = current_call().dpop
    if proof is None and (client.row.require_dpop or bound_jkt):
        raise InvalidDpopProofError("A DPoP proof is required for this client and grant.")
    if bound_jkt is not None and proof is not None and proof.jkt != bound_jkt:
        raise InvalidDpopProofError("The DPoP proof's key is not the one this grant is bound to.")
    return proof.jkt if proof else None


def _issue(
    server: DarvazehAuthorizationServer,
    client: Client,
    grant: Grant,
    consent: Consent,
    scope: list[str],
    jkt: str | None,
    now: datetime,
) -> dict[str, Any]:
    """An access token carrying the consent, and (when the client may refresh) a refresh token."""
    claims: dict[str, Any] = {
        "basis": Basis.CONSENT.value,
        "agency": client.row.agency_code,
        "service_card": consent.service_card_id,
        "citizen": consent.citizen,
        "subject": consent.subject,
        "consent_id": consent.id,
        "grant": grant.id,
    }
    if client.row.query_cost_budget is not None:
        claims[QUERY_BUDGET_CLAIM] = client.row.query_cost_budget
    if jkt:
        claims["cnf"] = {"jkt": jkt}
    key = current_call().key
    if key is None:  # pragma: no cover - the token endpoint always binds its signing key
        raise RuntimeError("no signing key bound to this call")
    ttl = server.access_token_ttl
    access_token, _jti, _exp = issue_access_token(
        key,
        issuer=server.issuer,
        audience=server.audience,
        client_id=client.client_id,
        subject=consent.citizen,
        scopes=scope,
        ttl=ttl,
        claims=claims,
        now=int(now.timestamp()),
    )
    token: dict[str, Any] = {
        "access_token": access_token,
        "token_type": "DPoP" if jkt else "Bearer",
        "expires_in": ttl,
        "scope": " ".join(sorted(scope)),
    }
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
    status = status_of(consent, now)
    if status != ACTIVE:
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
    server: DarvazehAuthorizationServer

    def query_authorization_code(self, code: str, client: Client) -> IssuedCode | None:
        session, now = current_session(), self.server.now()
        row = session.get(AuthorizationCode, secret_hash(code))
        if row is None or row.client_id != client.client_id:
            return None
        if row.used_at is not None:
            revoke_grant(session, row.grant_id, CODE_REUSE, now)
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
        row = self.request.authorization_code.row
        session, now = current_session(), self.server.now()
        consent = _consent_in_force(session, row.consent_id, now)
        jkt = _dpop_jkt(client, row.dpop_jkt)
        # Claimed by a conditional update: of two concurrent redemptions only one matches.
        claimed = session.execute(
            update(AuthorizationCode)
            .where(
                AuthorizationCode.code_hash == row.code_hash,
                AuthorizationCode.used_at.is_(None),
            )
            .values(used_at=now)
        )
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            session.refresh(row)
            revoke_grant(session, row.grant_id, CODE_REUSE, now)
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
    server: DarvazehAuthorizationServer

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
            revoke_grant(session, grant.id, REFRESH_REUSE, now)
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
        if claimed.rowcount != 1:  # type: ignore[attr-defined]
            revoke_grant(session, presented.grant.id, REFRESH_REUSE, now)
            raise InvalidGrantError("The refresh token was already used.")
        # A narrower scope may be asked for (Authlib checked it is within the grant's).
        scope = scope_to_list(self.request.payload.scope) or scope_to_list(presented.grant.scope)
        token = _issue(self.server, client, presented.grant, presented.consent, scope, jkt, now)
        return 200, token, self.TOKEN_RESPONSE_HEADER
