"""Counting in Redis with `limits`' fixed-window strategy: one atomic INCRBY (and EXPIRE on a
window's first hit) per key, exact across every worker."""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Sequence

from limits import RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.strategies import FixedWindowRateLimiter
from redis.asyncio import BlockingConnectionPool

from ratelimit.counting import ALLOWED, Hit, Verdict

# A Redis that stops answering must not hold requests up for long: the limiter then falls back
# to the store. Generous enough that a busy machine opening connections is not taken for that.
CONNECT_TIMEOUT = 2.0
SOCKET_TIMEOUT = 1.0
# Requests share a bounded set of connections (waiting for one rather than opening hundreds).
MAX_CONNECTIONS = 64


class RedisCounter:
    def __init__(self, url: str, *, key_prefix: str) -> None:
        self._pool = BlockingConnectionPool.from_url(
            url,
            max_connections=MAX_CONNECTIONS,
            timeout=CONNECT_TIMEOUT,
            socket_timeout=SOCKET_TIMEOUT,
            socket_connect_timeout=CONNECT_TIMEOUT,
        )
        self.storage = RedisStorage(
            f"async+{url}",
            implementation="redispy",
            key_prefix=key_prefix,
            wrap_exceptions=True,
            # limits types its pass-through options as scalars; redis-py takes the pool.
            connection_pool=self._pool,  # type: ignore[arg-type]
        )
        self._strategy = FixedWindowRateLimiter(self.storage)

    async def take(self, hits: Sequence[Hit], window: int) -> list[Verdict]:
        return list(await asyncio.gather(*(self._take(hit, window) for hit in hits)))

    async def _take(self, hit: Hit, window: int) -> Verdict:
        item = RateLimitItemPerSecond(hit.limit, window)
        if await self._strategy.hit(item, hit.key):
            return ALLOWED
        stats = await self._strategy.get_window_stats(item, hit.key)
        return Verdict(False, max(1, math.ceil(stats.reset_time - time.time())))

    async def give_back(self, hit: Hit, window: int) -> None:
        item = RateLimitItemPerSecond(hit.limit, window)
        await self.storage.incr(item.key_for(hit.key), window, amount=-1)

    async def close(self) -> None:
        await self._pool.aclose()
