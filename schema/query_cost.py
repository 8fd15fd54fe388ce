"""The cost estimate of an operation: about how much work running it takes, known before it runs.

A field costs its weight, plus what is selected below it, times how many items it returns:

- an object costs 1, a scalar or enum 0, `__typename` 0;
- a citizen's record (`identity`, `birth`, ...) costs a source read, 10;
- `__schema` and `__type` cost what answering the introspection takes, 100;
- each mutation field costs 10 more than its selection;
- validating the document costs 10 for each pair of fields with the same name in one selection
  set, and each pair of fragments spread in one (validation compares them two by two);
- a list field with a `first` argument returns that many items (the argument's default when it
  is not given); a list field with a list argument (`citizens(nationalIds:)`,
  `_entities(representations:)`) returns one item per entry; other fields return one.

So a nested citizen (`birth { father { ... } }`) costs its own reads again, and a selection below
`citizens` is paid once per citizen asked. Fragments are costed once each, after the fragments
they spread (see `schema.query_shape`), and `@skip` / `@include` are honoured with the request's
variables; values that cannot be known before running (an absent variable) count as the most
expensive reading of the field, never the cheapest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    ValueNode,
    VariableNode,
    get_named_type,
    is_leaf_type,
    value_from_ast_untyped,
)
from graphql.type.introspection import SchemaMetaFieldDef, TypeMetaFieldDef

from resolvers.selection import included
from schema.query_shape import SATURATED, Measured

OBJECT = 1
SOURCE_READ = 10
INTROSPECTION = 100
MUTATION = 10
# Two same-named fields in one selection set (or two fragments spread in one), which validation
# compares: as much as a source read, so a document may repeat a field a few dozen times at most.
OVERLAPPING_PAIR = 10
SIZE_ARGUMENT = "first"


@dataclass(frozen=True, slots=True)
class CostModel:
    # (type name, field name) -> the weight of one item of that field, where it is not OBJECT.
    weights: Mapping[tuple[str, str], int] = field(default_factory=dict)

    @classmethod
    def reading(cls, records: Mapping[str, object], entity: str = "Citizen") -> CostModel:
        """Each of `entity`'s fields named in `records` costs a source read."""
        return cls({(entity, name): SOURCE_READ for name in records})


def operation_costs(
    schema: GraphQLSchema,
    model: CostModel,
    measured: Measured,
    variables: Mapping[str, object] | None,
) -> tuple[int, ...]:
    """The estimate for each operation of the document, in document order: what running it
    takes, and what validating the document takes."""
    validating = OVERLAPPING_PAIR * measured.pairs
    return tuple(
        min(
            _Estimate(schema, model, measured, operation, variables or {}).total() + validating,
            SATURATED,
        )
        for operation in measured.operations
    )


def variables_signature(variables: Mapping[str, object] | None) -> tuple[tuple[str, object], ...]:
    """What of the variables an estimate depends on (lengths of lists, integers, booleans): two
    requests with the same signature cost the same, whatever national codes they ask for."""
    if not variables:
        return ()
    return tuple(sorted((name, _signature(value)) for name, value in variables.items()))


def _signature(value: object) -> object:
    if isinstance(value, list):
        return ("list", len(value))
    if isinstance(value, bool | int):
        return value
    return None


