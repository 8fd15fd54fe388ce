"""What a mapping must produce: the shape of one standard record, as plain data.

`schema/` derives these from the GraphQL record types, so the standard is written down once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ValueKind(StrEnum):
    STRING = "string"
    INT = "int"
    BOOL = "bool"
    DATE = "date"
    STRING_LIST = "string_list"
    ENUM = "enum"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    kind: ValueKind
    required: bool = False
    # For ENUM: the standard's values; a mapping must translate the agency's codes into these.
    values: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RecordSpec:
    record_type: str
    fields: tuple[FieldSpec, ...]

    def field(self, name: str) -> FieldSpec | None:
        for spec in self.fields:
            if spec.name == name:
                return spec
        return None

    @property
    def names(self) -> frozenset[str]:
        return frozenset(spec.name for spec in self.fields)
