"""datasources/pools.py: the gateway's pools towards the agencies, sized from the settings."""

from __future__ import annotations

import pytest

from datasources.pools import Pools
from datasources.sql import create_engine
from settings import SourceSettings


def test_pools_come_from_the_settings() -> None:
    pools = Pools.of(SourceSettings(sql_pool_size=40, sql_pool_overflow=0, http_connections=300))
    assert pools.engine_options("postgresql+asyncpg://u@h/db") == {
        "pool_size": 40, "max_overflow": 0, "pool_timeout": 30.0,
    }  # fmt: skip
    limits = pools.http_limits()
    assert (limits.max_connections, limits.max_keepalive_connections) == (300, 20)
    # A SQLite database in memory has one connection, which takes no size.
    assert pools.engine_options("sqlite+aiosqlite://") == {}


async def test_an_agency_engine_gets_the_size() -> None:
    engine = create_engine("sqlite+aiosqlite:////tmp/agency.db", pools=Pools(sql_size=7))
    assert engine.pool.size() == 7  # type: ignore[attr-defined]
    await engine.dispose()


def test_pool_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="GATEWAY_SOURCE_POOL_SIZE"):
        SourceSettings(sql_pool_size=0)
    with pytest.raises(ValueError, match="GATEWAY_SOURCE_HTTP_KEEPALIVE"):
        SourceSettings(http_connections=5, http_keepalive=10)
