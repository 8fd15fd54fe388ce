"""Noting, for the access log, what a request reads of each record and what was decided.

`log_read` notes, for each dataset a query asks of a record, what `decide` said — before the
source is called, so the commit overlaps the call — and, when a granted read's agency then fails,
that failure. The entries are built by `audit.trail.Trail` and committed before the response
leaves (RequestContext.commit_audit_so_far, AuditFlush). A root field reading many citizens works
out what it asks of each record type once (`record_read`) and notes each citizen with it.
"""

from __future__ import annotations

from dataclasses import dataclass

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


@dataclass(frozen=True, slots=True)
class RecordRead:
    """What a query asks of one record type: its source's agency, the datasets it touches and,
    for each of them, the standard names of the fields asked (e.g. `identity.firstName`)."""

    record: RecordSpec
    agency: str | None
    datasets: tuple[Dataset, ...]
    fields: tuple[tuple[str, ...], ...]  # one tuple per dataset, in the order of `datasets`


def record_read(context: RequestContext, record: RecordSpec, asked: frozenset[str]) -> RecordRead:
    source = context.registry.source_for(record.record_type)
    by_field = record.field_datasets
    datasets = asked_datasets(record, asked)
    fields = tuple(
        tuple(f"{record.record_type}.{name}" for name in asked if by_field.get(name) == dataset)
        for dataset in datasets
    )
    return RecordRead(record, source.agency if source is not None else None, datasets, fields)


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
    if context.trail is not None:
        note_read(context, subject, record_read(context, record, asked), error=error)


def note_read(
    context: RequestContext, subject: str, read: RecordRead, *, error: Exception | None = None
) -> None:
    """`log_read` for a record whose asked datasets and fields are already worked out."""
    trail = context.trail
    if trail is None:
        return  # root fields refuse before any record is decided; or audit is off (benchmarks)
    for dataset, fields in zip(read.datasets, read.fields, strict=True):
        decision = context.decision(subject, dataset)
        if error is not None:
            if not decision.granted:
                continue
            outcome, reason = AccessOutcome.SOURCE_ERROR, str(error)
        elif not decision.granted:
            outcome, reason = AccessOutcome.DENIED, f"{decision.code}: {decision.reason}"
        else:
            outcome, reason = AccessOutcome.GRANTED, None
        trail.note(subject, read.agency, dataset, outcome, reason, fields)
