"""The edge's own state: rate-limit counters (when no Redis is configured) and the persisted
documents each service client may run (its safelist)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, utcnow
from store.types import UtcDateTime

MAX_COUNTER_KEY = 200


class RateCounter(Base):
    """One fixed window of one rate-limit key: hits so far, and when the window ends."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(MAX_COUNTER_KEY), primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)
    # Milliseconds since the epoch: compared in SQL, the same on every engine (no time zones).
    expires_at_ms: Mapped[int] = mapped_column(BigInteger, index=True)


class PersistedQuery(Base):
    """A document on a client's safelist, named by the SHA-256 of its text (hex)."""

    __tablename__ = "persisted_queries"
    __table_args__ = (Index("ix_persisted_queries_client", "client_id", "created_at"),)

    client_id: Mapped[str] = mapped_column(
        ForeignKey("oauth_clients.client_id", ondelete="CASCADE"), primary_key=True
    )
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    document: Mapped[str] = mapped_column(Text)
    name: Mapped[str | None] = mapped_column(String(100), default=None)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
