"""How many WebSocket connections this worker holds open, in all and per client address.

Each open subscription polls the store, so connections are work even when idle: a worker keeps at
most `total` open and at most `per_address` from one address (an IPv6 /64 counts as one, as in
every per-address count, ratelimit/addresses.py). A connection over either bound is closed before
it is accepted (the client sees HTTP 403 on the upgrade) and is counted as RATE_LIMITED.
"""

from __future__ import annotations

from collections import Counter

from ratelimit.addresses import address_key


class WebSocketSlots:
    def __init__(self, *, total: int, per_address: int) -> None:
        self.total = total
        self.per_address = per_address
        self._open: Counter[str] = Counter()
        self._count = 0

    def take(self, address: str | None) -> str | None:
        """The slot's key when the connection may open, None when it is over a bound."""
        key = address_key(address or "unknown")
        if self._count >= self.total or self._open[key] >= self.per_address:
            return None
        self._open[key] += 1
        self._count += 1
        return key

    def give_back(self, key: str) -> None:
        self._open[key] -= 1
        if self._open[key] <= 0:
            del self._open[key]
        self._count -= 1

    @property
    def open(self) -> int:
        return self._count
