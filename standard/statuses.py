"""Every status the gateway records or answers with, defined once.

The GraphQL schema exposes them by their member names (`strawberry.enum` over these classes); the
store keeps their values.
"""

from __future__ import annotations

from enum import StrEnum


class ConsentStatus(StrEnum):
    """ACTIVE until revoked or until it expires; EXPIRED is derived from the expiry when read."""

    ACTIVE = "ACTIVE"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"


class RevocationReason(StrEnum):
    """Why a consent was revoked."""

    CITIZEN = "CITIZEN"  # the citizen took it back
    DECEASED = "DECEASED"  # the civil registry recorded the death of the citizen or the child


class ConsentChangeKind(StrEnum):
    """What a citizen did to a consent after giving it, kept in its history."""

    NARROWED = "NARROWED"  # some datasets taken back, the rest still allowed
    REVOKED = "REVOKED"


class LegalBasis(StrEnum):
    """What a read happens under: a citizen's consent, a law, the citizen themselves, or the
    gateway's own statutory check. NONE: a caller with no basis to read citizen data at all."""

    CONSENT = "consent"
    STATUTE = "statute"
    CITIZEN = "citizen"
    SYSTEM = "system"
    NONE = "none"


class AccessOutcome(StrEnum):
    """What came of one read, as the access log records it."""

    GRANTED = "GRANTED"
    DENIED = "DENIED"
    SOURCE_ERROR = "SOURCE_ERROR"


class SourceStatus(StrEnum):
    """A data source's health, as every worker's view and the last probe combine it."""

    HEALTHY = "HEALTHY"
    DEGRADED = "DEGRADED"
    DOWN = "DOWN"
    UNKNOWN = "UNKNOWN"


class BreakerState(StrEnum):
    """A source's circuit breaker in one worker."""

    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


class ProactiveMode(StrEnum):
    """What a proactive card asks of the citizen: confirm an offer, or nothing (they may decline
    what is done for them, or are only told)."""

    CONFIRM = "CONFIRM"  # offered; nothing happens until the citizen (or a parent) confirms
    MAY_DECLINE = "MAY_DECLINE"  # done unless the citizen declines
    NOTIFY = "NOTIFY"  # done at once; the citizen is told


class CaseStatus(StrEnum):
    """A proactive service case: OFFERED → CONFIRMED | DECLINED; EXECUTED for what needs no
    answer; CLOSED when the responsible agency has finished with it."""

    OFFERED = "OFFERED"
    CONFIRMED = "CONFIRMED"
    DECLINED = "DECLINED"
    EXECUTED = "EXECUTED"
    CLOSED = "CLOSED"


class CaseRole(StrEnum):
    """Who a case is about (the subject) and who answers for a minor (a parent)."""

    SUBJECT = "SUBJECT"
    PARENT = "PARENT"


class OutboxStatus(StrEnum):
    """A life event in the outbox: waiting, claimed by a worker, turned into cases, or given up
    after its retries (a dead letter the responsible agencies can replay)."""

    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    DONE = "DONE"
    DEAD = "DEAD"


class DeliveryStatus(StrEnum):
    """A case's webhook delivery to its agency."""

    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    DEAD = "DEAD"


class EventChannel(StrEnum):
    """How a life event reached the gateway."""

    GRAPHQL = "GRAPHQL"
    NATS = "NATS"
    AGE_SCAN = "AGE_SCAN"


class StaffRole(StrEnum):
    """What an agency staff account may do in the console: look, or change its agency's
    sources, cards, clients and cases."""

    VIEWER = "VIEWER"
    ADMIN = "ADMIN"
