"""Per-request DataLoaders: one per (source, record type), so a level of the query costs one call
per source however many citizens it names."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

from aiodataloader import DataLoader

from datasources.base import Fault, MappedRecord, RecordError, RecordOrError, SourceError
from datasources.registry import Registry, Source
from standard.errors import DarvazehError, ErrorCode
from standard.records import MAX_SOURCE_BATCH


@dataclass(frozen=True, slots=True)
class Fetched:
    """One citizen's answer from one source: the record, or None for no record."""

    source: Source
    record: MappedRecord | None
    retrieved_at: datetime


class NoSource(DarvazehError):
    """Nothing serves the record type here; the message is fit for any client."""

    code = ErrorCode.SOURCE_UNAVAILABLE

    def __init__(self, record_type: str, refused: str | None = None) -> None:
        if refused is not None:  # stored, but outside the connection policy
            super().__init__(f"data source {refused!r} {Fault.REFUSED.value}")
        else:
            super().__init__(f"no data source is registered for {record_type} records")


class SourceLoaders:
    def __init__(self, registry: Registry) -> None:
        self._registry = registry
        self._loaders: dict[tuple[str, str], DataLoader[str, Fetched]] = {}

    def _loader(self, record_type: str) -> DataLoader[str, Fetched]:
        source = self._registry.source_for(record_type)
        if source is None:
            raise NoSource(record_type, self._registry.refused_for(record_type))
        key = (source.id, record_type)
        loader = self._loaders.get(key)
        if loader is None:
            loader = self._loaders[key] = DataLoader(
                self._batch_for(source), max_batch_size=MAX_SOURCE_BATCH
            )
        return loader

    async def load(self, record_type: str, national_id: str) -> Fetched:
        return await self._loader(record_type).load(national_id)

    async def load_many(
        self, record_type: str, national_ids: list[str]
    ) -> list[Fetched | Exception]:
        """Each id's answer or its own error; one batch, and no task per id."""
        try:
            loader = self._loader(record_type)
        except NoSource as error:
            return [error] * len(national_ids)
        futures = [loader.load(national_id) for national_id in national_ids]
        await asyncio.wait(futures)
        answers: list[Fetched | Exception] = []
        for future in futures:
            failure = future.exception()
            answers.append(failure if isinstance(failure, Exception) else future.result())
        return answers

    def _batch_for(
        self, source: Source
    ) -> Callable[[list[str]], Coroutine[Any, Any, list[Fetched]]]:
        registry = self._registry

        async def batch(national_ids: list[str]) -> list[Fetched]:
            retrieved_at = datetime.now(UTC)
            try:
                found = await registry.fetch(source, national_ids)
            except SourceError as error:
                answers: list[Fetched | Exception] = [error] * len(national_ids)
            else:
                answers = [_answer(source, found.get(nid), retrieved_at) for nid in national_ids]
            # aiodataloader rejects the key whose answer is an exception.
            return cast(list[Fetched], answers)

        return batch


def _answer(
    source: Source, found: RecordOrError | None, retrieved_at: datetime
) -> Fetched | Exception:
    if isinstance(found, RecordError):
        return SourceError(
            source.id,
            f"this citizen's record does not fit the mapping: {found}",
            Fault.RECORD,
            hint=f"field {found.field!r}",
        )
    return Fetched(source, found, retrieved_at)
