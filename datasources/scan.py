"""A range read through the registry: the record type's registered source, bounded by its timeout
and counted by its circuit breaker like any fetch (datasources.ranges says how each kind asks)."""

from __future__ import annotations

import asyncio
import logging
from datetime import date

from datasources.base import Fault, SourceError
from datasources.ranges import DateRange, RangeReading
from datasources.registry import Registry, Source

logger = logging.getLogger(__name__)


async def keys_in_range(
    registry: Registry, record_type: str, field: str, within: DateRange
) -> tuple[Source, dict[str, date]]:
    """The source serving `record_type`, and national code -> `field`'s date for its records
    whose date lies in `within`. Raises SourceError (no source, one that cannot answer a range,
    a failure, a timeout, or CircuitOpenError while its circuit is open)."""
    source = registry.source_for(record_type)
    if source is None:
        raise SourceError(record_type, "no source is registered", Fault.UNREACHABLE)
    adapter = source.adapter
    if not isinstance(adapter, RangeReading):
        lacks = f"a {source.kind} source cannot answer a range"
        raise SourceError(source.id, lacks, Fault.MISMATCH, hint=lacks)
    with registry.monitor(source).watch(1):
        source.calls += 1
        try:
            async with asyncio.timeout(source.timeout):
                return source, await adapter.keys_in_range(field, within)
        except TimeoutError:
            reason = f"did not answer a range within {source.timeout:g}s"
            raise SourceError(source.id, reason, Fault.TIMEOUT) from None
        except SourceError as error:
            logger.warning("%s", error)
            raise
