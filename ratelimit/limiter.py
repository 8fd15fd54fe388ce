"""The limiter the edge asks: count a request against its keys, refuse it while any is over."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

from ratelimit.counting import ALLOWED, Counter, Hit, Verdict
from ratelimit.refusals import note_refusal

logger = logging.getLogger("darvazeh.ratelimit")
# After the primary counters (Redis) fail, the fallback (the store) counts for this long before
# the primary is tried again: a Redis that is down must not slow every request by its timeout.
RETRY_PRIMARY_AFTER = 5.0


@dataclass(frozen=True, slots=True)
class Rate:
    """A request counted against one key: `kind` of key (client, citizen, ...), whose key
    (`ident`), allowing `limit` requests per window."""

    kind: str
    ident: str
    limit: int


@dataclass(frozen=True, slots=True)
class Refusal:
    retry_after: int  # seconds until every refusing key's window has ended
    kinds: tuple[str, ...]


class Limiter:
    """Counts in `counter` (Redis or the store); while `counter` fails, in `fallback` (the
    store), so a Redis outage neither lifts the limits nor stops the gateway."""

    def __init__(
        self,
        counter: Counter,
        *,
        window: int,
        prefix: str,
        fallback: Counter | None = None,
    ) -> None:
        self.counter = counter
        self.fallback = fallback
        self.window = window
        self._prefix = prefix
        self._failing_until = 0.0

    def key(self, endpoint: str, rate: Rate) -> str:
        return f"{self._prefix}:{endpoint}:{rate.kind}:{rate.ident}"

    async def take(self, endpoint: str, rates: Sequence[Rate]) -> Refusal | None:
        """Count one request against every key; the refusal when any of them is over."""
        refusals = [refusal for refusal in await self.take_each(endpoint, rates) if refusal]
        if not refusals:
            return None
        return Refusal(
            retry_after=max(refusal.retry_after for refusal in refusals),
            kinds=tuple(kind for refusal in refusals for kind in refusal.kinds),
        )

    async def take_each(self, endpoint: str, rates: Sequence[Rate]) -> list[Refusal | None]:
        """Count against each key in one batch; a refusal (or None) for each."""
        if not rates:
            return []
        hits = [Hit(self.key(endpoint, rate), rate.limit) for rate in rates]
        verdicts = await self._count(hits)
        refusals: list[Refusal | None] = []
        for rate, verdict in zip(rates, verdicts, strict=True):
            if verdict.allowed:
                refusals.append(None)
            else:
                note_refusal(endpoint, rate.kind)
                refusals.append(Refusal(verdict.retry_after, (rate.kind,)))
        return refusals

    async def give_back(self, endpoint: str, rate: Rate) -> None:
        """Uncount a request taken against `rate` (it belonged to another key after all)."""
        hit = Hit(self.key(endpoint, rate), rate.limit)
        try:
            await self._active().give_back(hit, self.window)
        except Exception:  # a lost give-back only makes the limit stricter
            logger.warning("rate limit give-back failed for %s", hit.key, exc_info=True)

    async def close(self) -> None:
        await self.counter.close()
        if self.fallback is not None:
            await self.fallback.close()

    def _active(self) -> Counter:
        if self.fallback is not None and time.monotonic() < self._failing_until:
            return self.fallback
        return self.counter

    async def _count(self, hits: list[Hit]) -> list[Verdict]:
        counter = self._active()
        try:
            verdicts = await counter.take(hits, self.window)
        except Exception as error:  # counters unreachable: never a 500, never a stalled request
            if counter is self.counter and self.fallback is not None:
                logger.error("rate-limit counters unavailable (%s); using the store", error)
                self._failing_until = time.monotonic() + RETRY_PRIMARY_AFTER
                return await self._count(hits)
            logger.error("rate-limit counters unavailable (%s); not limiting", error)
            return [ALLOWED] * len(hits)
        return verdicts
