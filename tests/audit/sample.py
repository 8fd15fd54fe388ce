"""Entries as one request over several datasets records them (shared by the tests and the
durability test's server process)."""

from __future__ import annotations

from datetime import UTC, datetime

from audit import AuditEntry


def entries(request_id: str, count: int = 7, *, subject: str = "0012345678") -> list[AuditEntry]:
    """What one request over `count` datasets records."""
    now = datetime.now(UTC)
    return [
        AuditEntry(
            occurred_at=now,
            request_id=request_id,
            client_id="client-1",
            client_agency="welfare",
            actor_kind="service",
            actor="client-1",
            subject=subject,
            datasets=(f"dataset{index}",),
            fields=(f"dataset{index}.value", "identity.firstName"),
            purpose="card-1",
            legal_basis="consent",
            consent_id="consent-1",
            statute=None,
            case_reference=None,
            outcome="GRANTED" if index % 3 else "DENIED",
            reason=None if index % 3 else "نیاز به رضایت",  # non-ASCII survives the hash
            source_agency="civil",
            token_id="token-1",
        )
        for index in range(count)
    ]
