"""Shared fixtures: the database servers and a running gateway over a small demo world."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import nats
import pytest
from redis.asyncio import Redis
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from tests.harness import RunningGateway, running_gateway

POSTGRES_URL = os.environ.get(
    "DARVAZEH_TEST_POSTGRES_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
)
MARIADB_URL = os.environ.get(
    "DARVAZEH_TEST_MARIADB_URL", "mysql+asyncmy://root@127.0.0.1:3306/test"
)
REDIS_URL = os.environ.get("DARVAZEH_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
NATS_URL = os.environ.get("DARVAZEH_TEST_NATS_URL", "nats://127.0.0.1:4222")
# CI sets this: there an unreachable server is a failure, not a skip.
REQUIRE_SERVICES = os.environ.get("DARVAZEH_REQUIRE_SERVICES") == "1"


async def _reachable(url: str) -> str | None:
    engine = create_async_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
        return None
    except Exception as error:  # any failure to connect
        return f"{make_url(url).render_as_string(hide_password=True)}: {error}"
    finally:
        await engine.dispose()


async def _server(url: str) -> str:
    problem = await _reachable(url)
    if problem:
        if REQUIRE_SERVICES:
            pytest.fail(f"database server required but unreachable: {problem}")
        pytest.skip(f"database server unreachable: {problem}")
    return url


async def fresh_database(server_url: str, name: str) -> str:
    """Drop and create database `name` on the server of `server_url`; return its URL.

    DARVAZEH_TEST_DB_SUFFIX keeps test runs that share a server (two checkouts) apart.
    """
    name += os.environ.get("DARVAZEH_TEST_DB_SUFFIX", "")
    url = make_url(server_url)
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            if url.get_backend_name() == "postgresql":
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                await connection.execute(text(f'CREATE DATABASE "{name}"'))
            else:
                await connection.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
                await connection.execute(
                    text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin")
                )
    finally:
        await engine.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
async def postgres_url() -> str:
    return await _server(POSTGRES_URL)


@pytest.fixture(scope="session")
async def mariadb_url() -> str:
    return await _server(MARIADB_URL)


@pytest.fixture(scope="session")
async def redis_url() -> str:
    """The Redis server's URL (skips locally when unreachable; fails under CI)."""
    client = Redis.from_url(REDIS_URL, socket_connect_timeout=2)
    try:
        await client.ping()
    except Exception as error:  # any failure to connect
        message = f"redis unreachable at {REDIS_URL}: {error}"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    finally:
        await client.aclose()
    return REDIS_URL


@pytest.fixture(scope="session")
async def nats_url() -> str:
    """The NATS server's URL, JetStream on (skips locally when unreachable; fails under CI)."""
    try:
        client = await nats.connect(NATS_URL, connect_timeout=2, max_reconnect_attempts=0)
        try:
            await client.jetstream().account_info()
        finally:
            await client.close()
    except Exception as error:  # any failure to connect, or no JetStream
        message = f"NATS with JetStream unreachable at {NATS_URL}: {error!r}"
        if REQUIRE_SERVICES:
            pytest.fail(message)
        pytest.skip(message)
    return NATS_URL


@pytest.fixture
def key_prefix() -> str:
    """A rate-limit key prefix of the test's own: runs sharing one Redis never collide."""
    return f"test-{uuid.uuid4().hex}"


@pytest.fixture(scope="session")
async def gateway(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningGateway]:
    """The embedded default: SQLite store and agencies, education over HTTP."""
    async with running_gateway(Path(tmp_path_factory.mktemp("gateway"))) as running:
        yield running


@pytest.fixture(scope="session")
async def shared_store(
    postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningGateway]:
    """A gateway on a PostgreSQL store, for tests that start more gateway processes on it."""
    store = await fresh_database(postgres_url, "darvazeh_shared_store_test")
    async with running_gateway(Path(tmp_path_factory.mktemp("shared")), store_url=store) as running:
        yield running
