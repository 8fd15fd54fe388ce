"""Building blocks of the data standard's GraphQL face: scoped fields, the record decorator and
the record types' common base, provenance."""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime
from enum import Enum
from typing import Any, ClassVar, Self, TypeVar

import strawberry
from strawberry.types.base import get_object_definition
from strawberry.types.enum import has_enum_definition
from strawberry.utils.str_converters import to_camel_case

from resolvers.guard import AccessGuard
from resolvers.records import Record
from standard.datasets import Dataset, RecordType
from standard.records import FieldSpec, RecordSpec, RecordStatus, ValueKind

DATASET = "darvazeh.dataset"
REQUIRED = "darvazeh.required"


# `Any`, as strawberry.field is: a field specifier stands in for the attribute's default.
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


E = TypeVar("E", bound=Enum)


def graphql_enum(
    enum: type[E],
    *,
    description: str,
    name: str | None = None,
    values: Mapping[E, str] | None = None,
) -> type[E]:
    """Expose one of the gateway's enumerations (defined once, in `standard/` or beside its
    rules) in GraphQL by its members' names, with a description for each value in `values`."""
    strawberry.enum(enum, name=name, description=description)
    described = {member.name: text for member, text in (values or {}).items()}
    if described and has_enum_definition(enum):
        for value in enum.__strawberry_definition__.values:
            value.description = described.get(value.name, value.description)
    return enum


graphql_enum(
    RecordStatus,
    description="Whether the owning agency holds a record for this citizen.",
    values={
        RecordStatus.AVAILABLE: "The agency holds a record; its fields are as it keeps them.",
        RecordStatus.NO_RECORD: "The agency holds no record (not the same as empty fields).",
    },
)


@strawberry.type(name="Provenance", description="Where a record came from and how fresh it is.")
class ProvenanceType:
    """The GraphQL face of `resolvers.records.Provenance`, which a record's field holds."""

    agency: str = strawberry.field(description="Code of the agency that owns the record.")
    datasource: str = strawberry.field(description="The registered data source it was read from.")
    retrieved_at: datetime = strawberry.field(description="When the gateway read it.")
    last_updated: datetime | None = strawberry.field(
        description="When the agency last changed the record, if it says."
    )
    status: RecordStatus = strawberry.field(description="AVAILABLE, or NO_RECORD.")


def provenance_field() -> Any:
    """A record's `provenance`: the domain value itself, answered as the GraphQL Provenance."""
    return strawberry.field(
        graphql_type=ProvenanceType,
        description="Where this record came from and how fresh it is.",
    )


class StandardRecord:
    """The base of every standard record type (`@record` fills in the class attributes).

    A record type wraps a `Record`: `of` copies its values into the fields (the standard's
    enumerations as their enums), keeps its provenance as it is, and notes whose record it is
    and which of its datasets were denied, for the fields' `AccessGuard`.
    """

    SPEC: ClassVar[RecordSpec]
    REQUIRES_SCOPES: ClassVar[list[list[str]]]
    # (attribute, standard field name, the enumeration its values are of, or None) per field.
    COPIED: ClassVar[tuple[tuple[str, str, type[Enum] | None], ...]]

    subject: str
    denied: frozenset[Dataset]

    @classmethod
    def of(cls, record: Record) -> Self:
        # Built without __init__: one dictionary write per field, on the hottest path.
        built = cls.__new__(cls)
        state = built.__dict__
        values = record.values
        for attribute, name, enum in cls.COPIED:
            value = values.get(name)
            state[attribute] = value if enum is None or value is None else enum(value)
        state["provenance"] = record.provenance
        state["subject"] = record.subject
        state["denied"] = record.denied
        return built


R = TypeVar("R", bound=StandardRecord)

_KINDS: dict[object, ValueKind] = {
    str: ValueKind.STRING,
    int: ValueKind.INT,
    bool: ValueKind.BOOL,
    date: ValueKind.DATE,
    list[str]: ValueKind.STRING_LIST,
}


def _inner(annotation: object) -> object:
    args = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
    return args[0] if args else annotation


def _enum_of(annotation: object) -> type[Enum] | None:
    inner = _inner(annotation)
    return inner if isinstance(inner, type) and issubclass(inner, Enum) else None


def _field_spec(name: str, annotation: object, required: bool) -> FieldSpec:
    enum = _enum_of(annotation)
    if enum is not None:
        return FieldSpec(name, ValueKind.ENUM, required, tuple(member.value for member in enum))
    return FieldSpec(name, _KINDS[_inner(annotation)], required)


def record(record_type: RecordType, *, description: str) -> Callable[[type[R]], type[R]]:
    """Declare a standard record type: a Strawberry type plus what the gateway derives from it.

    Sets on the class: SPEC (what a source mapping must provide, and each field's dataset),
    REQUIRES_SCOPES (any one of its datasets lets the record be fetched) and COPIED (how `of`
    fills the fields).
    """

    def wrap(cls: type[R]) -> type[R]:
        typed = strawberry.type(cls, description=description)
        # Record types name the Citizen (a birth record's parents) before it is defined.
        hints = typing.get_type_hints(cls, localns={"Citizen": object})
        fields = get_object_definition(typed, strict=True).fields
        scopes: list[tuple[str, Dataset]] = []
        copied: list[tuple[str, str, type[Enum] | None]] = []
        specs: list[FieldSpec] = []
        for field in fields:
            dataset = field.metadata.get(DATASET)
            if dataset is None:
                continue
            name = to_camel_case(field.python_name)
            scopes.append((name, dataset))
            if field.base_resolver is None:
                hint = hints[field.python_name]
                copied.append((field.python_name, name, _enum_of(hint)))
                specs.append(_field_spec(name, hint, field.metadata[REQUIRED]))
        spec = RecordSpec(record_type.value, tuple(specs), tuple(scopes))
        if len(spec.datasets) == 1:
            # One dataset: the record resolver's decision covers every leaf, so skip the guards.
            for field in fields:
                field.extensions = [e for e in field.extensions if not isinstance(e, AccessGuard)]
        typed.SPEC = spec
        typed.REQUIRES_SCOPES = [[dataset.value] for dataset in spec.datasets]
        typed.COPIED = tuple(copied)
        return typed

    return wrap
