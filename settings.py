"""Runtime settings, read once from the environment.

Every knob has a default that runs the embedded demo on one machine with nothing but Python.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def _env(name: str, default: str) -> str:
    value = os.environ.get(name, "").strip()
    return value or default


@dataclass(frozen=True, slots=True)
class Settings:
    var_dir: Path = field(default_factory=lambda: Path(_env("DARVAZEH_VAR_DIR", str(ROOT / "var"))))
    host: str = field(default_factory=lambda: _env("GATEWAY_HOST", "127.0.0.1"))
    port: int = field(default_factory=lambda: int(_env("GATEWAY_PORT", "8000")))
    database_url: str = field(default_factory=lambda: _env("GATEWAY_DATABASE_URL", ""))
    # The issuer and audience default to the address the gateway serves on.
    public_url: str = field(default_factory=lambda: _env("GATEWAY_PUBLIC_URL", ""))
    access_token_ttl: int = field(
        default_factory=lambda: int(_env("GATEWAY_ACCESS_TOKEN_TTL", "300"))
    )
    # A signing key signs for this long, then only verifies until its last token expires.
    signing_key_lifetime: int = field(
        default_factory=lambda: int(_env("GATEWAY_SIGNING_KEY_LIFETIME", str(24 * 3600)))
    )
    # The access log. Off only to measure what it costs (`make bench`); never in service.
    audit_enabled: bool = field(
        default_factory=lambda: _env("GATEWAY_AUDIT", "on").lower() not in {"off", "0", "false"}
    )
    source_timeout: float = field(
        default_factory=lambda: float(_env("GATEWAY_SOURCE_TIMEOUT", "3.0"))
    )
    # How often each worker re-reads the registrations: another worker's change lands this fast.
    reload_interval: float = field(
        default_factory=lambda: float(_env("GATEWAY_RELOAD_INTERVAL", "2.0"))
    )
    # A source's circuit opens after this many consecutive failed calls (or half its recent
    # calls failing), stays open this many seconds, then lets one trial call through.
    breaker_failures: int = field(
        default_factory=lambda: int(_env("GATEWAY_BREAKER_FAILURES", "5"))
    )
    breaker_cooldown: float = field(
        default_factory=lambda: float(_env("GATEWAY_BREAKER_COOLDOWN", "30.0"))
    )
    # How often each worker writes its view of source health to the store for the others.
    health_flush_interval: float = field(
        default_factory=lambda: float(_env("GATEWAY_HEALTH_FLUSH_INTERVAL", "5.0"))
    )
    # What one GraphQL request may ask, checked before anything runs (docs/query-limits.md).
    # Bytes of a request body (or of a GET request's query string); beyond it: 413.
    max_body_bytes: int = field(
        default_factory=lambda: int(_env("GATEWAY_MAX_BODY_BYTES", str(256 * 1024)))
    )
    # How deeply the request's JSON (variables included) may nest arrays and objects.
    max_json_depth: int = field(default_factory=lambda: int(_env("GATEWAY_MAX_JSON_DEPTH", "32")))
    # Characters and lexical tokens of the GraphQL document; then directives and operations in it.
    max_query_length: int = field(
        default_factory=lambda: int(_env("GATEWAY_MAX_QUERY_LENGTH", str(32 * 1024)))
    )
    max_query_tokens: int = field(
        default_factory=lambda: int(_env("GATEWAY_MAX_QUERY_TOKENS", "1000"))
    )
    max_query_directives: int = field(
        default_factory=lambda: int(_env("GATEWAY_MAX_QUERY_DIRECTIVES", "50"))
    )
    max_query_operations: int = field(
        default_factory=lambda: int(_env("GATEWAY_MAX_QUERY_OPERATIONS", "10"))
    )
    # Fields nested in fields (the introspection query GraphiQL sends is 15 deep), aliases and
    # root fields, each counted through fragments.
    max_query_depth: int = field(default_factory=lambda: int(_env("GATEWAY_MAX_QUERY_DEPTH", "15")))
    max_query_aliases: int = field(
        default_factory=lambda: int(_env("GATEWAY_MAX_QUERY_ALIASES", "30"))
    )
    max_root_fields: int = field(default_factory=lambda: int(_env("GATEWAY_MAX_ROOT_FIELDS", "10")))
    # The cost estimate a client's query may reach, unless its registration sets another budget;
    # a registration may set at most the ceiling.
    query_cost_budget: int = field(
        default_factory=lambda: int(_env("GATEWAY_QUERY_COST_BUDGET", "10000"))
    )
    query_cost_ceiling: int = field(
        default_factory=lambda: int(_env("GATEWAY_QUERY_COST_CEILING", "100000"))
    )

    @property
    def store_url(self) -> str:
        return self.database_url or f"sqlite+aiosqlite:///{self.var_dir / 'gateway.db'}"

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def issuer(self) -> str:
        return self.base_url

    @property
    def audience(self) -> str:
        """RFC 9068 `aud`: the resource server, i.e. the GraphQL endpoint."""
        return f"{self.base_url}/graphql"

    @property
    def secret_key_file(self) -> Path:
        return self.var_dir / "secret.key"


def get_settings() -> Settings:
    return Settings()
