"""How the gateway reaches the agencies' data sources (docs/data-source-policy.md)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from settings.environment import integer, number, optional_path, text


@dataclass(frozen=True, slots=True)
class SourceSettings:
    # Seconds a source call may take, unless its registration says otherwise.
    timeout: float = number("GATEWAY_SOURCE_TIMEOUT", 3.0)
    # A source's circuit opens after this many consecutive failed calls (or half its recent
    # calls failing), stays open this many seconds, then lets one trial call through.
    breaker_failures: int = integer("GATEWAY_BREAKER_FAILURES", 5)
    breaker_cooldown: float = number("GATEWAY_BREAKER_COOLDOWN", 30.0)
    # How often each worker writes its view of source health to the store for the others.
    health_flush_interval: float = number("GATEWAY_HEALTH_FLUSH_INTERVAL", 5.0)
    # SQLite data sources are files in an agency's own folder here, `<dir>/<agency code>/`,
    # opened read-only. None: `<var_dir>/agencies` (Settings.agencies_folder).
    agencies_dir: Path | None = optional_path("GATEWAY_AGENCIES_DIR")
    # What each agency's network sources may reach: JSON `{"agency": ["host:port",
    # "host:port/database"]}`, or the path of a file holding it. Empty: no server at all.
    allowlist: str = text("GATEWAY_SOURCE_ALLOWLIST", "")
    # The gateway's own pools towards the agencies (docs/configuration.md, "Sizing the pools"):
    # connections each agency database keeps open (the sql sources on one URL share them), how
    # many more it may open under load, and seconds a call waits for a free one.
    sql_pool_size: int = integer("GATEWAY_SOURCE_POOL_SIZE", 5)
    sql_pool_overflow: int = integer("GATEWAY_SOURCE_POOL_OVERFLOW", 10)
    sql_pool_timeout: float = number("GATEWAY_SOURCE_POOL_TIMEOUT", 30.0)
    # Connections each http or graphql source may have open at once, and how many stay idle.
    http_connections: int = integer("GATEWAY_SOURCE_HTTP_CONNECTIONS", 100)
    http_keepalive: int = integer("GATEWAY_SOURCE_HTTP_KEEPALIVE", 20)
    # Bytes the gateway reads of one http or graphql source's answer (after decoding); a larger
    # answer fails the call instead of filling the worker's memory.
    http_answer_bytes: int = integer("GATEWAY_SOURCE_HTTP_ANSWER_BYTES", 32 * 1024 * 1024)

    def __post_init__(self) -> None:
        if self.sql_pool_size < 1 or self.sql_pool_overflow < 0 or self.sql_pool_timeout <= 0:
            raise ValueError(
                "GATEWAY_SOURCE_POOL_SIZE must be at least 1, GATEWAY_SOURCE_POOL_OVERFLOW at "
                "least 0 and GATEWAY_SOURCE_POOL_TIMEOUT above 0"
            )
        if self.http_answer_bytes < 1024:
            raise ValueError("GATEWAY_SOURCE_HTTP_ANSWER_BYTES must be at least 1024")
        if not 1 <= self.http_keepalive <= self.http_connections:
            raise ValueError(
                "GATEWAY_SOURCE_HTTP_KEEPALIVE must be 1 to GATEWAY_SOURCE_HTTP_CONNECTIONS"
            )
