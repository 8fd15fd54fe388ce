"""Turning access decisions into audit entries: one per (subject, dataset) a request asked for.

Each entry records what `decide` said, and for a granted read whether the agency answered.
The entries go to the access log together, before the response leaves (resolvers/audit_flush.py).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING

from audit.entry import AuditEntry
from auth.principal import Basis
from schema.datasets import Dataset

if TYPE_CHECKING:
    from resolvers.context import RequestContext

GRANTED, DENIED, SOURCE_ERROR = "GRANTED", "DENIED", "SOURCE_ERROR"
_ACTOR_KIND = {
    Basis.CITIZEN: "citizen",
    Basis.CONSENT: "service",
    Basis.STATUTE: "service",
    Basis.AGENCY_ADMIN: "agency",
}


def asked_datasets(record_cls: type, asked: frozenset[str]) -> tuple[Dataset, ...]:
    """The record's datasets the query touches; asking only `provenance` reveals whether a
    record exists, which touches all of them."""
    by_field = record_cls.FIELD_DATASETS  # type: ignore[attr-defined]
    touched = {by_field[name] for name in asked if name in by_field}
    return tuple(d for d in record_cls.DATASETS if d in touched) or record_cls.DATASETS  # type: ignore[attr-defined]


def log_read(
    context: RequestContext,
    subject: str,
    record_cls: type,
    asked: frozenset[str],
    *,
    error: Exception | None = None,
) -> None:
    """Record the decision for each asked dataset of one record of one subject."""
    principal = context.principal
    if principal is None or context.audit_writer is None:
        return  # root fields refuse before any record is decided; or audit is off (benchmarks)
    record_type = record_cls.RECORD_TYPE.value  # type: ignore[attr-defined]
    source = context.registry.source_for(record_type)
    by_field = record_cls.FIELD_DATASETS  # type: ignore[attr-defined]
    actor = principal.citizen if principal.basis is Basis.CITIZEN else principal.client_id
    now = datetime.now(UTC)
    for dataset in asked_datasets(record_cls, asked):
        decision = context.decision(subject, dataset)
        if not decision.granted:
            outcome, reason = DENIED, f"{decision.code}: {decision.reason}"
        elif error is not None:
            outcome, reason = SOURCE_ERROR, str(error)
        else:
            outcome, reason = GRANTED, None
        fields = sorted(f"{record_type}.{name}" for name in asked if by_field.get(name) == dataset)
        context.audit_entries.append(
            AuditEntry(
                occurred_at=now,
                request_id=context.request_id,
                client_id=principal.client_id,
                client_agency=principal.agency,
                actor_kind=_ACTOR_KIND[principal.basis],
                actor=actor or principal.client_id,
                subject=subject,
                datasets=(dataset.value,),
                fields=tuple(fields),
                purpose=principal.service_card,
                legal_basis=_basis(principal.basis),
                consent_id=principal.consent_id,
                statute=principal.statute,
                case_reference=principal.case_reference,
                outcome=outcome,
                reason=reason,
                source_agency=source.agency if source is not None else None,
                token_id=principal.token_id,
            )
        )


def _basis(basis: Basis) -> str:
    return {Basis.AGENCY_ADMIN: "none"}.get(basis, basis.value)
