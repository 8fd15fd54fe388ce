"""The gateway process's periodic upkeep: its data sources, rate counters and the national
window's daily snapshot."""

from __future__ import annotations

import asyncio
import logging
import math
from collections.abc import Awaitable, Callable

from datasources.registry import Registry
from store.rate_counters import StoreStorage
from web.window_page import SNAPSHOT_CHECK_SECONDS, snapshot_step

PROBE_INTERVAL_SECONDS = 30.0
PURGE_COUNTERS_SECONDS = 60.0  # ended rate-limit windows are deleted from the store this often

logger = logging.getLogger("darvazeh")


async def maintain(
    registry: Registry,
    counters: StoreStorage,
    reload_interval: float,
    flush_interval: float,
) -> None:
    """Keep the registry in step with the store, probe every source on a schedule, share this
    worker's view of source health with the others, and delete ended rate-limit windows."""
    loop = asyncio.get_running_loop()
    steps: list[tuple[Callable[[], Awaitable[object]], float]] = [
        (registry.load, reload_interval),
        (registry.probe_all, PROBE_INTERVAL_SECONDS),
        (registry.flush_health, flush_interval),
        (counters.purge_expired, PURGE_COUNTERS_SECONDS),
        (snapshot_step(registry), SNAPSHOT_CHECK_SECONDS),  # the national window's trend
    ]
    last_run = [-math.inf] * len(steps)
    while True:
        for index, (step, interval) in enumerate(steps):
            if loop.time() - last_run[index] < interval:
                continue
            last_run[index] = loop.time()
            try:
                await step()
            except Exception:  # the store may be briefly away; the next round tries again
                logger.exception("registry maintenance (%s) failed", step.__name__)
        await asyncio.sleep(min(interval for _, interval in steps))
