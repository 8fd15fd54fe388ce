"""Prefetching a list of citizens' records from the root field.

Resolving `citizens(nationalIds: [100 ids]) { identity ... taxStatus }` field by field schedules
700 awaitables in the executor even though the DataLoaders make only 7 source calls. The root
field knows which records are asked for, so it loads each record type for all citizens at once
and hands the executor citizens whose record fields resolve without awaiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any

from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField

from resolvers.context import RequestContext
from resolvers.records import build_record, denied_datasets, unavailable


def _skipped(selection: SelectedField | InlineFragment | FragmentSpread) -> bool:
    directives = selection.directives or {}
    return (
        bool(directives.get("skip", {}).get("if"))
        or directives.get("include", {}).get("if") is False
    )


def selected_names(selections: Iterable[Any]) -> set[str]:
    """Field names selected on an object, through fragments, honouring @skip and @include."""
    names: set[str] = set()
    for selection in selections:
        if _skipped(selection):
            continue
        if isinstance(selection, SelectedField):
            names.add(selection.name)
        else:
            names |= selected_names(selection.selections)
    return names


def requested_records(info: Info, records: dict[str, type]) -> list[type]:
    """The record types the query asks of the citizens this root field returns."""
    names = selected_names(info.selected_fields[0].selections)
    return [records[name] for name in names if name in records]


async def prefetch(
    context: RequestContext, citizens: Sequence[Any], record_classes: Sequence[type]
) -> None:
    """Fill `citizen.prefetched[record_cls]` with the record, or the error its field will carry."""

    async def one_type(record_cls: type) -> None:
        wanted: list[tuple[Any, frozenset]] = []
        for citizen in citizens:
            denied = denied_datasets(context, citizen.national_id, record_cls)
            if len(denied) == len(record_cls.DATASETS):  # type: ignore[attr-defined]
                first = record_cls.DATASETS[0]  # type: ignore[attr-defined]
                citizen.prefetched[record_cls] = context.decision(
                    citizen.national_id, first
                ).error()
            else:
                wanted.append((citizen, denied))
        if not wanted:
            return
        outcomes = await context.loaders.load_many(
            record_cls.RECORD_TYPE,  # type: ignore[attr-defined]
            [citizen.national_id for citizen, _ in wanted],
        )
        for (citizen, denied), outcome in zip(wanted, outcomes, strict=True):
            citizen.prefetched[record_cls] = (
                unavailable(outcome)
                if isinstance(outcome, Exception)
                else build_record(record_cls, outcome, citizen.national_id, denied)
            )

    await asyncio.gather(*(one_type(record_cls) for record_cls in record_classes))
