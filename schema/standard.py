"""Building blocks of the data standard: scoped fields, the record decorator, provenance."""

from __future__ import annotations

import typing
from datetime import date, datetime
from enum import Enum
from typing import Any, TypeVar

import strawberry
from strawberry.utils.str_converters import to_camel_case

import standard.records as standard_records
from resolvers.guard import AccessGuard
from standard.datasets import Dataset, RecordType
from standard.records import FieldSpec, RecordSpec, ValueKind

DATASET = "darvazeh.dataset"
REQUIRED = "darvazeh.required"

R = TypeVar("R")


def scoped(dataset: Dataset, *, required: bool = False, description: str | None = None) -> Any:
    """A standard field, owned by one dataset: the single place a field names its scope.

    The scope is printed in the SDL as Federation's `@requiresScopes` and enforced by `AccessGuard`.
    `required` marks fields every source mapping must provide.
    """
    return strawberry.federation.field(
        default=None,
        description=description,
        requires_scopes=[[dataset.value]],
        extensions=[AccessGuard(dataset)],
        metadata={DATASET: dataset, REQUIRED: required},
    )


RecordStatus = strawberry.enum(
    standard_records.RecordStatus,
    description="Whether the owning agency holds a record for this citizen.",
)


@strawberry.type(description="Where a record came from and how fresh it is.")
class Provenance:
    agency: str = strawberry.field(description="Code of the agency that owns the record.")
    datasource: str = strawberry.field(description="The registered data source it was read from.")
    retrieved_at: datetime
    last_updated: datetime | None = strawberry.field(
        description="When the agency last changed the record, if it says."
    )
    status: RecordStatus


_KINDS: dict[Any, ValueKind] = {
    str: ValueKind.STRING,
    int: ValueKind.INT,
    bool: ValueKind.BOOL,
    date: ValueKind.DATE,
    list[str]: ValueKind.STRING_LIST,
}


def _inner(annotation: Any) -> Any:
    args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    return args[0] if args else annotation


def _enum_of(annotation: Any) -> type[Enum] | None:
    inner = _inner(annotation)
    return inner if isinstance(inner, type) and issubclass(inner, Enum) else None


def _field_spec(name: str, annotation: Any, required: bool) -> FieldSpec:
    inner = _inner(annotation)
    if isinstance(inner, type) and issubclass(inner, Enum):
        values = tuple(member.value for member in inner)
        return FieldSpec(name, ValueKind.ENUM, required, values)
    return FieldSpec(name, _KINDS[inner], required)


def record(record_type: RecordType, *, description: str) -> Any:
    """Declare a standard record type: a Strawberry type plus what the gateway derives from it.

    Sets on the class: RECORD_TYPE, DATASETS (in field order), FIELD_DATASETS (GraphQL field name
    -> its dataset), REQUIRES_SCOPES (any one of them lets the record be fetched), FIELDS ((python
    name, standard name, enum or None) of each mapped field) and SPEC (what a source mapping must
    provide, for `datasources/`).
    """

    def wrap(cls: type[R]) -> type[R]:
        # Filled in per instance by `build`; plain attributes, not GraphQL fields.
        cls.subject = ""  # type: ignore[attr-defined]
        cls.denied = frozenset()  # type: ignore[attr-defined]
        typed = strawberry.type(cls, description=description)
        hints = typing.get_type_hints(cls, localns={"Citizen": object})
        datasets: list[Dataset] = []
        field_datasets: dict[str, Dataset] = {}
        mapped: list[tuple[str, str, type[Enum] | None]] = []
        specs: list[FieldSpec] = []
        for field in typed.__strawberry_definition__.fields:  # type: ignore[attr-defined]
            dataset = field.metadata.get(DATASET)
            if dataset is None:
                continue
            if dataset not in datasets:
                datasets.append(dataset)
            field_datasets[to_camel_case(field.python_name)] = dataset
            if field.base_resolver is None:
                name = to_camel_case(field.python_name)
                hint = hints[field.python_name]
                mapped.append((field.python_name, name, _enum_of(hint)))
                specs.append(_field_spec(name, hint, field.metadata[REQUIRED]))
        if len(datasets) == 1:
            # One dataset: the record resolver's decision covers every leaf, so skip the guards.
            for field in typed.__strawberry_definition__.fields:  # type: ignore[attr-defined]
                field.extensions = [e for e in field.extensions if not isinstance(e, AccessGuard)]
        typed.RECORD_TYPE = record_type  # type: ignore[attr-defined]
        typed.DATASETS = tuple(datasets)  # type: ignore[attr-defined]
        typed.FIELD_DATASETS = field_datasets  # type: ignore[attr-defined]
        typed.REQUIRES_SCOPES = [[dataset.value] for dataset in datasets]  # type: ignore[attr-defined]
        typed.FIELDS = tuple(mapped)  # type: ignore[attr-defined]
        typed.SPEC = RecordSpec(record_type.value, tuple(specs))  # type: ignore[attr-defined]
        return typed

    return wrap
