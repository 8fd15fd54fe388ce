"""Every type, field, argument and enum value of the schema says what it is: the SDL is the
standard's documentation (and /developers renders it). Only what the Federation specification
itself defines (`_Any`, `_entities`, `@key`, `link__Purpose`, ...) is left to that specification."""

from __future__ import annotations

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLString,
)

from schema import build_schema
from schema.limits import QueryLimits
from settings import get_settings

FEDERATION_DIRECTIVES = {"key", "link", "requiresScopes"}


def federation_spec(name: str) -> bool:
    return name.startswith(("__", "_", "link__"))


def undescribed(schema: GraphQLSchema) -> list[str]:
    found: list[str] = []
    for name, named in schema.type_map.items():
        if federation_spec(name):
            continue
        if not named.description:
            found.append(f"type {name}")
        if isinstance(named, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
            for field_name, field in named.fields.items():
                if federation_spec(field_name):
                    continue
                if not field.description:
                    found.append(f"field {name}.{field_name}")
                for arg_name, arg in getattr(field, "args", {}).items():
                    if not arg.description:
                        found.append(f"argument {name}.{field_name}({arg_name})")
        if isinstance(named, GraphQLEnumType):
            found += [
                f"enum value {name}.{value_name}"
                for value_name, value in named.values.items()
                if not value.description
            ]
    for directive in schema.directives:
        if directive.name in FEDERATION_DIRECTIVES:
            continue
        if not directive.description:
            found.append(f"directive @{directive.name}")
        found += [
            f"argument @{directive.name}({arg_name})"
            for arg_name, arg in directive.args.items()
            if not arg.description
        ]
    return found


def test_everything_in_the_schema_is_described() -> None:
    schema = build_schema(QueryLimits.from_settings(get_settings()))._schema
    assert undescribed(schema) == []


def test_an_undescribed_field_is_found() -> None:
    bare = GraphQLObjectType("Bare", {"x": GraphQLField(GraphQLString)}, description="Bare.")
    query = GraphQLObjectType("Query", {"bare": GraphQLField(bare, description="A bare.")})
    assert undescribed(GraphQLSchema(query=query)) == ["type Query", "field Bare.x"]
