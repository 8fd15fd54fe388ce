"""A parsed document's operations measured (depth, aliases, root fields), each fragment once.

A fragment may be spread many times, and fragments may spread each other in a chain that doubles
at every link, so expanding spreads is exponential in the document's size. Here each fragment is
measured once, after every fragment it spreads, and a spread adds the fragment's totals: the work
is linear in the document. The counts are those of the expanded query, as graphql-core would run
it (a fragment spread twice in one selection set counts once, as it runs once).

This runs before validation, so it must not trust the document: an unknown or cyclic fragment
counts as empty (validation refuses the document afterwards).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)

from schema.errors import field_error
from schema.limits import QueryLimits, over_limit
from standard.errors import ErrorCode

# Counts stop growing here: past any limit, and small enough to stay cheap to add.
SATURATED = 1 << 48


@dataclass(frozen=True, slots=True)
class Shape:
    depth: int  # fields nested in fields, a field with no selection being depth 1
    aliases: int
    fields: int  # fields at this level, fragments expanded: an operation's root fields


EMPTY = Shape(0, 0, 0)


@dataclass(frozen=True, slots=True)
class Measured:
    """A document with its operations, its fragments in dependency order, and each operation's
    shape."""

    document: DocumentNode
    operations: tuple[OperationDefinitionNode, ...]
    fragments: dict[str, FragmentDefinitionNode]
    # Every fragment after the fragments it spreads (fragments in a cycle: in some order).
    order: tuple[str, ...]
    shapes: tuple[Shape, ...]  # one per operation
    # The pairs validation compares in the whole document (see `overlapping_pairs`).
    pairs: int


def measure(document: DocumentNode) -> Measured:
    operations = tuple(
        node for node in document.definitions if isinstance(node, OperationDefinitionNode)
    )
    fragments: dict[str, FragmentDefinitionNode] = {}
    for node in document.definitions:
        if isinstance(node, FragmentDefinitionNode):
            fragments.setdefault(node.name.value, node)
    order = dependency_order(fragments)
    known: dict[str, Shape] = {}
    for name in order:
        known[name] = shape_of(fragments[name].selection_set, known)
    shapes = tuple(shape_of(operation.selection_set, known) for operation in operations)
    return Measured(document, operations, fragments, order, shapes, overlapping_pairs(document))


def overlapping_pairs(document: DocumentNode) -> int:
    """How many pairs of selections validation compares to check that same-named fields can be
    merged: in each selection set (inline fragments opened), every two fields with the same
    response name, and every two fragments spread. That check is quadratic in them, so a
    document repeating one field a few hundred times costs seconds to validate."""
    pairs = 0
    pending = [
        node.selection_set
        for node in document.definitions
        if isinstance(node, OperationDefinitionNode | FragmentDefinitionNode)
    ]
    while pending:
        names: dict[str, int] = {}
        spreads: set[str] = set()
        level = [pending.pop()]
        while level:
            for selection in level.pop().selections:
                if isinstance(selection, FieldNode):
                    name = (selection.alias or selection.name).value
                    names[name] = names.get(name, 0) + 1
                    if selection.selection_set is not None:
                        pending.append(selection.selection_set)
                elif isinstance(selection, InlineFragmentNode):
                    level.append(selection.selection_set)
                elif isinstance(selection, FragmentSpreadNode):
                    spreads.add(selection.name.value)
        pairs += sum(count * (count - 1) // 2 for count in names.values())
        pairs += len(spreads) * (len(spreads) - 1) // 2
    return min(pairs, SATURATED)


def check_shapes(measured: Measured, limits: QueryLimits) -> None:
    """Raise the refusal for the first limit an operation of the document passes."""
    for shape in measured.shapes:
        over_limit(
            ErrorCode.QUERY_TOO_DEEP, "levels of nested fields", shape.depth, limits.max_depth
        )
        over_limit(ErrorCode.TOO_MANY_ALIASES, "aliases", shape.aliases, limits.max_aliases)
        over_limit(
            ErrorCode.TOO_MANY_ROOT_FIELDS, "root fields", shape.fields, limits.max_root_fields
        )


def select_operation(measured: Measured, name: str | None) -> OperationDefinitionNode:
    """The operation the request runs, as GraphQL's GetOperation picks it."""
    operations = measured.operations
    if name is None:
        if len(operations) == 1:
            return operations[0]
        if not operations:
            raise field_error(ErrorCode.BAD_REQUEST, "the document has no operation to run")
        raise field_error(
            ErrorCode.BAD_REQUEST,
            f"the document has {len(operations)} operations: name the one to run in operationName",
        )
    for operation in operations:
        if operation.name is not None and operation.name.value == name:
            return operation
    raise field_error(ErrorCode.BAD_REQUEST, f"the document has no operation named {name!r}")


def shape_of(selection_set: SelectionSetNode, known: dict[str, Shape]) -> Shape:
    """The shape of one selection set; `known` holds the shapes of the fragments it spreads."""
    depth = aliases = fields = 0
    for selection in flattened(selection_set):
        if isinstance(selection, FieldNode):
            fields += 1
            aliases += selection.alias is not None
            below = (
                EMPTY
                if selection.selection_set is None
                else shape_of(selection.selection_set, known)
            )
            depth = max(depth, 1 + below.depth)
            aliases += below.aliases
        else:
            spread = known.get(selection.name.value, EMPTY)
            depth = max(depth, spread.depth)
            aliases += spread.aliases
            fields += spread.fields
    return Shape(depth, min(aliases, SATURATED), min(fields, SATURATED))


def flattened(selection_set: SelectionSetNode) -> Iterator[FieldNode | FragmentSpreadNode]:
    """The fields and fragment spreads of one level: inline fragments opened, each fragment
    spread once (graphql-core collects a level's fields the same way)."""
    seen: set[str] = set()
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, InlineFragmentNode):
                pending.append(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                if selection.name.value not in seen:
                    seen.add(selection.name.value)
                    yield selection
            elif isinstance(selection, FieldNode):
                yield selection


def dependency_order(fragments: dict[str, FragmentDefinitionNode]) -> tuple[str, ...]:
    """Fragment names, each after the fragments it spreads (a depth-first walk kept on an explicit
    stack: a chain of fragments as long as the document allows must not exhaust recursion)."""
    spreads = {name: _spread_names(fragment.selection_set) for name, fragment in fragments.items()}
    order: list[str] = []
    entered: set[str] = set()
    for root in fragments:
        if root in entered:
            continue
        entered.add(root)
        stack = [(root, iter(spreads[root]))]
        while stack:
            name, below = stack[-1]
            child = next(below, None)
            if child is None:
                stack.pop()
                order.append(name)
            elif child in fragments and child not in entered:
                entered.add(child)
                stack.append((child, iter(spreads[child])))
    return tuple(order)


def _spread_names(selection_set: SelectionSetNode) -> list[str]:
    names: dict[str, None] = {}
    pending = [selection_set]
    while pending:
        for selection in pending.pop().selections:
            if isinstance(selection, FragmentSpreadNode):
                names[selection.name.value] = None
            elif isinstance(selection, FieldNode | InlineFragmentNode) and selection.selection_set:
                pending.append(selection.selection_set)
    return list(names)
