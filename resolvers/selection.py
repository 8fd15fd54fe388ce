"""What a query selects, read from Strawberry's selection tree (fragments and @skip/@include
honoured): which records a root field must prefetch, and which fields of a record are asked."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from strawberry.types import Info
from strawberry.types.nodes import FragmentSpread, InlineFragment, SelectedField


def _skipped(selection: SelectedField | InlineFragment | FragmentSpread) -> bool:
    directives = selection.directives or {}
    return (
        bool(directives.get("skip", {}).get("if"))
        or directives.get("include", {}).get("if") is False
    )


def children(selections: Iterable[Any]) -> dict[str, list[Any]]:
    """Field name -> its sub-selections, merged across fragments and repeated fields."""
    found: dict[str, list[Any]] = {}
    for selection in selections:
        if _skipped(selection):
            continue
        if isinstance(selection, SelectedField):
            found.setdefault(selection.name, []).extend(selection.selections)
        else:
            for name, below in children(selection.selections).items():
                found.setdefault(name, []).extend(below)
    return found


def asked_fields(info: Info) -> frozenset[str]:
    """The fields asked of the object the current field returns."""
    return frozenset(children(info.selected_fields[0].selections))


def requested_records(info: Info, records: dict[str, type]) -> list[tuple[type, frozenset[str]]]:
    """The records a root field's citizens are asked for, each with the fields asked of it."""
    selected = children(info.selected_fields[0].selections)
    return [
        (records[name], frozenset(children(below)))
        for name, below in selected.items()
        if name in records
    ]
