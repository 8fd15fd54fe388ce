"""Resolving a standard record: decide, load through the source's DataLoader, build the type."""

from __future__ import annotations

import logging
from collections.abc import Awaitable
from typing import Any, TypeVar

from strawberry.types import Info

from datasources.base import SourceError
from observability import tracing
from resolvers.audit_notes import asked_datasets, log_read
from resolvers.context import RequestContext
from resolvers.errors import field_error
from resolvers.loaders import Fetched, NoSource
from resolvers.selection import asked_fields
from schema.standard import Provenance, RecordStatus
from standard.errors import ErrorCode

R = TypeVar("R")
logger = logging.getLogger(__name__)
# The span of a nested record's access decision: one citizen, one record type.
_ONE_RECORD: dict[str, int] = {"darvazeh.access.citizens": 1, "darvazeh.access.records": 1}


def denied_datasets(context: RequestContext, subject: str, record_cls: type) -> frozenset:
    datasets = record_cls.DATASETS  # type: ignore[attr-defined]
    return frozenset(d for d in datasets if not context.decision(subject, d).granted)


def nothing_readable(
    context: RequestContext, subject: str, record_cls: type, asked: frozenset[str]
) -> Exception | None:
    """The error to answer with when every dataset the query asks of the record is denied."""
    wanted = asked_datasets(record_cls, asked)
    refusals = [context.decision(subject, d) for d in wanted]
    if all(not decision.granted for decision in refusals):
        return refusals[0].error()
    return None


def unavailable(error: Exception) -> Exception:
    """A source's failure, as the field error clients see: which source and what kind of fault,
    never how it is reached (the registry logs the details once per call)."""
    if isinstance(error, SourceError):
        message = error.public
    elif isinstance(error, NoSource):
        message = str(error)
    else:
        logger.error("reading a record failed unexpectedly: %r", error)
        message = "the data source failed"
    return field_error(ErrorCode.SOURCE_UNAVAILABLE, message)


def resolve_record(info: Info, citizen: Any, record_cls: type[R]) -> R | Awaitable[R]:
    """The record the root field prefetched, or an awaitable that loads it (nested citizens)."""
    if citizen.prefetched:
        ready = citizen.prefetched.get(record_cls)
        if ready is not None:
            if isinstance(ready, Exception):
                raise ready
            return ready
    return load_record(info.context, citizen.national_id, record_cls, asked_fields(info))


async def load_record(
    context: RequestContext, subject: str, record_cls: type[R], asked: frozenset[str]
) -> R:
    if refusal := (await context.refused_subjects([subject])).get(subject):
        raise refusal  # over the per-citizen limit: nothing is decided, read or logged
    with tracing.span("access.decide", _ONE_RECORD):
        log_read(context, subject, record_cls, asked)
        refusal = nothing_readable(context, subject, record_cls, asked)
    if refusal is not None:
        raise refusal  # nothing asked of the record may be read: no source is called
    try:
        fetched = await context.loaders.load(record_cls.RECORD_TYPE, subject)  # type: ignore[attr-defined]
    except Exception as error:  # SourceError or NoSource: the agency's fields go null
        log_read(context, subject, record_cls, asked, error=error)
        raise unavailable(error) from None
    return build_record(record_cls, fetched, subject, denied_datasets(context, subject, record_cls))


def build_record(record_cls: type[R], fetched: Fetched, subject: str, denied: frozenset) -> R:
    record = fetched.record
    values: dict[str, Any] = record.values if record is not None else {}
    kwargs: dict[str, Any] = {}
    for python_name, name, enum in record_cls.FIELDS:  # type: ignore[attr-defined]
        value = values.get(name)
        kwargs[python_name] = enum(value) if enum is not None and value is not None else value
    source = fetched.source
    kwargs["provenance"] = Provenance(
        agency=source.agency,
        datasource=source.id,
        retrieved_at=fetched.retrieved_at,
        last_updated=record.last_updated if record is not None else None,
        status=RecordStatus.AVAILABLE if record is not None else RecordStatus.NO_RECORD,
    )
    built = record_cls(**kwargs)
    built.subject = subject  # type: ignore[attr-defined]
    built.denied = denied  # type: ignore[attr-defined]
    return built
