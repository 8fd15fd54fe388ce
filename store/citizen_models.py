"""Citizens' side of the store: accounts for the demo login, browser sessions, trusted browsers,
login throttling, ended citizens and consents."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, Integer, String
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
    """Login attempts per key (an account, a trusted browser of an account, or a client address)
    since the key's last success or quiet spell (auth/accounts/throttle.py)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    # Attempts counted against the key; also the version a reservation compares and sets.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # No attempt is reserved before this instant (the growing delay).
    next_allowed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class TrustedDevice(Base):
    """A browser a citizen has logged in with: its cookie holds a random id, the store its hash.
    Its attempts are counted apart from the account's, so nobody elsewhere can slow it down."""

    __tablename__ = "trusted_devices"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    citizen: Mapped[str] = mapped_column(String(10), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class EndedCitizen(Base):
    """A citizen whose own access has ended (a registered death): no login, session or consent
    of theirs is accepted again. Their records stay readable under statute."""

    __tablename__ = "ended_citizens"

    national_id: Mapped[str] = mapped_column(String(10), primary_key=True)
    reason: Mapped[str] = mapped_column(String(32))  # auth.accounts.ended.EndReason
    ended_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)


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
    # Why it was revoked (standard.statuses.RevocationReason): the citizen, or a registered death.
    revoked_reason: Mapped[str | None] = mapped_column(String(32), default=None)
    use_count: Mapped[int] = mapped_column(Integer, default=0)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class ConsentChange(Base):
    """One change to a consent after it was given (narrowed, revoked): what it allowed before and
    after, when, and by whom. Never updated or deleted, so the consent's history stays whole."""

    __tablename__ = "consent_changes"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    consent_id: Mapped[str] = mapped_column(ForeignKey("consents.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # standard.statuses.ConsentChangeKind
    datasets_before: Mapped[list[str]] = mapped_column(JSON)
    datasets_after: Mapped[list[str]] = mapped_column(JSON)
    changed_by: Mapped[str] = mapped_column(String(10))  # the citizen's national code
    changed_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
