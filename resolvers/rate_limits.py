"""The per-citizen limit as a query resolves: each citizen a request reads about is counted once,
and the citizens one level of the query names are counted together (one round trip)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from aiodataloader import DataLoader

from ratelimit import Refusal

CountSubjects = Callable[[list[str]], Awaitable[list[Refusal | None]]]


class SubjectGate:
    """Per request: a DataLoader over the subjects, so each is counted at most once."""

    def __init__(self, count: CountSubjects) -> None:
        self._count = count
        self._loader: DataLoader[str, Refusal | None] = DataLoader(self._batch, max_batch_size=1000)

    async def _batch(self, subjects: list[str]) -> list[Refusal | None]:
        return await self._count(list(subjects))

    async def refusals(self, subjects: Sequence[str]) -> dict[str, Refusal]:
        """The subjects over their limit, with their refusal."""
        found = await self._loader.load_many(list(subjects))
        return {
            subject: refusal
            for subject, refusal in zip(subjects, found, strict=True)
            if refusal is not None
        }
