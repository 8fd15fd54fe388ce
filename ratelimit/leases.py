"""Counting against the gateway store without a store write per request.

Each worker reserves a run of positions in a key's window (a lease) with one atomic increment,
then hands them out from memory. Position p is allowed when p <= limit: since every position is
reserved exactly once across all workers, the store's counters never let more than `limit`
requests through in a window, however many workers share it. What a lease costs is the other way:
positions a worker reserved but did not use before its window ended are lost, so a key may see
fewer than `limit` requests through. Leases start at one position and double while a key stays
busy on a worker, up to 1/LEASE_SHARE of its limit, so a key's loss is below
workers x limit / LEASE_SHARE, and a quiet key (one read of one citizen) costs one write, exact.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ratelimit.counting import ALLOWED, Hit, Verdict
from store.rate_counters import StoreStorage

LEASE_SHARE = 16
MAX_LEASES = 50_000  # keys remembered per worker; the least recently used are forgotten


@dataclass(slots=True)
class _Lease:
    next: int  # the next position to hand out
    end: int  # the last position reserved
    size: int  # how many positions the last reservation took
    expires_at: float  # when the key's window ends (seconds since the epoch)


class LeasedCounter:
    def __init__(
        self,
        storage: StoreStorage,
        *,
        max_leases: int = MAX_LEASES,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.storage = storage
        self._max_leases = max_leases
        self._clock = clock
        self._leases: OrderedDict[str, _Lease] = OrderedDict()
        # Keys whose lease is being renewed: other requests for them wait instead of renewing too.
        self._renewing: dict[str, asyncio.Future[None]] = {}

    async def take(self, hits: Sequence[Hit], window: int) -> list[Verdict]:
        verdicts: dict[int, Verdict] = {}
        while len(verdicts) < len(hits):
            renew: list[int] = []
            waits: list[asyncio.Future[None]] = []
            for index, hit in enumerate(hits):
                if index in verdicts:
                    continue
                verdict = self._from_lease(hit)
                if verdict is not None:
                    verdicts[index] = verdict
                elif (pending := self._renewing.get(hit.key)) is not None:
                    waits.append(pending)
                elif all(hits[other].key != hit.key for other in renew):
                    renew.append(index)
            if renew:
                renewed = await self._renew([hits[index] for index in renew], window)
                verdicts.update(zip(renew, renewed, strict=True))
            elif waits:
                await asyncio.wait(waits)
        return [verdicts[index] for index in range(len(hits))]

    async def give_back(self, hit: Hit, window: int) -> None:
        await self.storage.incr_many([(hit.key, -1)], window)

    async def close(self) -> None:
        self._leases.clear()
        await self.storage.close()

    def _from_lease(self, hit: Hit) -> Verdict | None:
        """The verdict from this worker's lease on the key; None when it must be renewed."""
        lease = self._leases.get(hit.key)
        now = self._clock()
        if lease is None or lease.expires_at <= now:
            return None
        self._leases.move_to_end(hit.key)
        if lease.next <= lease.end:
            position = lease.next
            lease.next += 1
            return self._verdict(position, hit.limit, lease.expires_at, now)
        if lease.end >= hit.limit:  # every position up to the limit is taken, by some worker
            return self._verdict(lease.end + 1, hit.limit, lease.expires_at, now)
        return None

    async def _renew(self, hits: list[Hit], window: int) -> list[Verdict]:
        now = self._clock()
        sizes = [self._next_size(hit, now) for hit in hits]
        loop = asyncio.get_running_loop()
        for hit in hits:
            self._renewing[hit.key] = loop.create_future()
        try:
            windows = await self.storage.incr_many(
                [(hit.key, size) for hit, size in zip(hits, sizes, strict=True)], window
            )
        finally:
            for hit in hits:
                self._renewing.pop(hit.key).set_result(None)
        verdicts = []
        for hit, size in zip(hits, sizes, strict=True):
            found = windows[hit.key]
            first = found.count - size + 1
            self._remember(hit.key, _Lease(first + 1, found.count, size, found.expires_at))
            verdicts.append(self._verdict(first, hit.limit, found.expires_at, now))
        return verdicts

    def _next_size(self, hit: Hit, now: float) -> int:
        cap = max(1, hit.limit // LEASE_SHARE)
        lease = self._leases.get(hit.key)
        if lease is None or lease.expires_at <= now:
            return 1
        # No further than the limit: positions past it would only be refused.
        return max(1, min(lease.size * 2, cap, hit.limit - lease.end))

    def _remember(self, key: str, lease: _Lease) -> None:
        self._leases[key] = lease
        self._leases.move_to_end(key)
        while len(self._leases) > self._max_leases:
            self._leases.popitem(last=False)

    @staticmethod
    def _verdict(position: int, limit: int, expires_at: float, now: float) -> Verdict:
        if position <= limit:
            return ALLOWED
        return Verdict(False, max(1, math.ceil(expires_at - now)))
