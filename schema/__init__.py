"""The national data standard as a Strawberry schema (an Apollo Federation v2 subgraph)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLUnionType
from strawberry.federation.schema import FederationAny
from strawberry.types import ExecutionContext, Info
from strawberry.utils.logging import StrawberryLogger

from resolvers.errors import ErrorCode, field_error
from schema.limits import QueryLimits
from schema.query_cost import CostModel
from schema.query_gate import QueryGate, QueryGuard


class DarvazehSchema(strawberry.federation.Schema):
    # What a request may ask (set by build_schema; the query gate enforces it).
    query_limits: QueryLimits

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Every error leaves with a code. One raised on purpose (a denial, a down agency, a
        refused query) has its code already and is not logged. graphql-core's own request errors
        (a variable of the wrong type) are the client's: BAD_USER_INPUT. Anything else is a fault
        of ours: logged once, with its traceback, and answered INTERNAL_SERVER_ERROR."""
        for error in errors:
            extensions = error.extensions or {}
            if extensions.get("code"):
                continue
            from_graphql = error.original_error is None or isinstance(
                error.original_error, GraphQLError
            )
            if from_graphql and not error.path:
                error.extensions = {**extensions, "code": ErrorCode.BAD_USER_INPUT.value}
                continue
            error.extensions = {**extensions, "code": ErrorCode.INTERNAL_SERVER_ERROR.value}
            StrawberryLogger.error(error, execution_context)

    def entities_resolver(
        self, info: Info, representations: list[FederationAny]
    ) -> list[FederationAny]:
        """Federation's `_entities`, each representation checked first: one that is not an
        object naming an entity type nulls only its own entity, with BAD_USER_INPUT (strawberry
        would fail the whole field with a bare KeyError)."""
        entity = self._schema.get_type("_Entity")
        entities = set()
        if isinstance(entity, GraphQLUnionType):
            entities = {member.name for member in entity.types}
        answers: list[object] = [None] * len(representations)
        positions: list[int] = []
        valid: list[FederationAny] = []
        for index, representation in enumerate(representations):
            checked = _checked_representation(representation, entities)
            if isinstance(checked, str):
                answers[index] = field_error(ErrorCode.BAD_USER_INPUT, checked, index=index)
            else:
                positions.append(index)
                valid.append(FederationAny(checked))
        for index, answer in zip(positions, super().entities_resolver(info, valid), strict=True):
            answers[index] = answer
        return [FederationAny(answer) for answer in answers]


def _checked_representation(representation: object, entities: set[str]) -> dict[str, object] | str:
    """A copy of the representation (strawberry pops `__typename` off it), or what is wrong
    with it."""
    if not isinstance(representation, Mapping):
        return "a representation must be an object with __typename and the entity's key"
    typename = representation.get("__typename")
    if not isinstance(typename, str):
        return "a representation needs __typename naming an entity type"
    if typename not in entities:
        return f"{typename!r} is not an entity type here (entities: {', '.join(sorted(entities))})"
    return dict(representation)


def build_schema(
    limits: QueryLimits, *, introspection: bool = True, mask_errors: bool = False
) -> DarvazehSchema:
    """The schema, refusing any request over `limits` before it runs; production turns
    introspection off and masks errors to their codes."""
    # Imported here, not at the top: importing a leaf such as schema.datasets must not pull in
    # every resolver (auth imports the datasets, and the resolvers import auth).
    from resolvers.audit_flush import AuditFlush
    from resolvers.observe import ObserveOperation
    from schema.citizen import RECORD_FIELDS
    from schema.mutation import Mutation
    from schema.production import DisableIntrospection, MaskedErrors
    from schema.query import Query

    production: list[Any] = []
    if not introspection:
        production.append(DisableIntrospection)
    if mask_errors:
        production.append(MaskedErrors)
    # Frontends send the same few documents again and again: the gate scans, parses, measures
    # and validates each once (its caches are per worker, shared by every request).
    gate = QueryGate(limits, CostModel.reading(RECORD_FIELDS))
    schema = DarvazehSchema(
        query=Query,
        mutation=Mutation,
        federation_version="2.5",  # @requiresScopes arrived in Federation 2.5
        extensions=[lambda: QueryGuard(gate), AuditFlush, ObserveOperation, *production],
    )
    schema.query_limits = limits
    return schema
