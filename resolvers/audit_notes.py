"""Noting, for the access log, what a request reads of each record and what was decided.

`log_read` notes, for each dataset a query asks of a record, what `decide` said — before the
source is called, so the commit overlaps the call — and, when a granted read's agency then fails,
that failure. The entries are built by `audit.trail.Trail` and committed before the response
leaves (RequestContext.commit_audit_so_far, AuditFlush).
"""

from __future__ import annotations

from resolvers.context import RequestContext
from standard.datasets import Dataset
from standard.records import RecordSpec
from standard.statuses import AccessOutcome


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
    trail = context.trail
    if trail is None:
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
            outcome, reason = AccessOutcome.SOURCE_ERROR, str(error)
        elif not decision.granted:
            outcome, reason = AccessOutcome.DENIED, f"{decision.code}: {decision.reason}"
        else:
            outcome, reason = AccessOutcome.GRANTED, None
        fields = (f"{record_type}.{name}" for name in asked if by_field.get(name) == dataset)
        trail.note(subject, agency, dataset, outcome, reason, fields)
