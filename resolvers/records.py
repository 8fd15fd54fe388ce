"""Resolving a standard record: decide, load through the source's DataLoader, build the type."""

from __future__ import annotations

from typing import Any, TypeVar

from datasources.base import SourceError
from resolvers.context import RequestContext
from resolvers.errors import ErrorCode, field_error
from resolvers.loaders import Fetched, NoSource
from schema.standard import Provenance, RecordStatus

R = TypeVar("R")


async def load_record(context: RequestContext, subject: str, record_cls: type[R]) -> R:
    datasets = record_cls.DATASETS  # type: ignore[attr-defined]
    denied = frozenset(d for d in datasets if not context.decision(subject, d).granted)
    if len(denied) == len(datasets):
        # Nothing of the record may be read: no source is called.
        raise context.decision(subject, datasets[0]).error()
    try:
        fetched = await context.loaders.load(record_cls.RECORD_TYPE, subject)  # type: ignore[attr-defined]
    except (SourceError, NoSource) as error:
        raise field_error(ErrorCode.SOURCE_UNAVAILABLE, str(error)) from None
    return build_record(record_cls, fetched, subject, denied)


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
