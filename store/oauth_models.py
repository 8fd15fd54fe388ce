"""OAuth grant state: pushed and pending authorization requests, codes, grants, refresh tokens,
one-time JWT ids. Everything a worker needs is here, so any worker can serve any step."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, utcnow
from store.types import UtcDateTime


class AuthorizationRequest(Base):
    """A validated authorization request waiting for the citizen (login, consent), or a PAR one.

    `id` is the secret part of the PAR `request_uri` (urn:ietf:params:oauth:request_uri:<id>) and
    of the consent page's URL; it is single-use.
    """

    __tablename__ = "authorization_requests"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oauth_clients.client_id"), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON)
    pushed: Mapped[bool] = mapped_column(default=False)  # came through PAR
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class Grant(Base):
    """One line of tokens issued from one authorization code (the refresh-token family).

    Access tokens carry its id (`grant` claim); revoking it stops them on the next request.
    """

    __tablename__ = "grants"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oauth_clients.client_id"), index=True)
    consent_id: Mapped[str] = mapped_column(ForeignKey("consents.id"), index=True)
    citizen: Mapped[str] = mapped_column(String(10), index=True)
    scope: Mapped[str] = mapped_column(Text)
    dpop_jkt: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    revoked_reason: Mapped[str | None] = mapped_column(String(200), default=None)


class AuthorizationCode(Base):
    __tablename__ = "authorization_codes"

    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oauth_clients.client_id"))
    citizen: Mapped[str] = mapped_column(String(10))
    consent_id: Mapped[str] = mapped_column(ForeignKey("consents.id"))
    redirect_uri: Mapped[str] = mapped_column(Text)
    scope: Mapped[str] = mapped_column(Text)
    code_challenge: Mapped[str] = mapped_column(String(128))
    dpop_jkt: Mapped[str | None] = mapped_column(String(64), default=None)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    # The grant its (first) redemption created: a second redemption revokes it.
    grant_id: Mapped[str | None] = mapped_column(String(64), default=None)


class RefreshToken(Base):
    __tablename__ = "refresh_tokens"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    grant_id: Mapped[str] = mapped_column(ForeignKey("grants.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set when rotated: presenting it again is reuse, and revokes the whole grant.
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class JtiSeen(Base):
    """One-time JWT ids seen within their acceptance window: DPoP proofs (RFC 9449 §11.1) and
    client assertions (RFC 7523 §3). The key is a hash of (kind, issuer, jti)."""

    __tablename__ = "jtis_seen"

    jti_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime, index=True)
