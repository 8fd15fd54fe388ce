"""Reading a standard record: decide, load through the source's DataLoader, and answer with the
record as a domain value (`Record`), which the schema's record types wrap."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType

from observability import tracing
from resolvers.audit_notes import asked_datasets, log_read
from resolvers.context import RequestContext
from resolvers.loaders import Fetched
from standard.datasets import Dataset
from standard.errors import DarvazehError, ErrorCode
from standard.records import RecordSpec, RecordStatus

logger = logging.getLogger(__name__)
# The span of a nested record's access decision: one citizen, one record type.
_ONE_RECORD: dict[str, int] = {"darvazeh.access.citizens": 1, "darvazeh.access.records": 1}
_NO_VALUES: Mapping[str, object] = MappingProxyType({})


# Provenance and Record are built once per record read, the hottest path: plain slotted
# dataclasses, since a frozen one costs about four times as much to build. Nobody changes them.
@dataclass(slots=True)
class Provenance:
    """Where a record came from and how fresh it is."""

    agency: str
    datasource: str
    retrieved_at: datetime
    last_updated: datetime | None
    status: RecordStatus


@dataclass(slots=True)
class Record:
    """One citizen's standard record as a read answered it: the values by standard field name
    (none for NO_RECORD), where they came from, whose they are, and which of the record's
    datasets were denied (the fields of those answer with the decision's error)."""

    values: Mapping[str, object]
    provenance: Provenance
    subject: str
    denied: frozenset[Dataset]


# What a root field read ahead for one citizen: by record type, the record or the error its
# field answers with.
Prefetched = Mapping[str, Record | DarvazehError]


def denied_datasets(context: RequestContext, subject: str, spec: RecordSpec) -> frozenset[Dataset]:
    return frozenset(d for d in spec.datasets if not context.decision(subject, d).granted)


def denied_for_all(context: RequestContext, spec: RecordSpec) -> frozenset[Dataset] | None:
    """`denied_datasets` when it is the same for every subject (no decision looks at whose data
    it is), else None."""
    denied: set[Dataset] = set()
    for dataset in spec.datasets:
        decision = context.uniform_decision(dataset)
        if decision is None:
            return None
        if not decision.granted:
            denied.add(dataset)
    return frozenset(denied)


def nothing_readable(
    context: RequestContext, subject: str, spec: RecordSpec, asked: frozenset[str]
) -> DarvazehError | None:
    """The error to answer with when every dataset the query asks of the record is denied."""
    return refusal_of(context, subject, asked_datasets(spec, asked))


def refusal_of(
    context: RequestContext, subject: str, wanted: tuple[Dataset, ...]
) -> DarvazehError | None:
    """`nothing_readable` for the datasets a query touches (`RecordRead.datasets`)."""
    refusals = [context.decision(subject, d) for d in wanted]
    if all(not decision.granted for decision in refusals):
        return refusals[0].error()
    return None


def unavailable(error: Exception) -> DarvazehError:
    """A source's failure as clients see it: a SourceError or NoSource names the source and the
    kind of fault, never how it is reached (the registry logs the details once per call);
    anything else is logged here and named only as a failure."""
    if isinstance(error, DarvazehError) and error.code is ErrorCode.SOURCE_UNAVAILABLE:
        return error
    logger.error("reading a record failed unexpectedly: %r", error)
    return DarvazehError("the data source failed", code=ErrorCode.SOURCE_UNAVAILABLE)


async def load_record(
    context: RequestContext, subject: str, spec: RecordSpec, asked: frozenset[str]
) -> Record:
    """One citizen's record, read on its own (a nested citizen; the death check): decided,
    logged, then loaded through the source's DataLoader, which batches it with its siblings."""
    if refusal := (await context.refused_subjects([subject])).get(subject):
        raise refusal  # over the per-citizen limit: nothing is decided, read or logged
    with tracing.span("access.decide", _ONE_RECORD):
        log_read(context, subject, spec, asked)
        refusal = nothing_readable(context, subject, spec, asked)
    if refusal is not None:
        raise refusal  # nothing asked of the record may be read: no source is called
    try:
        fetched = await context.loaders.load(spec.record_type, subject)
    except Exception as error:  # SourceError or NoSource: the agency's fields go null
        log_read(context, subject, spec, asked, error=error)
        raise unavailable(error) from None
    return build_record(fetched, subject, denied_datasets(context, subject, spec))


def build_record(fetched: Fetched, subject: str, denied: frozenset[Dataset]) -> Record:
    record, source = fetched.record, fetched.source
    if record is None:
        provenance = Provenance(
            source.agency, source.id, fetched.retrieved_at, None, RecordStatus.NO_RECORD
        )
        return Record(_NO_VALUES, provenance, subject, denied)
    provenance = Provenance(
        source.agency, source.id, fetched.retrieved_at, record.last_updated, RecordStatus.AVAILABLE
    )
    return Record(record.values, provenance, subject, denied)
