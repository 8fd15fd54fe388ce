"""The standard records as plain data: what a mapping must produce and which dataset each field
belongs to (`RecordSpec`), and the values their enumerated fields take.

`schema/` derives each record's spec from its GraphQL type, where each field names its dataset,
so the standard is written down once; everyone else is handed the specs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum, StrEnum

from standard.datasets import Dataset

# National codes asked of one source in one call: a request's or an engine batch's reads of a
# record type are one call up to this many subjects.
MAX_SOURCE_BATCH = 1000


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
    """One standard record type.

    `fields` are what a source mapping must produce. `scopes` pairs every field a query may ask
    with its dataset: the mapped fields and those derived from them (a birth record's `father`).
    """

    record_type: str
    fields: tuple[FieldSpec, ...]
    scopes: tuple[tuple[str, Dataset], ...] = ()
    # From `scopes`, once: the record's datasets in field order, and each field's dataset.
    datasets: tuple[Dataset, ...] = dataclasses.field(init=False, compare=False)
    field_datasets: Mapping[str, Dataset] = dataclasses.field(init=False, compare=False, repr=False)

    def __post_init__(self) -> None:
        datasets = tuple(dict.fromkeys(dataset for _, dataset in self.scopes))
        object.__setattr__(self, "datasets", datasets)
        object.__setattr__(self, "field_datasets", dict(self.scopes))

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
