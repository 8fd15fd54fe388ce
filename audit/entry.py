"""One record of the access log before it is chained: what a request read (or was refused)."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from standard.statuses import AccessOutcome, LegalBasis
from store.audit_models import AuditRecord

# The record's columns an entry fills; the writer adds chain_id, seq, prev_hash and hash.
_LIMITS: dict[str, int | None] = {
    column.name: getattr(column.type, "length", None) for column in AuditRecord.__table__.columns
}


class ActorKind(StrEnum):
    """Who read: a citizen on their own behalf, a service's client, an agency admin, or the
    gateway itself."""

    CITIZEN = "citizen"
    SERVICE = "service"
    AGENCY = "agency"
    SYSTEM = "system"


@dataclass(frozen=True, slots=True)
class AuditEntry:
    occurred_at: datetime  # aware; stored and hashed in UTC
    request_id: str
    client_id: str
    client_agency: str
    actor_kind: ActorKind
    actor: str  # the citizen's national code, or the client id
    subject: str  # whose data (national code)
    datasets: tuple[str, ...]
    fields: tuple[str, ...]  # standard field names asked for, e.g. "identity.firstName"
    purpose: str | None  # the service card id
    legal_basis: LegalBasis
    consent_id: str | None
    statute: str | None
    case_reference: str | None
    outcome: AccessOutcome
    reason: str | None  # the denial reason or the source's error message
    source_agency: str | None
    token_id: str | None

    def __post_init__(self) -> None:
        """Refuse an entry the store would refuse, so one bad entry never fails a shared commit."""
        if self.occurred_at.tzinfo is None or self.occurred_at.utcoffset() is None:
            raise ValueError("AuditEntry.occurred_at must be timezone-aware")
        for name in ("datasets", "fields"):
            value = getattr(self, name)
            if isinstance(value, str) or not all(isinstance(item, str) for item in value):
                raise TypeError(f"AuditEntry.{name} must be a tuple of strings")
        for name, limit in _LIMITED:
            value = getattr(self, name)
            if isinstance(value, str) and len(value) > limit:
                raise ValueError(f"AuditEntry.{name} is longer than {limit} characters")

    def row(self) -> dict[str, Any]:
        """The record's columns from this entry (times in UTC, lists for the JSON columns)."""
        row: dict[str, Any] = {name: getattr(self, name) for name in _NAMES}
        row["occurred_at"] = self.occurred_at.astimezone(UTC)
        row["datasets"], row["fields"] = list(self.datasets), list(self.fields)
        return row


# Computed once: every request builds entries, and dataclasses.fields() is slow per call.
_NAMES: tuple[str, ...] = tuple(field.name for field in fields(AuditEntry))
_LIMITED: tuple[tuple[str, int], ...] = tuple(
    (name, limit) for name in _NAMES if (limit := _LIMITS.get(name)) is not None
)
