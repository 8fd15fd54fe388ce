"""The national data standard as a Strawberry schema (an Apollo Federation v2 subgraph)."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError, GraphQLUnionType
from strawberry.extensions import ParserCache, ValidationCache
from strawberry.federation.schema import FederationAny
from strawberry.federation.schema_directives import Key
from strawberry.types import ExecutionContext, Info
from strawberry.utils.logging import StrawberryLogger

from resolvers.errors import ErrorCode, field_error


class DarvazehSchema(strawberry.federation.Schema):
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
        ],
    )
