"""The proactive engine's tables: life events (the outbox), the service cases made from them,
who each case is about, their webhook deliveries, the agencies' webhooks and the age scan's days.

A case's idempotency key (event id and card id) is unique, so two workers, a retried batch or a
replayed dead letter never make a second case for the same event and card.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from store.models import Base, utcnow
from store.types import UtcDateTime


class LifeEventRecord(Base):
    """One life event, as reported (or found by the age scan), and its place in the outbox."""

    __tablename__ = "life_events"
    # The agency's own event id makes a report idempotent.
    __table_args__ = (
        UniqueConstraint("agency_code", "source_event_id", name="uq_life_events_source"),
        # What a worker claims: the due rows of a status, oldest first.
        Index("ix_life_events_due", "status", "next_attempt_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)  # uuid4
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    source_event_id: Mapped[str] = mapped_column(String(128))
    kind: Mapped[str] = mapped_column(String(32))  # standard.life_events.LifeEvent
    national_id: Mapped[str] = mapped_column(String(10), index=True)
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    channel: Mapped[str] = mapped_column(String(16))  # standard.statuses.EventChannel
    reported_by: Mapped[str] = mapped_column(String(64))  # client id, or the age scan
    reported_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    # The outbox: standard.statuses.OutboxStatus, retries and the worker's lease.
    status: Mapped[str] = mapped_column(String(16), default="PENDING")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    claimed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    processed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class ServiceCaseRecord(Base):
    """A proactive service case for the responsible agency."""

    __tablename__ = "service_cases"
    __table_args__ = (
        Index("ix_service_cases_agency", "agency_code", "seq"),
        Index("ix_service_cases_card_subject", "card_id", "subject_national_id", "status"),
    )

    # The order cases were made in: an agency's feed (query, subscription) pages on it.
    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    )
    id: Mapped[str] = mapped_column(String(36), unique=True)  # uuid4, the case's public id
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)  # event id:card id
    event_id: Mapped[str] = mapped_column(ForeignKey("life_events.id"), index=True)
    card_id: Mapped[str] = mapped_column(ForeignKey("service_cards.id"))
    card_version: Mapped[int] = mapped_column(Integer)
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"))
    subject_national_id: Mapped[str] = mapped_column(String(10))
    mode: Mapped[str] = mapped_column(String(16))  # standard.statuses.ProactiveMode
    status: Mapped[str] = mapped_column(String(16))  # standard.statuses.CaseStatus
    # The records the engine read, each with its provenance, and the facts that triggered it.
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)
    answered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    answered_by: Mapped[str | None] = mapped_column(String(10), default=None)  # national code
    answer_note: Mapped[str | None] = mapped_column(String(500), default=None)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    closed_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class ServiceCasePerson(Base):
    """Who may see and answer a case: its subject, and the parents of a minor."""

    __tablename__ = "service_case_people"

    case_id: Mapped[str] = mapped_column(
        ForeignKey("service_cases.id", ondelete="CASCADE"), primary_key=True
    )
    national_id: Mapped[str] = mapped_column(String(10), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(16))  # standard.statuses.CaseRole


class AgencyWebhook(Base):
    """Where an agency receives its new cases, and the secret they are signed with."""

    __tablename__ = "agency_webhooks"

    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"), primary_key=True)
    url: Mapped[str] = mapped_column(String(500))
    secret_sealed: Mapped[str] = mapped_column(Text)  # store.secrets.SecretBox
    enabled: Mapped[bool] = mapped_column(default=True)
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow, onupdate=utcnow)


class CaseDelivery(Base):
    """A case's webhook delivery: an outbox row of its own, retried until delivered or dead."""

    __tablename__ = "case_deliveries"
    __table_args__ = (Index("ix_case_deliveries_due", "status", "next_attempt_at"),)

    case_id: Mapped[str] = mapped_column(
        ForeignKey("service_cases.id", ondelete="CASCADE"), primary_key=True
    )
    agency_code: Mapped[str] = mapped_column(ForeignKey("agencies.code"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="PENDING")  # DeliveryStatus
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)
    last_error: Mapped[str | None] = mapped_column(String(500), default=None)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime, default=None)


class AgeScanDay(Base):
    """One day of the age scan, done: a day is scanned once, and the scan resumes after the
    last day done (a missed day is caught up)."""

    __tablename__ = "age_scan_days"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    events: Mapped[int] = mapped_column(Integer, default=0)
    scanned_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
