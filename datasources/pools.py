"""The gateway's own pools towards the agencies, sized from the settings (GATEWAY_SOURCE_POOL_*,
GATEWAY_SOURCE_HTTP_*): each agency database's connection pool and each web source's connection
limits. How to size them: docs/configuration.md."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

import httpx
from sqlalchemy.engine import make_url
from sqlalchemy.engine.default import DefaultDialect
from sqlalchemy.pool import QueuePool

from datasources.answers import DEFAULT_ANSWER_BYTES
from settings import SourceSettings


@dataclass(frozen=True, slots=True)
class Pools:
    sql_size: int = 5
    sql_overflow: int = 10
    sql_timeout: float = 30.0
    http_connections: int = 100
    http_keepalive: int = 20
    http_answer_bytes: int = DEFAULT_ANSWER_BYTES

    @classmethod
    def of(cls, sources: SourceSettings) -> Pools:
        return cls(
            sql_size=sources.sql_pool_size,
            sql_overflow=sources.sql_pool_overflow,
            sql_timeout=sources.sql_pool_timeout,
            http_connections=sources.http_connections,
            http_keepalive=sources.http_keepalive,
            http_answer_bytes=sources.http_answer_bytes,
        )

    def engine_options(self, url: str) -> dict[str, Any]:
        """create_async_engine's pool options for url: none where the dialect's pool holds one
        connection (a SQLite database in memory), which takes no size."""
        parsed = make_url(url)
        dialect = cast(type[DefaultDialect], parsed.get_dialect())
        pool_class = dialect.get_pool_class(parsed)
        if not issubclass(pool_class, QueuePool):
            return {}
        return {
            "pool_size": self.sql_size,
            "max_overflow": self.sql_overflow,
            "pool_timeout": self.sql_timeout,
        }

    def http_limits(self) -> httpx.Limits:
        return httpx.Limits(
            max_connections=self.http_connections, max_keepalive_connections=self.http_keepalive
        )


DEFAULT_POOLS = Pools()
