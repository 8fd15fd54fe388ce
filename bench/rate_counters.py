"""What counting one request against a rate limit costs, per counter (docs/rate-limits.md):

    python -m bench.rate_counters [REDIS_URL]

a store upsert per request (what leases avoid), the store with leases at the default client limit,
and Redis (exact, one round trip per request). Wall and CPU time per request, on a fresh SQLite
store in a temporary folder."""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable

from ratelimit import Hit, LeasedCounter, RedisCounter
from store.db import create_engine, sessionmaker
from store.migrate import upgrade_async
from store.rate_counters import StoreStorage

REQUESTS = 2000
DEFAULT_CLIENT_LIMIT = 600


async def _per_request(name: str, count: int, one: Callable[[], Awaitable[object]]) -> None:
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(count):
        await one()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    print(f"{name:<40} {wall / count * 1e6:7.0f} us wall {cpu / count * 1e6:7.0f} us CPU")


async def main(redis_url: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{folder}/gateway.db"
        await upgrade_async(url)
        engine = create_engine(url)
        storage = StoreStorage(sessionmaker(engine))
        key = f"bench:{uuid.uuid4().hex}"
        await _per_request(
            "store, an upsert per request", REQUESTS, lambda: storage.incr_many([(key, 1)], 60)
        )
        leased, hit = LeasedCounter(storage), Hit(f"bench:{uuid.uuid4().hex}", DEFAULT_CLIENT_LIMIT)
        await _per_request(
            f"store, leased (limit {DEFAULT_CLIENT_LIMIT})",
            DEFAULT_CLIENT_LIMIT,
            lambda: leased.take([hit], 60),
        )
        await engine.dispose()
    redis = RedisCounter(redis_url, key_prefix=f"bench-{uuid.uuid4().hex}")
    far = Hit("bench", 10**9)
    try:
        await _per_request("redis", REQUESTS, lambda: redis.take([far], 60))
    finally:
        await redis.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1] if len(sys.argv) > 1 else "redis://127.0.0.1:6379/0"))
