"""What every process of the gateway opens first, the same way: the store, the box sealing the
agencies' secrets, and the registry of their data sources (loaded). The gateway (server.py) and
standalone proactive workers (web/proactive_workers.py) both start from here."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from datasources.health import HealthPolicy
from datasources.policy import policy_for
from datasources.registry import Registry
from schema.records import record_specs
from settings import Settings
from store.db import create_engine, sessionmaker
from store.secrets import SecretBox


@dataclass(frozen=True, slots=True)
class StoreAndSources:
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    box: SecretBox
    registry: Registry

    async def close(self) -> None:
        await self.registry.close()
        await self.engine.dispose()


async def open_store_and_sources(settings: Settings) -> StoreAndSources:
    """The store's engine and sessions, the secret box and the loaded registry of sources."""
    engine = create_engine(settings.store_url)
    sessions = sessionmaker(engine)
    box = SecretBox.load(settings.secret_key, settings.secret_key_file)
    health = HealthPolicy(
        failures=settings.sources.breaker_failures,
        cooldown=settings.sources.breaker_cooldown,
        flush_interval=settings.sources.health_flush_interval,
    )
    # Resolving the allow-list's host names blocks: off the event loop.
    policy = await asyncio.to_thread(policy_for, settings)
    registry = Registry(
        sessions,
        box,
        record_specs(),
        policy=policy,
        default_timeout=settings.sources.timeout,
        health=health,
    )
    try:
        await registry.load()
    except BaseException:
        await registry.close()
        await engine.dispose()
        raise
    return StoreAndSources(engine, sessions, box, registry)
