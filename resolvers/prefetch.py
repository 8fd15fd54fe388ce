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
from typing import Any

from observability import tracing
from resolvers.audit_notes import log_read
from resolvers.context import RequestContext
from resolvers.records import build_record, denied_datasets, nothing_readable, unavailable


async def prefetch(
    context: RequestContext,
    citizens: Sequence[Any],
    records: Sequence[tuple[type, frozenset[str]]],
) -> None:
    """Fill `citizen.prefetched[record_cls]` with the record, or the error its field will carry.

    `records` pairs each record type asked for with the fields asked of it.
    """
    # Only reading agency data counts against a citizen's limit, not `citizen { nationalId }`.
    subjects = [citizen.national_id for citizen in citizens] if records else []
    refused = await context.refused_subjects(subjects)
    if refused:
        for citizen in citizens:
            if (error := refused.get(citizen.national_id)) is not None:
                citizen.prefetched.update(dict.fromkeys((cls for cls, _ in records), error))
        citizens = [citizen for citizen in citizens if citizen.national_id not in refused]
    readable: dict[type, list[Any]] = {}
    attributes = {
        "darvazeh.access.citizens": len(citizens),
        "darvazeh.access.records": len(records),
    }
    with tracing.span("access.decide", attributes) as span:
        for record_cls, asked in records:
            readable[record_cls] = []
            for citizen in citizens:
                log_read(context, citizen.national_id, record_cls, asked)
                refusal = nothing_readable(context, citizen.national_id, record_cls, asked)
                if refusal is None:
                    readable[record_cls].append(citizen)
                else:
                    citizen.prefetched[record_cls] = refusal
        if span is not None:
            granted = sum(len(wanted) for wanted in readable.values())
            span.set_attribute("darvazeh.access.refused", len(citizens) * len(records) - granted)
    context.commit_audit_so_far()

    async def one_type(record_cls: type, asked: frozenset[str]) -> None:
        wanted = readable[record_cls]
        if not wanted:
            return
        outcomes = await context.loaders.load_many(
            record_cls.RECORD_TYPE,  # type: ignore[attr-defined]
            [citizen.national_id for citizen in wanted],
        )
        for citizen, outcome in zip(wanted, outcomes, strict=True):
            subject = citizen.national_id
            if isinstance(outcome, Exception):
                log_read(context, subject, record_cls, asked, error=outcome)
                citizen.prefetched[record_cls] = unavailable(outcome)
            else:
                denied = denied_datasets(context, subject, record_cls)
                citizen.prefetched[record_cls] = build_record(record_cls, outcome, subject, denied)

    await asyncio.gather(*(one_type(record_cls, asked) for record_cls, asked in records))
