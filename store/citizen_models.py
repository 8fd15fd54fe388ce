"""Citizens' side of the store: accounts for the demo login, browser sessions, login throttling
and consents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, utcnow
from store.types import UtcDateTime


class CitizenAccount(Base):
    """A password login for the embedded demo; a national single sign-on replaces it later."""

    __tablename__ = "citizen_accounts"

    national_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    password_hash: Mapped[str] = mapped_column(String(200))  # argon2id
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


class LoginThrottle(Base):
    """Failed logins per key (a national id, or a client address) in the current window."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    window_started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    blocked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class BrowserSession(Base):
    """A logged-in citizen's browser. The cookie holds the id; the store holds the hash."""

    __tablename__ = "browser_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    citizen: Mapped[str] = mapped_column(String(10), index=True)
    csrf_secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Consent(Base):
    """A citizen's consent to one client, for its service card's purpose, for a limited time.

    `subject` is whose data may be read: the citizen, or the minor child they consented for.
    """

    __tablename__ = "consents"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    citizen: Mapped[str] = mapped_column(String(10), index=True)
    subject: Mapped[str] = mapped_column(String(10), index=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("oauth_clients.client_id"), index=True)
    service_card_id: Mapped[str] = mapped_column(ForeignKey("service_cards.id"))
    datasets: Mapped[list[str]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # ACTIVE or REVOKED; EXPIRED is derived from expires_at when read, so it is never stale.
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    use_count: Mapped[int] = mapped_column(Integer, default=0)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