class _Estimate:
    """One operation's estimate: each fragment costed once, in dependency order."""

    def __init__(
        self,
        schema: GraphQLSchema,
        model: CostModel,
        measured: Measured,
        operation: OperationDefinitionNode,
        variables: Mapping[str, object],
    ) -> None:
        self.schema = schema
        self.weights = model.weights
        self.operation = operation
        # The operation's variable defaults, then what the request sent.
        defaults = {
            definition.variable.name.value: value_from_ast_untyped(definition.default_value)
            for definition in operation.variable_definitions or ()
            if definition.default_value is not None
        }
        self.variables = {**defaults, **variables}
        self.fragments: dict[str, int] = {}
        for name in measured.order:
            fragment = measured.fragments[name]
            parent = schema.get_type(fragment.type_condition.name.value)
            self.fragments[name] = self.selection_set(fragment.selection_set, parent)

    def total(self) -> int:
        root = self.schema.get_root_type(self.operation.operation)
        return self.selection_set(self.operation.selection_set, root)

    def selection_set(
        self, selection_set: SelectionSetNode, parent: GraphQLNamedType | None
    ) -> int:
        """One level: inline fragments opened on their own type, each fragment spread once
        (graphql-core collects a level's fields the same way), skipped selections left out."""
        total = 0
        seen: set[str] = set()
        pending = [(selection_set, parent)]
        while pending:
            current, owner = pending.pop()
            for selection in current.selections:
                if not included(selection, self.variables):
                    continue
                if isinstance(selection, FieldNode):
                    total += self.field(selection, owner)
                elif isinstance(selection, InlineFragmentNode):
                    condition = selection.type_condition
                    typed = (
                        owner if condition is None else self.schema.get_type(condition.name.value)
                    )
                    pending.append((selection.selection_set, typed))
                elif isinstance(selection, FragmentSpreadNode) and selection.name.value not in seen:
                    seen.add(selection.name.value)
                    total += self.fragments.get(selection.name.value, 0)
        return min(total, SATURATED)

    def field(self, node: FieldNode, parent: GraphQLNamedType | None) -> int:
        name = node.name.value
        if name == "__typename":
            return 0
        definition = self._definition(name, parent)
        below_type = get_named_type(definition.type) if definition is not None else None
        if definition is None:
            weight = OBJECT if node.selection_set is not None else 0
        elif name in {"__schema", "__type"}:
            weight = INTROSPECTION
        elif is_leaf_type(below_type):
            weight = 0
        else:
            weight = self.weights.get((parent.name if parent else "", name), OBJECT)
        if self.operation.operation is OperationType.MUTATION and parent is self._mutation_root():
            weight += MUTATION
        below = 0
        if node.selection_set is not None:
            below = self.selection_set(node.selection_set, below_type)
        return min(self._items(node, definition) * (weight + below), SATURATED)

    def _definition(self, name: str, parent: GraphQLNamedType | None) -> GraphQLField | None:
        if name == "__schema":
            return SchemaMetaFieldDef
        if name == "__type":
            return TypeMetaFieldDef
        found: GraphQLField | None = None
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            found = parent.fields.get(name)
        return found

    def _mutation_root(self) -> GraphQLObjectType | None:
        return self.schema.mutation_type

    def _items(self, node: FieldNode, definition: GraphQLField | None) -> int:
        """How many items the field returns."""
        if definition is None:
            return 1
        given = {argument.name.value: argument.value for argument in node.arguments or ()}
        if SIZE_ARGUMENT in definition.args:
            size = self._value(given[SIZE_ARGUMENT]) if SIZE_ARGUMENT in given else None
            if size is None:  # not given, or an absent variable: the argument's default
                size = definition.args[SIZE_ARGUMENT].default_value
            return size if isinstance(size, int) and not isinstance(size, bool) and size > 1 else 1
        returned = definition.type
        if isinstance(returned, GraphQLNonNull):
            returned = returned.of_type
        if not isinstance(returned, GraphQLList):
            return 1
        lengths = [
            len(value)
            for argument_name, argument in definition.args.items()
            if _is_list(argument.type)
            and argument_name in given
            and isinstance(value := self._value(given[argument_name]), list | tuple)
        ]
        return max([1, *lengths])

    def _value(self, node: ValueNode) -> object:
        if isinstance(node, VariableNode):
            return self.variables.get(node.name.value)
        if isinstance(node, ListValueNode):
            return node.values
        if isinstance(node, IntValueNode):
            return int(node.value)
        return None


def _is_list(type_: object) -> bool:
    if isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)
