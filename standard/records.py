"""The standard records as plain data: what a mapping must produce (`RecordSpec`), and the
values their enumerated fields take.

`schema/` derives each record's spec from its GraphQL type, where each field names its dataset,
so the standard is written down once.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum


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


class RecordStatus(Enum):
    """Whether the owning agency holds a record for this citizen (no record is not an empty
    value)."""

    AVAILABLE = "AVAILABLE"
    NO_RECORD = "NO_RECORD"


class Gender(Enum):
    MALE = "MALE"
    FEMALE = "FEMALE"


class InsuranceStatus(Enum):
    ACTIVE = "ACTIVE"
    SUSPENDED = "SUSPENDED"
    EXPIRED = "EXPIRED"


class InsuranceType(Enum):
    SALARIED = "SALARIED"
    SELF_EMPLOYED = "SELF_EMPLOYED"
    VOLUNTARY = "VOLUNTARY"
    DEPENDANT = "DEPENDANT"
    PENSIONER = "PENSIONER"


class EnrollmentStatus(Enum):
    ENROLLED = "ENROLLED"
    GRADUATED = "GRADUATED"
    WITHDRAWN = "WITHDRAWN"
