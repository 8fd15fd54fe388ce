"""What a query selects below the current field: which records a root field must prefetch, and
which fields of a record are asked.

Read from graphql-core's AST of the validated document (the field's nodes, the fragments and the
variables), one level at a time, with @skip/@include honoured. Each fragment is opened once per
level however often it is spread, so the work is linear in the document. (Strawberry's
`info.selected_fields` expands every spread eagerly, all the way down: a document whose fragments
spread each other twice per level costs exponential time there.)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypeVar

from graphql import (
    BooleanValueNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLResolveInfo,
    InlineFragmentNode,
    SelectionNode,
    SelectionSetNode,
    VariableNode,
)
from strawberry.types import Info


def core_info(info: Info) -> GraphQLResolveInfo[Any]:
    # Strawberry's Info wraps graphql-core's and has no public way to its field nodes and
    # fragments.
    return info._raw_info


class Selections:
    """One request's selections, read level by level."""

    def __init__(
        self, fragments: Mapping[str, FragmentDefinitionNode], variables: Mapping[str, Any]
    ) -> None:
        self.fragments = fragments
        self.variables = variables

    @classmethod
    def of(cls, info: Info) -> Selections:
        return cls(core_info(info).fragments, info.variable_values)

    def children(
        self, selection_sets: Iterable[SelectionSetNode]
    ) -> dict[str, list[SelectionSetNode]]:
        """Field name -> the selection sets below it, merged across the given selection sets,
        their fragments and repeated fields (as graphql-core merges a level's fields)."""
        found: dict[str, list[SelectionSetNode]] = {}
        opened: set[str] = set()
        pending = list(selection_sets)
        while pending:
            for selection in pending.pop().selections:
                if not included(selection, self.variables):
                    continue
                if isinstance(selection, FieldNode):
                    below = found.setdefault(selection.name.value, [])
                    if selection.selection_set is not None:
                        below.append(selection.selection_set)
                elif isinstance(selection, InlineFragmentNode):
                    pending.append(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    name = selection.name.value
                    fragment = self.fragments.get(name)
                    if fragment is not None and name not in opened:
                        opened.add(name)
                        pending.append(fragment.selection_set)
        return found


def included(node: SelectionNode, variables: Mapping[str, object]) -> bool:
    """False under @skip(if: true) or @include(if: false), written literally or through a
    variable; a condition not known to be a boolean keeps the node."""
    for directive in node.directives or ():
        name = directive.name.value
        if name not in {"skip", "include"}:
            continue
        for argument in directive.arguments or ():
            if argument.name.value != "if":
                continue
            value = argument.value
            condition: object = None
            if isinstance(value, BooleanValueNode):
                condition = value.value
            elif isinstance(value, VariableNode):
                condition = variables.get(value.name.value)
            if condition is (name == "skip"):
                return False
    return True


def _below_current_field(info: Info) -> tuple[Selections, list[SelectionSetNode]]:
    raw = core_info(info)
    sets = [node.selection_set for node in raw.field_nodes if node.selection_set is not None]
    return Selections.of(info), sets


def asked_fields(info: Info) -> frozenset[str]:
    """The fields asked of the object the current field returns."""
    selections, below = _below_current_field(info)
    return frozenset(selections.children(below))


T = TypeVar("T")


def requested_records(info: Info, records: Mapping[str, T]) -> list[tuple[T, frozenset[str]]]:
    """The records a root field's citizens are asked for (`records`: by the field that reads
    each), each with the fields asked of it."""
    selections, below = _below_current_field(info)
    return [
        (records[name], frozenset(selections.children(sets)))
        for name, sets in selections.children(below).items()
        if name in records
    ]
