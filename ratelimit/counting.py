"""What a counter is asked and answers: hits on keys, each allowed or refused for a while."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Hit:
    """One request counted against one key, which allows `limit` requests per window."""

    key: str
    limit: int


@dataclass(frozen=True, slots=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # whole seconds until the key's window ends, when refused


ALLOWED = Verdict(True)


class Counter(Protocol):
    """Fixed-window counting shared by every worker (Redis, or the gateway store)."""

    async def take(self, hits: Sequence[Hit], window: int) -> list[Verdict]:
        """Count one request against each key; a verdict per hit, in order."""
        ...

    async def give_back(self, hit: Hit, window: int) -> None:
        """Undo one counted request (it turned out to belong to another key)."""
        ...

    async def close(self) -> None: ...
