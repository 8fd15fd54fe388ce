"""The outbox worker's loop: claim a batch, make its cases, repeat; sleep when nothing is due.

Workers share nothing but the store, so any number may run (in gateway processes, or standalone
with `python -m services.proactive`). A worker renews the lease of the batch it is working on
while it works, so only a worker that stopped (killed, frozen, cut off from the store) loses its
batch to another. Stopping is graceful: the batch at hand is finished first.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from services.proactive.engine import BatchResult, Engine
from services.proactive.outbox import Outbox

logger = logging.getLogger(__name__)


def worker_name() -> str:
    """A name no other worker has: host, process and a random part (LifeEventRecord.claimed_by)."""
    return f"{socket.gethostname()[:32]}:{uuid.uuid4().hex[:12]}"


@dataclass
class WorkerStats:
    batches: int = 0
    events: int = 0
    done: int = 0
    retried: int = 0
    dead: int = 0
    cases: int = 0
    errors: int = 0  # batches that failed as a whole (their events come back after the lease)
    processed: list[str] = field(default_factory=list)  # event ids, when `keep_ids` is set

    def add(self, result: BatchResult) -> None:
        self.batches += 1
        self.events += result.events
        self.done += result.done
        self.retried += result.retried
        self.dead += result.dead
        self.cases += result.cases


class Worker:
    def __init__(
        self,
        outbox: Outbox,
        engine: Engine,
        *,
        poll_interval: float = 1.0,
        keep_ids: bool = False,
    ) -> None:
        self.outbox = outbox
        self.engine = engine
        self.poll_interval = poll_interval
        self.stats = WorkerStats()
        self._keep_ids = keep_ids

    @property
    def name(self) -> str:
        return self.outbox.worker

    async def run_once(self) -> int:
        """Claim one batch and make its cases; how many events it held (0: nothing was due)."""
        events = await self.outbox.claim()
        if not events:
            return 0
        renewing = asyncio.create_task(self._renew([event.id for event in events]))
        try:
            result = await self.engine.process(self.outbox, events)
        except Exception:  # the store went away mid-batch: the lease brings the events back
            self.stats.errors += 1
            logger.exception("worker %s: a batch of %d events failed", self.name, len(events))
            return len(events)
        finally:
            renewing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await renewing
        self.stats.add(result)
        if self._keep_ids:
            self.stats.processed.extend(event.id for event in events)
        return len(events)

    async def _renew(self, event_ids: Sequence[str]) -> None:
        """Renew the batch's lease every third of it, until cancelled."""
        while True:
            await asyncio.sleep(self.outbox.policy.lease / 3)
            try:
                await self.outbox.extend(event_ids)
            except Exception:  # the next renewal tries again; the lease has time left
                logger.exception("worker %s: renewing its lease failed", self.name)

    async def run(self, stop: asyncio.Event, *, until_idle: bool = False) -> None:
        """Work until `stop` is set (after the batch at hand), or, with `until_idle`, until
        nothing is due."""
        while not stop.is_set():
            try:
                claimed = await self.run_once()
            except Exception:  # claiming failed (the store is away): wait and try again
                self.stats.errors += 1
                logger.exception("worker %s: claiming failed", self.name)
                claimed = 0
            if claimed:
                continue
            if until_idle:
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), self.poll_interval)


class Workers:
    """Workers run as tasks of this process (the gateway's lifespan, `python -m
    services.proactive`), stopped together."""

    def __init__(self, workers: Sequence[Worker], grace: float = 30.0) -> None:
        self.workers = list(workers)
        self._grace = grace
        self._stop = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []

    def start(self) -> None:
        self._tasks = [asyncio.create_task(worker.run(self._stop)) for worker in self.workers]

    async def stop(self) -> None:
        """Let each worker finish its batch, then return (cancelling what outlasts the grace:
        its events come back to another worker when their lease ends)."""
        self._stop.set()
        if not self._tasks:
            return
        _, late = await asyncio.wait(self._tasks, timeout=self._grace)
        for task in late:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
