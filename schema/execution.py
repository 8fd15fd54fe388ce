"""A faster completion of plain records: graphql-core's executor with a shortcut for objects
whose selected fields are all plain values.

graphql-core completes every field on its own: a resolve-info object, Strawberry's resolver
wrapper, awaitable checks, a path entry, then the leaf's coercion. A standard record and its
provenance are plain values whose fields need none of that but the coercion, and a query for 100
citizens selects some 7,600 of them. For such an object, this executor plans the selection once
per query (which attribute each response key reads, how its value is coerced) and completes the
object in one pass with the same coercions. Whatever the plan does not cover goes the ordinary
way, field by field: a field with a resolver, arguments or directives, a record with a denied
dataset (its fields answer with the decision's error), a value that fails coercion or is null
where the schema says non-null (the ordinary way then reports the error as it always did).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from graphql import (
    GraphQLLeafType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    SelectionSetNode,
    Undefined,
)
from graphql.execution.collect_fields import GroupedFieldSet
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext
from strawberry.types.base import get_object_definition

from resolvers.guard import AccessGuard
from standard.datasets import Dataset

# Plans kept across requests (`RecordExecution.SHARED`), the least recently used forgotten.
SHARED_PLANS = 256

# What plans are made of: how one response key is answered.
_TYPENAME, _LEAF, _LIST, _OBJECT, _READY = range(5)

# GraphQL type name -> field name -> (Python attribute, the dataset its guard enforces or None).
PlainFields = Mapping[str, Mapping[str, tuple[str, Dataset | None]]]
# GraphQL type name -> field name -> what the field's resolver would answer, read from the parent
# without it (a citizen's prefetched record), or None where only the resolver can answer.
ReadyFields = Mapping[str, Mapping[str, Callable[[Any], Any]]]


def plain_fields(classes: list[type], graphql_name: Callable[[Any], str]) -> PlainFields:
    """The plain fields of Strawberry types: no resolver, no extension but the access guard."""
    plain: dict[str, dict[str, tuple[str, Dataset | None]]] = {}
    for cls in classes:
        definition = get_object_definition(cls, strict=True)
        fields: dict[str, tuple[str, Dataset | None]] = {}
        for field in definition.fields:
            if field.base_resolver is not None or field.arguments:
                continue
            guards = [e for e in field.extensions if isinstance(e, AccessGuard)]
            if len(guards) != len(field.extensions) or len(guards) > 1:
                continue
            fields[graphql_name(field)] = (
                field.python_name,
                guards[0].dataset if guards else None,
            )
        plain[definition.name] = fields
    return plain


@dataclass(frozen=True, slots=True)
class _Entry:
    kind: int
    key: str
    attribute: str
    non_null: bool
    coerce: Callable[[Any], Any] | None = None
    item_non_null: bool = False
    plan: tuple[_Entry, ...] = ()


class RecordExecution(StrawberryGraphQLCoreExecutionContext):
    """Strawberry's execution context, completing plain objects in one pass."""

    # Set by the schema builder: which types and fields are plain, and which are ready.
    PLAIN: ClassVar[PlainFields] = {}
    READY: ClassVar[ReadyFields] = {}
    # Plans of every request, by parent type, response keys and field nodes (the same objects
    # while the query gate keeps the document), each kept with its nodes so their ids stay theirs.
    SHARED: ClassVar[OrderedDict[tuple[Any, ...], tuple[Any, tuple[_Entry, ...] | None]]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # id(grouped field set) -> (the set, kept alive so its id stays its own; its plan).
        self._plans: dict[int, tuple[GroupedFieldSet, tuple[_Entry, ...] | None]] = {}
        self._shareable: bool | None = None  # whether this document's plans may be shared

    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: GroupedFieldSet,
        position_context: Any,
    ) -> Any:
        if position_context is None and parent_type.name in self.PLAIN:
            plan = self._plan(parent_type, grouped_field_set)
            if plan is not None:
                completed = _complete(plan, source_value)
                if completed is not None:
                    return completed
        return super().execute_fields(
            parent_type, source_value, path, grouped_field_set, position_context
        )

    def _plan(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> tuple[_Entry, ...] | None:
        known = self._plans.get(id(grouped_field_set))
        if known is None:
            known = self._plans[id(grouped_field_set)] = (
                grouped_field_set,
                self._shared_plan(parent_type, grouped_field_set),
            )
        return known[1]

    def _shared_plan(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> tuple[_Entry, ...] | None:
        """The plan another request made for the same fields of the same document, or a new one.

        Shared only for documents without directives: then what a selection collects does not
        depend on the variables (@skip, @include) and nothing is deferred."""
        details = [d for group in grouped_field_set.values() for d in group]
        if not self._directive_free() or any(
            d.defer_usage is not None or d.fragment_variable_values is not None for d in details
        ):
            return self._make_plan(parent_type, grouped_field_set)
        nodes = tuple(d.node for d in details)
        key = (parent_type.name, tuple(grouped_field_set), tuple(map(id, nodes)))
        shared = self.SHARED
        found = shared.get(key)
        if found is not None:
            shared.move_to_end(key)
            return found[1]
        plan = self._make_plan(parent_type, grouped_field_set)
        shared[key] = (nodes, plan)
        if len(shared) > SHARED_PLANS:
            shared.popitem(last=False)
        return plan

    def _directive_free(self) -> bool:
        if self._shareable is None:
            fragments = [details.definition for details in self.fragments.values()]
            self._shareable = (
                not any(fragment.directives for fragment in fragments)
                and not any(d.variable_signatures for d in self.fragments.values())
                and _without_directives(self.operation.selection_set)
                and all(_without_directives(fragment.selection_set) for fragment in fragments)
            )
        return self._shareable

    def _make_plan(
        self, parent_type: GraphQLObjectType, grouped_field_set: GroupedFieldSet
    ) -> tuple[_Entry, ...] | None:
        fields = self.PLAIN.get(parent_type.name)
        if fields is None:
            return None
        ready = self.READY.get(parent_type.name, {})
        plan: list[_Entry] = []
        for key, details in grouped_field_set.items():
            node = details[0].node
            name = node.name.value
            if name == "__typename":
                plan.append(_Entry(_TYPENAME, key, parent_type.name, True))
                continue
            if node.arguments or node.directives or len(details) != 1:
                return None
            type_ = parent_type.fields[name].type
            if name in ready:
                entry = self._entry(key, name, type_, details)
                if entry is None or entry.kind != _OBJECT:
                    return None
                plan.append(_Entry(_READY, key, name, entry.non_null, ready[name], plan=entry.plan))
                continue
            if name not in fields:
                return None
            attribute, _dataset = fields[name]
            entry = self._entry(key, attribute, type_, details)
            if entry is None:
                return None
            plan.append(entry)
        return tuple(plan)

    def _entry(
        self, key: str, attribute: str, type_: GraphQLOutputType, details: Any
    ) -> _Entry | None:
        non_null = isinstance(type_, GraphQLNonNull)
        inner = type_.of_type if isinstance(type_, GraphQLNonNull) else type_
        if isinstance(inner, GraphQLLeafType):
            return _Entry(_LEAF, key, attribute, non_null, _coercion(inner))
        if isinstance(inner, GraphQLList):
            item = inner.of_type
            item_non_null = isinstance(item, GraphQLNonNull)
            item = item.of_type if isinstance(item, GraphQLNonNull) else item
            if not isinstance(item, GraphQLLeafType):
                return None
            return _Entry(_LIST, key, attribute, non_null, _coercion(item), item_non_null)
        if isinstance(inner, GraphQLObjectType) and inner.name in self.PLAIN:
            grouped, deferred, _forbidden = self.collect_subfields(inner, details)
            if deferred:
                return None
            plan = self._plan(inner, grouped)
            if plan is None:
                return None
            return _Entry(_OBJECT, key, attribute, non_null, plan=plan)
        return None


def _without_directives(selections: SelectionSetNode) -> bool:
    for selection in selections.selections:
        if selection.directives:
            return False
        below: SelectionSetNode | None = getattr(selection, "selection_set", None)
        if below is not None and not _without_directives(below):
            return False
    return True


def _coercion(leaf: GraphQLLeafType) -> Callable[[Any], Any]:
    return leaf.coerce_output_value


def _complete(plan: tuple[_Entry, ...], source: Any) -> dict[str, Any] | None:
    """The object's answer, or None when it must go the ordinary way."""
    if getattr(source, "denied", None):
        return None  # a denied dataset: its fields answer with the decision's error
    answer: dict[str, Any] = {}
    try:
        for entry in plan:
            if entry.kind == _TYPENAME:
                answer[entry.key] = entry.attribute
                continue
            if entry.kind == _READY:
                value = entry.coerce(source)  # type: ignore[misc]
                nested = None if value is None else _complete(entry.plan, value)
                if nested is None:
                    return None  # the field's resolver answers (or reports why it cannot)
                answer[entry.key] = nested
                continue
            value = getattr(source, entry.attribute)
            if value is None:
                if entry.non_null:
                    return None
                answer[entry.key] = None
            elif entry.kind == _LEAF:
                coerced = entry.coerce(value)  # type: ignore[misc]
                if coerced is None or coerced is Undefined:
                    return None
                answer[entry.key] = coerced
            elif entry.kind == _LIST:
                if not isinstance(value, list | tuple):
                    return None
                items: list[Any] = []
                for item in value:
                    if item is None:
                        if entry.item_non_null:
                            return None
                        items.append(None)
                        continue
                    coerced = entry.coerce(item)  # type: ignore[misc]
                    if coerced is None or coerced is Undefined:
                        return None
                    items.append(coerced)
                answer[entry.key] = items
            else:
                nested = _complete(entry.plan, value)
                if nested is None:
                    return None
                answer[entry.key] = nested
    except Exception:  # the ordinary way reports it, with its path
        return None
    return answer


def record_execution(plain: PlainFields, ready: ReadyFields | None = None) -> type[RecordExecution]:
    """The execution context for a schema whose plain types and fields are `plain`, and whose
    fields in `ready` can be read without their resolvers."""
    namespace = {"PLAIN": plain, "READY": ready or {}, "SHARED": OrderedDict()}
    return type("RecordExecution", (RecordExecution,), namespace)
