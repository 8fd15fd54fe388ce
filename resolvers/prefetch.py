"""Prefetching a list of citizens' records from the root field.

Resolving `citizens(nationalIds: [100 ids]) { identity ... taxStatus }` field by field schedules
700 awaitables in the executor even though the DataLoaders make only 7 source calls. The root
field knows which records are asked for, so it loads each record type for all citizens at once
and hands the executor citizens whose record fields resolve without awaiting.

The access decisions come first and their audit entries start committing at once, so the access
log's commit runs while the agencies answer instead of after.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from observability import tracing
from resolvers.audit_notes import note_read, record_read
from resolvers.context import RequestContext
from resolvers.records import (
    Record,
    build_record,
    denied_datasets,
    denied_for_all,
    refusal_of,
    unavailable,
)
from standard.errors import DarvazehError
from standard.records import RecordSpec


async def prefetch(
    context: RequestContext,
    subjects: Sequence[str],
    records: Sequence[tuple[RecordSpec, frozenset[str]]],
) -> list[dict[str, Record | DarvazehError]]:
    """For each of `subjects` (national codes), by record type: the record, or the error its
    field will carry. `records` pairs each record type asked for with the fields asked of it."""
    answers: list[dict[str, Record | DarvazehError]] = [{} for _ in subjects]
    # Only reading agency data counts against a citizen's limit, not `citizen { nationalId }`.
    refused = await context.refused_subjects(list(subjects) if records else [])
    reading: Sequence[int] = range(len(subjects))
    if refused:
        for index, subject in enumerate(subjects):
            if (error := refused.get(subject)) is not None:
                answers[index].update(
                    dict.fromkeys((spec.record_type for spec, _ in records), error)
                )
        reading = [index for index in reading if subjects[index] not in refused]
    readable: dict[str, list[int]] = {}
    attributes = {
        "darvazeh.access.citizens": len(reading),
        "darvazeh.access.records": len(records),
    }
    # What each record type is asked, worked out once for all the citizens.
    reads = {spec.record_type: record_read(context, spec, asked) for spec, asked in records}
    with tracing.span("access.decide", attributes) as span:
        for spec, _asked in records:
            read = reads[spec.record_type]
            granted = readable[spec.record_type] = []
            for index in reading:
                subject = subjects[index]
                note_read(context, subject, read)
                refusal = refusal_of(context, subject, read.datasets)
                if refusal is None:
                    granted.append(index)
                else:
                    answers[index][spec.record_type] = refusal
        if span is not None:
            passed = sum(len(wanted) for wanted in readable.values())
            span.set_attribute("darvazeh.access.refused", len(reading) * len(records) - passed)
    context.commit_audit_so_far()

    async def one_type(spec: RecordSpec, asked: frozenset[str]) -> None:
        wanted = readable[spec.record_type]
        if not wanted:
            return
        outcomes = await context.loaders.load_many(
            spec.record_type, [subjects[index] for index in wanted]
        )
        shared = denied_for_all(context, spec)
        for index, outcome in zip(wanted, outcomes, strict=True):
            subject = subjects[index]
            if isinstance(outcome, Exception):
                note_read(context, subject, reads[spec.record_type], error=outcome)
                answers[index][spec.record_type] = unavailable(outcome)
            else:
                denied = shared if shared is not None else denied_datasets(context, subject, spec)
                answers[index][spec.record_type] = build_record(outcome, subject, denied)

    await asyncio.gather(*(one_type(spec, asked) for spec, asked in records))
    return answers
