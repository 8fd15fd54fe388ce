"""The national data standard as a Strawberry schema (an Apollo Federation v2 subgraph)."""

from __future__ import annotations

import strawberry
from strawberry.extensions import ParserCache, ValidationCache

from schema.query import Query


def build_schema() -> strawberry.federation.Schema:
    return strawberry.federation.Schema(
        query=Query,
        federation_version="2.5",  # @requiresScopes arrived in Federation 2.5
        # Frontends send the same few documents again and again: parse and validate each once.
        extensions=[ParserCache(maxsize=512), ValidationCache(maxsize=512)],
    )
