"""What one request may ask of a worker, checked before anything runs (docs/query-limits.md)."""

from __future__ import annotations

from dataclasses import dataclass

from settings.environment import integer


@dataclass(frozen=True, slots=True)
class RequestLimits:
    # Bytes of a request body (or of a GET request's query string); beyond it: 413.
    max_body_bytes: int = integer("GATEWAY_MAX_BODY_BYTES", 256 * 1024)
    # How deeply the request's JSON (variables included) may nest arrays and objects.
    max_json_depth: int = integer("GATEWAY_MAX_JSON_DEPTH", 32)
    # Characters and lexical tokens of the GraphQL document; then directives and operations in it.
    max_query_length: int = integer("GATEWAY_MAX_QUERY_LENGTH", 32 * 1024)
    max_query_tokens: int = integer("GATEWAY_MAX_QUERY_TOKENS", 1000)
    max_query_directives: int = integer("GATEWAY_MAX_QUERY_DIRECTIVES", 50)
    max_query_operations: int = integer("GATEWAY_MAX_QUERY_OPERATIONS", 10)
    # Fields nested in fields (the introspection query GraphiQL sends is 15 deep), aliases and
    # root fields, each counted through fragments.
    max_query_depth: int = integer("GATEWAY_MAX_QUERY_DEPTH", 15)
    max_query_aliases: int = integer("GATEWAY_MAX_QUERY_ALIASES", 30)
    max_root_fields: int = integer("GATEWAY_MAX_ROOT_FIELDS", 10)
    # The cost estimate a client's query may reach, unless its registration sets another budget;
    # a registration may set at most the ceiling.
    query_cost_budget: int = integer("GATEWAY_QUERY_COST_BUDGET", 10000)
    query_cost_ceiling: int = integer("GATEWAY_QUERY_COST_CEILING", 100000)
    # GraphQL requests one worker runs at once; the rest queue (web/admission.py). 0: no bound.
    max_concurrent_requests: int = integer("GATEWAY_MAX_CONCURRENT_REQUESTS", 32)
    # Persisted queries: at most this many safelisted documents per client, each at most this
    # many bytes; development's automatic persisted queries keep this many per worker.
    safelist_max_documents: int = integer("GATEWAY_SAFELIST_MAX_DOCUMENTS", 200)
    safelist_max_bytes: int = integer("GATEWAY_SAFELIST_MAX_BYTES", 16 * 1024)
    apq_cache_size: int = integer("GATEWAY_APQ_CACHE_SIZE", 1000)
