"""The national data standard as a Strawberry schema (an Apollo Federation v2 subgraph)."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import aclosing
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLUnionType
from strawberry.federation.schema import FederationAny
from strawberry.federation.schema_directives import Key
from strawberry.schema.config import StrawberryConfig
from strawberry.schema.schema import StreamResult
from strawberry.types import ExecutionContext, Info
from strawberry.types.base import get_object_definition
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType
from strawberry.utils.logging import StrawberryLogger

from resolvers.audit_flush import AuditFlush
from resolvers.observe import ObserveOperation
from schema.errors import field_error, masked, with_code
from schema.execution import plain_fields, record_execution
from schema.limits import QueryLimits
from schema.mutation import Mutation
from schema.production import DisableIntrospection, MaskedErrors
from schema.query import Query
from schema.query_cost import CostModel
from schema.query_gate import QueryGate, QueryGuard
from schema.records import CITIZEN_RECORDS, RECORD_FIELDS, RECORDS, Citizen
from schema.service_cases import Subscription
from schema.standard import ProvenanceType
from standard.errors import ErrorCode


class DarvazehSchema(strawberry.federation.Schema):
    # What a request may ask (set by build_schema; the query gate enforces it).
    query_limits: QueryLimits
    # Production: every error leaves with its code only (set by build_schema).
    mask_errors: bool = False

    # Strawberry builds `_entities` from this signature: the types must stay FederationAny.
    def entities_resolver(
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        """Federation `_entities`, each representation checked before Strawberry resolves it:
        one that is not an object naming an entity type is that item's BAD_USER_INPUT, and only
        the entity's key fields reach its `resolve_reference` (a key such as `cls` or `info`
        would collide with its parameters)."""
        keys = self._entity_keys()
        results: list[FederationAny] = []
        for representation in representations:
            item = representation if isinstance(representation, dict) else {}
            type_name = item.get("__typename")
            if not isinstance(type_name, str) or type_name not in keys:
                # An error in the list nulls that item alone.
                refusal = field_error(
                    ErrorCode.BAD_USER_INPUT,
                    "a representation must be an object whose __typename is one of: "
                    + ", ".join(sorted(keys)),
                )
                results.append(FederationAny(refusal))
                continue
            fields = {name: item[name] for name in keys[type_name] if name in item}
            checked = FederationAny({"__typename": type_name, **fields})
            results.extend(super().entities_resolver(info, [checked]))
        return results

    def _entity_keys(self) -> dict[str, frozenset[str]]:
        """Each entity type's key fields (`@key(fields: "nationalId")`), by type name."""
        union = self._schema.type_map.get("_Entity")
        if not isinstance(union, GraphQLUnionType):
            return {}
        keys: dict[str, frozenset[str]] = {}
        for member in union.types:
            definition = self.schema_converter.type_map[member.name].definition
            directives = getattr(definition, "directives", None) or []
            keys[member.name] = frozenset(
                name
                for directive in directives
                if isinstance(directive, Key)
                for name in directive.fields.split()
            )
        return keys

    async def stream(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        operation_extensions: dict[str, Any] | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
    ) -> StreamResult:
        """Strawberry's stream (WebSocket subscriptions), with the query gate's refusals
        answered as errors: raised from an on_parse hook, strawberry's stream lets them escape,
        and the WebSocket handler logs a traceback and ends the operation without a word."""
        results = await super().stream(
            query, variable_values, context_value, root_value, operation_name,
            operation_extensions, allowed_operation_types,
        )  # fmt: skip
        return self._refusals_answered(results)

    async def _refusals_answered(self, results: StreamResult) -> StreamResult:
        first = True
        try:
            async with aclosing(results):
                async for result in results:
                    first = False
                    yield result
        except GraphQLError as refusal:
            if not first:
                raise
            errors = [refusal]
            self.process_errors(errors)
            yield PreExecutionError(data=None, errors=errors)

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Every error leaves with a code (`schema.errors.with_code`). One raised on purpose (a
        denial, a down agency, a refused query) is not logged; a fault of ours is, once, with
        its traceback, and answered INTERNAL_SERVER_ERROR. In production each is then masked
        here, in the answer's own list: the refusals raised before execution (a syntax error,
        a query limit, the cost) never reach strawberry's MaskErrors."""
        for index, error in enumerate(errors):
            if not with_code(error):
                StrawberryLogger.error(error, execution_context)
            if self.mask_errors:
                errors[index] = masked(error)


def build_schema(
    limits: QueryLimits, *, introspection: bool = True, mask_errors: bool = False
) -> DarvazehSchema:
    """The schema, refusing any request over `limits` before it runs; production turns
    introspection off and masks errors to their codes."""
    production: list[Any] = []
    if not introspection:
        production.append(DisableIntrospection)
    if mask_errors:
        production.append(MaskedErrors)
    # Frontends send the same few documents again and again: the gate scans, parses, measures
    # and validates each once (its caches are per worker, shared by every request).
    gate = QueryGate(limits, CostModel.reading(RECORD_FIELDS))
    # The records and their provenance are plain values, and a citizen's records were read ahead
    # by the root field: each citizen is completed in one pass.
    config = StrawberryConfig()
    plain = plain_fields(
        [*RECORDS, ProvenanceType, Citizen], config.name_converter.get_graphql_name
    )
    ready = {get_object_definition(Citizen, strict=True).name: CITIZEN_RECORDS}
    schema = DarvazehSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        federation_version="2.5",  # @requiresScopes arrived in Federation 2.5
        extensions=[lambda: QueryGuard(gate), AuditFlush, ObserveOperation, *production],
        config=config,
        execution_context_class=record_execution(plain, ready),
    )
    schema.query_limits = limits
    schema.mask_errors = mask_errors
    return schema
