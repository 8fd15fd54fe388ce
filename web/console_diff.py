"""What changed between two versions of a registration, field by field (nested mappings flattened
to dotted paths), for the console's history pages. Sealed connections never appear: only their
masked display does."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

HIDDEN = frozenset({"connection_sealed"})


@dataclass(frozen=True, slots=True)
class Change:
    path: str
    before: str | None  # None: not there before
    after: str | None  # None: not there after


def flatten(value: Any, prefix: str = "") -> dict[str, str]:
    """Leaves of nested objects by dotted path, each as compact JSON."""
    if isinstance(value, dict) and value:
        out: dict[str, str] = {}
        for key in sorted(value):
            if key in HIDDEN and not prefix:
                continue
            out.update(flatten(value[key], f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: json.dumps(value, ensure_ascii=False, sort_keys=True)}


def diff(before: dict[str, Any], after: dict[str, Any]) -> list[Change]:
    old, new = flatten(before), flatten(after)
    return [
        Change(path, old.get(path), new.get(path))
        for path in sorted(old.keys() | new.keys())
        if old.get(path) != new.get(path)
    ]
