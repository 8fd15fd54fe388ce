"""The access log: append-only, hash-chained records of every access decision.

Each writing process appends to a chain of its own (a partition), so workers never wait on each
other's locks; `audit_chains` holds each chain's head, so a truncated tail shows too.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from store.db import aware
from store.models import Base, utcnow
from store.types import UtcDateTime


def utc_timestamp(moment: datetime) -> str:
    """One spelling of an instant whatever the engine hands back (SQLite drops the zone)."""
    return aware(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class AuditChain(Base):
    __tablename__ = "audit_chains"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The last record appended: its sequence number and hash (genesis: 0 and the zero hash).
    head_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    head_hash: Mapped[str] = mapped_column(String(64))


class AuditRecord(Base):
    __tablename__ = "audit_records"
    __table_args__ = (
        Index("ix_audit_chain_seq", "chain_id", "seq", unique=True),
        Index("ix_audit_subject_time", "subject", "occurred_at"),
        Index("ix_audit_agency_time", "source_agency", "occurred_at"),
        Index("ix_audit_consent", "consent_id"),
    )

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    chain_id: Mapped[str] = mapped_column(ForeignKey("audit_chains.id"))
    seq: Mapped[int] = mapped_column(BigInteger)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    request_id: Mapped[str] = mapped_column(String(64))
    client_id: Mapped[str] = mapped_column(String(64))
    client_agency: Mapped[str] = mapped_column(String(64))
    actor_kind: Mapped[str] = mapped_column(String(16))  # citizen | service | agency | system
    actor: Mapped[str] = mapped_column(String(64))  # the citizen's code, or the client id
    subject: Mapped[str] = mapped_column(String(10))  # whose data
    datasets: Mapped[list[str]] = mapped_column(JSON)
    fields: Mapped[list[str]] = mapped_column(JSON)
    purpose: Mapped[str | None] = mapped_column(String(64))  # the service card
    # consent | statute | citizen | system | none
    legal_basis: Mapped[str] = mapped_column(String(16))
    consent_id: Mapped[str | None] = mapped_column(String(64))
    statute: Mapped[str | None] = mapped_column(String(300))
    case_reference: Mapped[str | None] = mapped_column(String(200))
    outcome: Mapped[str] = mapped_column(String(16))  # GRANTED | DENIED | SOURCE_ERROR
    reason: Mapped[str | None] = mapped_column(Text)
    source_agency: Mapped[str | None] = mapped_column(String(64))
    token_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    def canonical(self) -> dict[str, Any]:
        """What the hash covers: every field but the row id and the hash itself."""
        values = {name: getattr(self, name) for name in HASHED}
        values["occurred_at"] = utc_timestamp(self.occurred_at)
        values["datasets"], values["fields"] = list(self.datasets), list(self.fields)
        return values


# The columns a record's hash covers (`AuditRecord.canonical`): all but the row id and the hash.
HASHED: tuple[str, ...] = tuple(
    column.name for column in AuditRecord.__table__.columns if column.name not in ("id", "hash")
)
