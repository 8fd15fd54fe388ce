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

from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import anyio
from cachetools import LRUCache
from graphql import ASTValidationRule, GraphQLError, GraphQLSchema, Source, parse
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document

from auth.principal import Principal
from resolvers.errors import ErrorCode
from schema.document_scan import scan
from schema.limits import QueryLimits
from schema.query_cost import CostModel, operation_costs, variables_signature
from schema.query_shape import Measured, check_shapes, measure, select_operation

CACHE_SIZE = 512
# Documents parsed and validated at once per worker; others wait their turn without blocking.
THREADS = 2

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Refused:
    """A refusal remembered for a document text; each request gets a fresh error from it."""

    message: str
    extensions: dict[str, Any]
    source: Source | None
    positions: Sequence[int] | None

    @classmethod
    def of(cls, error: GraphQLError, code: ErrorCode) -> Refused:
        extensions = {"code": code.value, **(error.extensions or {})}
        return cls(error.message, extensions, error.source, error.positions)

    def error(self) -> GraphQLError:
        return GraphQLError(
            self.message, source=self.source, positions=self.positions, extensions=self.extensions
        )


class QueryGate:
    def __init__(self, limits: QueryLimits, model: CostModel) -> None:
        self.limits = limits
        self.model = model
        self._documents: LRUCache[str, Measured | Refused] = LRUCache(CACHE_SIZE)
        self._errors: LRUCache[tuple[str, tuple[type[ASTValidationRule], ...]], list[GraphQLError]]
        self._errors = LRUCache(CACHE_SIZE)
        self._costs: LRUCache[tuple[str, tuple[tuple[str, object], ...]], tuple[int, ...]]
        self._costs = LRUCache(CACHE_SIZE * 4)
        self._threads = anyio.CapacityLimiter(THREADS)

    async def measured(self, query: str) -> Measured:
        """The document of `query`, parsed and within the text and shape limits; raises the
        refusal (or the syntax error) otherwise."""
        found = self._documents.get(query)
        if found is None:
            found = await self._in_thread(self._measure, query)
            self._documents[query] = found
        if isinstance(found, Refused):
            raise found.error()
        return found

    def _measure(self, query: str) -> Measured | Refused:
        try:
            scan(query, self.limits)
            # The scan has counted the tokens already; the parser's own cap is the backstop.
            document = parse(query, max_tokens=self.limits.max_tokens)
        except GraphQLError as error:
            code = ErrorCode((error.extensions or {}).get("code", ErrorCode.GRAPHQL_PARSE_FAILED))
            return Refused.of(error, code)
        measured = measure(document)
        try:
            check_shapes(measured, self.limits)
        except GraphQLError as error:
            return Refused.of(error, ErrorCode((error.extensions or {})["code"]))
        return measured

    def check_cost(
        self,
        schema: GraphQLSchema,
        query: str | None,
        measured: Measured,
        variables: dict[str, Any] | None,
        budget: int,
    ) -> None:
        """Refuse the document when an operation's estimate passes `budget`. Every operation
        counts, not just the one run: validation works through all of them."""
        key = None if query is None else (query, variables_signature(variables))
        costs = None if key is None else self._costs.get(key)
        if costs is None:
            costs = operation_costs(schema, self.model, measured, variables)
            if key is not None:
                self._costs[key] = costs
        for operation, cost in zip(measured.operations, costs, strict=True):
            if cost > budget:
                named = f" {operation.name.value!r}" if operation.name else ""
                raise GraphQLError(
                    f"the query{named} is estimated to cost {cost}; this client's budget is "
                    f"{budget}",
                    extensions={
                        "code": ErrorCode.QUERY_TOO_COMPLEX.value,
                        "limit": budget,
                        "found": cost,
                    },
                )

    async def validation_errors(
        self,
        schema: GraphQLSchema,
        query: str | None,
        measured: Measured,
        rules: tuple[type[ASTValidationRule], ...],
    ) -> list[GraphQLError]:
        key = None if query is None else (query, rules)
        found = None if key is None else self._errors.get(key)
        if found is None:
            found = await self._in_thread(_validate, schema, measured, rules)
            if key is not None:
                self._errors[key] = found
        return found

    async def _in_thread(self, function: Callable[..., T], *args: object) -> T:
        return await anyio.to_thread.run_sync(function, *args, limiter=self._threads)


def _validate(
    schema: GraphQLSchema, measured: Measured, rules: tuple[type[ASTValidationRule], ...]
) -> list[GraphQLError]:
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
        self.measured: Measured | None = None

    async def on_parse(self) -> AsyncIterator[None]:  # type: ignore[override]  # strawberry types hooks as sync-or-async unions
        execution = self.execution_context
        query = execution.query
        if execution.graphql_document is not None:
            # Supplied by another extension, not parsed from text here: measured all the same.
            measured = measure(execution.graphql_document)
            check_shapes(measured, self.gate.limits)
        elif query is not None:
            measured = await self.gate.measured(query)
        else:
            yield  # strawberry answers a request without a query itself
            return
        select_operation(measured, execution.operation_name)
        budget = self.gate.limits.budget_for(_registered_budget(execution.context))
        schema = execution.schema._schema
        self.gate.check_cost(schema, query, measured, execution.variables, budget)
        self.measured = measured
        execution.graphql_document = measured.document
        yield

    async def on_validate(self) -> AsyncIterator[None]:  # type: ignore[override]  # as on_parse
        execution = self.execution_context
        if self.measured is not None:
            execution.pre_execution_errors = await self.gate.validation_errors(
                execution.schema._schema, execution.query, self.measured, execution.validation_rules
            )
        yield


def _registered_budget(context: object) -> int | None:
    principal = getattr(context, "principal", None)
    return principal.query_budget if isinstance(principal, Principal) else None
