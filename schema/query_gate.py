"""Every document checked against the limits before it is validated or run.

`QueryGate` holds, per worker, what each document text was found to be (refused, or parsed and
measured), its validation errors and its cost estimates, so a document seen before costs a few
dictionary look-ups. The first sight of a text is scanned, parsed, measured and validated in a
worker thread, a few at a time, so that a large document never holds the event loop.

`QueryGuard` is the schema extension that runs the gate on each request, in place of strawberry's
ParserCache and ValidationCache:

    on_parse:    scan the text, parse, measure (depth, aliases, root fields), pick the operation,
                 estimate the cost against the client's budget; refuse the first limit passed
    on_validate: validate (after the limits, so validation's own work is bounded too)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
from cachetools import LRUCache
from graphql import ASTValidationRule, DocumentNode, GraphQLError, GraphQLSchema, Source, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from auth.core.principal import Principal
from schema.document_scan import scan
from schema.limits import QueryLimits, refusal
from schema.query_cost import CostModel, operation_costs, variables_signature
from schema.query_shape import Measured, check_shapes, measure, select_operation
from standard.errors import ErrorCode

# The documents a worker remembers, weighed by their length in characters: a parsed document
# takes about 40 bytes per character, so this is some 40 MB at most (and 500 or more documents
# of the sizes frontends send).
CACHE_CHARACTERS = 1_000_000
COSTS_PER_DOCUMENT = 16  # estimates kept per document, one per variables signature
# Documents parsed and validated at once per worker; others wait their turn without blocking.
THREADS = 2

T = TypeVar("T")
Rules = tuple[type[ASTValidationRule], ...]


@dataclass(frozen=True, slots=True)
class Refused:
    """A refusal remembered for a document text; each request gets a fresh error from it."""

    size: int
    message: str
    extensions: dict[str, Any]
    source: Source | None
    positions: Collection[int] | None

    @classmethod
    def of(cls, query: str, error: GraphQLError, code: ErrorCode) -> Refused:
        extensions = {"code": code.value, **(error.extensions or {})}
        return cls(len(query), error.message, extensions, error.source, error.positions)

    def error(self) -> GraphQLError:
        return GraphQLError(
            self.message, source=self.source, positions=self.positions, extensions=self.extensions
        )


class Checked:
    """A document within the text and shape limits, with its validation errors and cost
    estimates once worked out (they leave the cache with it)."""

    def __init__(self, measured: Measured, size: int) -> None:
        self.measured = measured
        self.size = size
        self.errors: dict[Rules, list[GraphQLError]] = {}
        self.costs: LRUCache[tuple[tuple[str, object], ...], tuple[int, ...]] = LRUCache(
            COSTS_PER_DOCUMENT
        )


class QueryGate:
    def __init__(self, limits: QueryLimits, model: CostModel) -> None:
        self.limits = limits
        self.model = model
        self._documents: LRUCache[str, Checked | Refused] = LRUCache(
            CACHE_CHARACTERS, getsizeof=lambda entry: entry.size
        )
        self._threads = anyio.CapacityLimiter(THREADS)

    async def checked(self, query: str) -> Checked:
        """The document of `query`, parsed and within the text and shape limits; raises the
        refusal (or the syntax error) otherwise."""
        found = self._documents.get(query)
        if found is None:
            found = await self._in_thread(self._check, query)
            if found.size <= CACHE_CHARACTERS:
                self._documents[query] = found
        if isinstance(found, Refused):
            raise found.error()
        return found

    def checked_document(self, document: DocumentNode) -> Checked:
        """A document parsed elsewhere (not from a text here), measured all the same."""
        measured = measure(document)
        check_shapes(measured, self.limits)
        return Checked(measured, size=0)

    def _check(self, query: str) -> Checked | Refused:
        try:
            scan(query, self.limits)
            # The scan has counted the tokens already; the parser's own cap is the backstop.
            document = parse(query, max_tokens=self.limits.max_tokens)
        except GraphQLError as error:
            code = ErrorCode((error.extensions or {}).get("code", ErrorCode.GRAPHQL_PARSE_FAILED))
            return Refused.of(query, error, code)
        measured = measure(document)
        try:
            check_shapes(measured, self.limits)
        except GraphQLError as error:
            return Refused.of(query, error, ErrorCode((error.extensions or {})["code"]))
        return Checked(measured, len(query))

    def check_cost(
        self,
        schema: GraphQLSchema,
        checked: Checked,
        variables: dict[str, Any] | None,
        budget: int,
    ) -> None:
        """Refuse the document when an operation's estimate passes `budget`. Every operation
        counts, not just the one run: validation works through all of them."""
        signature = variables_signature(variables)
        costs = checked.costs.get(signature)
        if costs is None:
            costs = operation_costs(schema, self.model, checked.measured, variables)
            checked.costs[signature] = costs
        for operation, cost in zip(checked.measured.operations, costs, strict=True):
            if cost > budget:
                named = f" {operation.name.value!r}" if operation.name else ""
                message = f"the query{named} is estimated to cost {cost}; the budget is {budget}"
                raise refusal(ErrorCode.QUERY_TOO_COMPLEX, message, limit=budget, found=cost)

    async def validation_errors(
        self, schema: GraphQLSchema, checked: Checked, rules: Rules
    ) -> list[GraphQLError]:
        found = checked.errors.get(rules)
        if found is None:
            found = checked.errors[rules] = await self._in_thread(
                _validate, schema, checked.measured, rules
            )
        return found

    async def _in_thread(self, function: Callable[..., T], *args: object) -> T:
        return await anyio.to_thread.run_sync(function, *args, limiter=self._threads)


def _validate(schema: GraphQLSchema, measured: Measured, rules: Rules) -> list[GraphQLError]:
    errors = validate_document(schema, measured.document, rules)
    for error in errors:
        error.extensions = {
            "code": ErrorCode.GRAPHQL_VALIDATION_FAILED.value,
            **(error.extensions or {}),
        }
    return errors


class QueryGuard(SchemaExtension):
    """Runs the gate for one request (a fresh instance per request)."""

    def __init__(self, gate: QueryGate) -> None:
        super().__init__()
        self.gate = gate
        self.checked: Checked | None = None

    async def on_parse(self) -> AsyncIterator[None]:
        execution = self.execution_context
        if execution.graphql_document is not None:  # supplied by another extension
            checked = self.gate.checked_document(execution.graphql_document)
        elif execution.query is not None:
            checked = await self.gate.checked(execution.query)
        else:
            yield  # strawberry answers a request without a query itself
            return
        select_operation(checked.measured, execution.operation_name)
        budget = self.gate.limits.budget_for(_registered_budget(execution.context))
        self.gate.check_cost(execution.schema._schema, checked, execution.variables, budget)
        self.checked = checked
        execution.graphql_document = checked.measured.document
        yield

    async def on_validate(self) -> AsyncIterator[None]:
        execution = self.execution_context
        if self.checked is not None:
            # A copy: the answer's list may be changed (masked), the cached one never.
            execution.pre_execution_errors = list(
                await self.gate.validation_errors(
                    execution.schema._schema, self.checked, execution.validation_rules
                )
            )
        yield


def _registered_budget(context: object) -> int | None:
    principal = getattr(context, "principal", None)
    return principal.query_budget if isinstance(principal, Principal) else None
