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
