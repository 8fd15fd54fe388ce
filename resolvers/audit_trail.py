"""Turning access decisions into audit entries.

`log_read` notes, for each dataset a query asks of a record, what `decide` said — before the
source is called, so the commit overlaps the call — and, when a granted read's agency then fails,
that failure. `entries` gives one audit entry per subject, source agency and outcome — e.g. "civil
registry: identity, birth, address of X, granted" — which are committed before the response
leaves (RequestContext.commit_audit_so_far, AuditFlush).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from audit.entry import AuditEntry
from auth.principal import Basis
from standard.datasets import Dataset
from standard.records import RecordSpec

if TYPE_CHECKING:
    from resolvers.context import RequestContext

GRANTED, DENIED, SOURCE_ERROR = "GRANTED", "DENIED", "SOURCE_ERROR"
_ACTOR_KIND = {
    Basis.CITIZEN: "citizen",
    Basis.CONSENT: "service",
    Basis.STATUTE: "service",
    Basis.AGENCY_ADMIN: "agency",
    Basis.SYSTEM: "system",
}

_ORDER = {dataset.value: index for index, dataset in enumerate(Dataset)}  # the standard's order
# (subject, source agency, outcome, reason): one audit entry each.
ReadKey = tuple[str, str | None, str, str | None]


@dataclass
class Reads:
    datasets: list[str] = field(default_factory=list)
    fields: set[str] = field(default_factory=set)


def asked_datasets(record: RecordSpec, asked: frozenset[str]) -> tuple[Dataset, ...]:
    """The record's datasets the query touches; asking only `provenance` reveals whether a
    record exists, which touches all of them."""
    by_field = record.field_datasets
    touched = {by_field[name] for name in asked if name in by_field}
    return tuple(d for d in record.datasets if d in touched) or record.datasets


def log_read(
    context: RequestContext,
    subject: str,
    record: RecordSpec,
    asked: frozenset[str],
    *,
    error: Exception | None = None,
) -> None:
    """Note the decision for each asked dataset of one record of one subject; with `error`, note
    instead that the granted ones could not be read (the decisions are already noted)."""
    if context.principal is None or context.audit_writer is None:
        return  # root fields refuse before any record is decided; or audit is off (benchmarks)
    record_type = record.record_type
    source = context.registry.source_for(record_type)
    agency = source.agency if source is not None else None
    by_field = record.field_datasets
    for dataset in asked_datasets(record, asked):
        decision = context.decision(subject, dataset)
        if error is not None:
            if not decision.granted:
                continue
            outcome, reason = SOURCE_ERROR, str(error)
        elif not decision.granted:
            outcome, reason = DENIED, f"{decision.code}: {decision.reason}"
        else:
            outcome, reason = GRANTED, None
        reads = context.audit_reads.setdefault((subject, agency, outcome, reason), Reads())
        if dataset.value not in reads.datasets:
            reads.datasets.append(dataset.value)
        reads.fields.update(
            f"{record_type}.{name}" for name in asked if by_field.get(name) == dataset
        )


def entries(context: RequestContext) -> list[AuditEntry]:
    """The request's audit entries, from what `log_read` noted."""
    principal = context.principal
    if principal is None or not context.audit_reads:
        return []
    actor = principal.citizen if principal.basis is Basis.CITIZEN else principal.client_id
    now = datetime.now(UTC)
    return [
        AuditEntry(
            occurred_at=now,
            request_id=context.request_id,
            client_id=principal.client_id,
            client_agency=principal.agency,
            actor_kind=_ACTOR_KIND[principal.basis],
            actor=actor or principal.client_id,
            subject=subject,
            datasets=tuple(sorted(reads.datasets, key=_ORDER.__getitem__)),
            fields=tuple(sorted(reads.fields)),
            purpose=principal.service_card,
            legal_basis="none" if principal.basis is Basis.AGENCY_ADMIN else principal.basis.value,
            consent_id=principal.consent_id,
            statute=principal.statute,
            case_reference=principal.case_reference,
            outcome=outcome,
            reason=reason,
            source_agency=agency,
            token_id=principal.token_id,
        )
        for (subject, agency, outcome, reason), reads in context.audit_reads.items()
    ]
