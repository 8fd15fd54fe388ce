"""The national data standard as a Strawberry schema (an Apollo Federation v2 subgraph)."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.types import ExecutionContext
from strawberry.utils.logging import StrawberryLogger


class DarvazehSchema(strawberry.federation.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        """Log only what nobody decided: a denial or a down agency carries its code already."""
        for error in errors:
            if not (error.extensions or {}).get("code"):
                StrawberryLogger.error(error, execution_context)


def build_schema() -> DarvazehSchema:
    # Imported here, not at the top: importing a leaf such as schema.datasets must not pull in
    # every resolver (auth imports the datasets, and the resolvers import auth).
    from resolvers.audit_flush import AuditFlush
    from resolvers.observe import ObserveOperation
    from schema.mutation import Mutation
    from schema.query import Query

    return DarvazehSchema(
        query=Query,
        mutation=Mutation,
        federation_version="2.5",  # @requiresScopes arrived in Federation 2.5
        # Frontends send the same few documents again and again: parse and validate each once
        # (the caches live at module level, shared by the per-request extension instances).
        extensions=[
            lambda: ParserCache(maxsize=512),
            lambda: ValidationCache(maxsize=512),
            AuditFlush,
            ObserveOperation,
        ],
    )
