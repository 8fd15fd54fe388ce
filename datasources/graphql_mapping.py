"""The `graphql` kind's part of a mapping: which batch call to make, written once at parse time.

    {"entities": {"typename": "Insured", "key_field": "nationalCode"}}          # a subgraph
    {"query": {"field": "insuredPeople", "argument": "nationalCodes",
               "argument_type": "[String!]!"}}                                  # a list query
    "batch_size": 100                                                          # optional

The selection set comes from the mapping's dotted "from" paths ("coverage.kind" becomes
`coverage { kind }`). Every name is checked against GraphQL's name grammar and the argument type
is parsed as a GraphQL type, so nothing from a mapping can change the shape of the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeGuard

from graphql import GraphQLSyntaxError, ListTypeNode, NonNullTypeNode, parse_type, print_ast

ENTITIES = "entities"
QUERY = "query"
DEFAULT_ARGUMENT_TYPE = "[String!]!"
DEFAULT_BATCH_SIZE = 100
MAX_BATCH_SIZE = 1000
TOP_LEVEL = frozenset({ENTITIES, QUERY, "batch_size"})

_NAME = re.compile(r"[_A-Za-z][_0-9A-Za-z]*\Z")

# A selection tree: name -> None for a value, or the names selected inside an object.
Tree = dict[str, "Tree | None"]


@dataclass(frozen=True, slots=True)
class GraphqlCall:
    """One batch call: the document, where its list is in `data`, and how ids become variables."""

    mode: str  # ENTITIES | QUERY
    document: str
    root: str  # the field under "data" that holds the list: "_entities" or the query field
    typename: str | None = None
    key_field: str | None = None
    batch_size: int = DEFAULT_BATCH_SIZE
    selection: str = ""  # the selection set's inside, for another call over the same fields

    def variables(self, values: list[Any]) -> dict[str, Any]:
        if self.mode == ENTITIES:
            representations = [{"__typename": self.typename, self.key_field: v} for v in values]
            return {"representations": representations}
        return {"ids": values}


def is_name(text: object) -> TypeGuard[str]:
    return isinstance(text, str) and _NAME.match(text) is not None


def parse_call(
    raw: dict[str, Any], paths: list[tuple[str, str]], problems: list[str]
) -> GraphqlCall | None:
    """The call a graphql mapping describes; faults are appended to `problems`, all of them.

    `paths` are the mapping's ("where", dotted path) pairs: key, fields and last_updated.
    """
    before = len(problems)
    entities, query = raw.get(ENTITIES), raw.get(QUERY)
    batch_size = _batch_size(raw.get("batch_size", DEFAULT_BATCH_SIZE), problems)
    tree: Tree = {}
    for where, path in paths:
        _add_path(tree, where, path, problems)
    if (entities is None) == (query is None):
        got = "both" if entities is not None else "neither"
        problems.append(f'a graphql mapping needs exactly one of "entities" or "query" (got {got})')
        return None
    if entities is not None:
        typename, key_field = _entities(entities, problems)
        if typename and key_field:
            _add_path(tree, f"{ENTITIES}.key_field", key_field, problems)
        if len(problems) > before:
            return None
        assert typename is not None and key_field is not None
        document = (
            "query DarvazehEntities($representations: [_Any!]!) "
            f"{{ _entities(representations: $representations) "
            f"{{ ... on {typename} {{ {_render(tree)} }} }} }}"
        )
        return GraphqlCall(
            ENTITIES, document, "_entities", typename, key_field, batch_size, _render(tree)
        )
    field, argument, argument_type = _query(query, problems)
    if len(problems) > before:
        return None
    document = (
        f"query DarvazehBatch($ids: {argument_type}) "
        f"{{ {field}({argument}: $ids) {{ {_render(tree)} }} }}"
    )
    assert field is not None
    return GraphqlCall(QUERY, document, field, batch_size=batch_size, selection=_render(tree))


def _batch_size(value: Any, problems: list[str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_BATCH_SIZE:
        problems.append(f"batch_size: must be a whole number from 1 to {MAX_BATCH_SIZE}")
        return DEFAULT_BATCH_SIZE
    return value


def _name(entry: dict[str, Any], option: str, where: str, problems: list[str]) -> str | None:
    value = entry.get(option)
    if value is None:
        problems.append(f'{where}: missing "{option}"')
        return None
    if not is_name(value):
        problems.append(f"{where}: {option} {value!r} is not a GraphQL name")
        return None
    return value


def _options(entry: Any, allowed: frozenset[str], where: str, problems: list[str]) -> bool:
    if not isinstance(entry, dict):
        problems.append(f"{where}: must be an object")
        return False
    for name in sorted(set(entry) - allowed):
        problems.append(f"{where}: unknown option {name!r}")
    return True


def _entities(entry: Any, problems: list[str]) -> tuple[str | None, str | None]:
    if not _options(entry, frozenset({"typename", "key_field"}), ENTITIES, problems):
        return None, None
    return (
        _name(entry, "typename", ENTITIES, problems),
        _name(entry, "key_field", ENTITIES, problems),
    )


def _query(entry: Any, problems: list[str]) -> tuple[str | None, str | None, str | None]:
    allowed = frozenset({"field", "argument", "argument_type"})
    if not _options(entry, allowed, QUERY, problems):
        return None, None, None
    field = _name(entry, "field", QUERY, problems)
    argument = _name(entry, "argument", QUERY, problems)
    argument_type = _argument_type(entry.get("argument_type", DEFAULT_ARGUMENT_TYPE), problems)
    return field, argument, argument_type


def _argument_type(text: Any, problems: list[str]) -> str | None:
    """The ids' GraphQL type, re-printed from its parse so only a type can reach the document."""
    where = f"{QUERY}: argument_type"
    if not isinstance(text, str):
        problems.append(f"{where} must be a GraphQL type such as {DEFAULT_ARGUMENT_TYPE}")
        return None
    try:
        node = parse_type(text)
    except GraphQLSyntaxError:
        problems.append(f"{where} {text!r} is not a GraphQL type")
        return None
    inner = node.type if isinstance(node, NonNullTypeNode) else node
    if not isinstance(inner, ListTypeNode):
        problems.append(f"{where} {text!r} is not a list type (the ids go as one list)")
        return None
    return print_ast(node)


def _add_path(tree: Tree, where: str, path: str, problems: list[str]) -> None:
    parts = path.split(".")
    bad = next((part for part in parts if not is_name(part)), None)
    if bad is not None:
        problems.append(f"{where}: {path!r} is not a path of GraphQL names ({bad!r} is not one)")
        return
    node = tree
    for depth, part in enumerate(parts):
        last = depth == len(parts) - 1
        if part not in node:
            node[part] = None if last else {}
        child = node[part]
        # A name is either a value or an object with fields inside; GraphQL cannot select both.
        if (child is None) != last:
            prefix = ".".join(parts[: depth + 1])
            problems.append(f"{where}: {prefix!r} is used both as a value and as an object")
            return
        if child is not None:
            node = child


def _render(tree: Tree) -> str:
    return " ".join(
        name if inner is None else f"{name} {{ {_render(inner)} }}" for name, inner in tree.items()
    )
