"""The live registry of agency data sources: one adapter per record type, swapped without restart.

The store is the truth: `load` (re)builds adapters from enabled DataSource rows, so another worker
picks up a registration by calling it again; `register` admits (datasources.admission: validates,
holds to the connection policy, probes), stores and swaps.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Mapping as SpecMap
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from datasources.addresses import PolicyRefusal
from datasources.admission import Admission, ms_since
from datasources.base import (
    Adapter,
    Fault,
    MappingError,
    RecordOrError,
    RegistrationError,
    SourceError,
)
from datasources.connections import display_connection
from datasources.health import (
    HealthPolicy,
    ProbeResult,
    SourceMonitor,
    SourceMonitors,
    probe_through,
)
from datasources.health_days import add, from_probes, from_reports, note_records
from datasources.health_store import SharedHealth, flush
from datasources.policy import SourcePolicy
from datasources.probe_store import last_probes, record_probes
from datasources.registration_store import (
    SYSTEM_ACTOR,
    StoredRegistration,
    unchanged,
    write_disabled,
    write_registration,
)
from standard.national_time import national_day
from standard.records import RecordSpec
from store.db import transaction
from store.models import DataSource
from store.registrations import Action
from store.secrets import SecretBox

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class Source:
    id: str
    agency: str
    record_type: str
    kind: str
    adapter: Adapter
    timeout: float
    calls: int = 0  # fetch calls made: tests and the benchmark count them


class Registry:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        box: SecretBox,
        specs: SpecMap[str, RecordSpec],
        *,
        policy: SourcePolicy,
        default_timeout: float = 3.0,
        health: HealthPolicy | None = None,
    ) -> None:
        self._sessions = sessions
        self._box = box
        # The standard records this registry serves, by record type (as the schema declares them).
        self.specs: SpecMap[str, RecordSpec] = specs
        self._admission = Admission(sessions, box, specs, policy, default_timeout)
        # Enabled stored sources this worker does not serve because they break the connection
        # policy: source id -> (record type, the rule broken).
        self._refused: dict[str, tuple[str, str]] = {}
        self._default_timeout = default_timeout
        self._by_type: dict[str, Source] = {}
        self._versions: dict[str, datetime] = {}  # source id -> updated_at of the row it runs
        self._lock = asyncio.Lock()
        self._retiring: set[asyncio.Task[None]] = set()
        # Each source's breaker and recent calls in this worker, flushed under this id.
        health = health or HealthPolicy()
        self._monitors = SourceMonitors(health)
        # What every worker's flushes add up to, read with this deployment's flush interval.
        self.shared_health = SharedHealth(sessions, health.flush_interval)
        self.worker_id = uuid.uuid4().hex

    # -- reading ------------------------------------------------------------------------------

    def source_for(self, record_type: str) -> Source | None:
        return self._by_type.get(record_type)

    def sources(self) -> list[Source]:
        return list(self._by_type.values())

    def refusal(self, source_id: str) -> str | None:
        """Why an enabled stored source is not served (the policy rule it breaks), or None."""
        refused = self._refused.get(source_id)
        return refused[1] if refused else None

    def refused_for(self, record_type: str) -> str | None:
        """The id of the stored source of `record_type` the policy keeps from being served."""
        return next((i for i, (t, _) in self._refused.items() if t == record_type), None)

    async def fetch(self, source: Source, ids: Sequence[str]) -> dict[str, RecordOrError]:
        """One call to the source, bounded by its timeout; only ids that have a record.

        Raises SourceError, or its CircuitOpenError without calling while the circuit is open.
        """
        if not ids:
            return {}
        with self.monitor(source).watch(len(ids)):
            source.calls += 1
            try:
                async with asyncio.timeout(source.timeout):
                    found = await source.adapter.fetch(ids)
                note_records(self.monitor(source).stats, found)
                return found
            except TimeoutError:
                reason = f"did not answer within {source.timeout:g}s"
                limit = f"limit {source.timeout:g}s"
                raise SourceError(source.id, reason, Fault.TIMEOUT, hint=limit) from None
            except SourceError as error:
                # Once per call, with every detail: clients are told only the kind of fault.
                logger.warning("%s", error)
                raise

    # -- loading and registering ----------------------------------------------------------------

    async def load(self) -> None:
        """Bring the live sources in line with the enabled DataSource rows (idempotent).

        Rows that changed since the last load are rebuilt; a row that cannot be built is logged
        and skipped rather than stopping the gateway.
        """
        # Read under the lock: rows read before a concurrent register() committed would put
        # the replaced source back until the next load.
        async with self._lock:
            async with self._sessions() as session:
                query = select(DataSource).where(DataSource.enabled)
                rows = (await session.scalars(query)).all()
            wanted: dict[str, Source] = {}
            refused: dict[str, tuple[str, str]] = {}
            for row in rows:
                current = self._by_type.get(row.record_type)
                if (
                    current is not None
                    and current.id == row.id
                    and self._versions.get(row.id) == row.updated_at
                ):
                    wanted[row.record_type] = current
                    continue
                if row.record_type in wanted:
                    logger.error("record type %s has more than one enabled source", row.record_type)
                    continue
                try:
                    wanted[row.record_type] = await self._from_row(row)
                except PolicyRefusal as refusal:
                    refused[row.id] = (row.record_type, str(refusal))
                    if self._refused.get(row.id) != refused[row.id]:
                        logger.error("data source %s is not served: %s", row.id, refusal)
                    continue
                except (MappingError, RegistrationError, SourceError, ValueError) as exc:
                    logger.error("data source %s cannot be loaded: %s", row.id, exc)
                    continue
                self._versions[row.id] = row.updated_at
            old = self._by_type
            self._by_type = wanted
            self._refused = refused
            kept = {id(source) for source in wanted.values()}
            for source in old.values():
                if id(source) not in kept:
                    self._retire(source)

    async def _from_row(self, row: DataSource) -> Source:
        """The live source of a stored row; PolicyRefusal if it breaks the connection policy."""
        adapter, timeout = await self._admission.stored(row)
        return Source(row.id, row.agency_code, row.record_type, row.kind, adapter, timeout)

    async def register(
        self,
        *,
        source_id: str,
        agency: str,
        record_type: str,
        kind: str,
        connection: dict[str, Any],
        mapping: dict[str, Any],
        timeout: float | None = None,  # noqa: ASYNC109 - the source's stored call timeout
        replaces: str | None = None,
        actor: str = SYSTEM_ACTOR,
        action: Action | None = None,
    ) -> Source:
        """Validate, probe, store (a new version) and swap in a source; on any failure nothing
        changes. Raises RegistrationError (ReplacementRequired when another of the agency's
        sources serves the record type and `replaces` does not name it; PolicyRefusal when the
        connection breaks the policy), MappingError (every problem named) or SourceError.
        """
        checked = await self._admission.check(
            source_id=source_id,
            agency=agency,
            record_type=record_type,
            kind=kind,
            connection=connection,
            mapping=mapping,
            timeout=timeout,
            replaces=replaces,
        )
        source = Source(source_id, agency, record_type, kind, checked.adapter, checked.timeout)
        # Store and swap under one lock, so concurrent registrations end in the same order
        # in memory as in the store.
        async with self._lock:
            try:
                updated_at = await self._store(
                    source,
                    connection,
                    checked.mapping.raw,
                    timeout,
                    actor=actor,
                    action=action,
                    replaces=replaces,
                )
            except BaseException:
                await checked.adapter.close()
                raise
            self._drop(source_id)
            previous = self._by_type.get(record_type)
            if previous is not None:
                self._retire(previous)
            self._by_type[record_type] = source
            self._versions[source_id] = updated_at
            self._refused.pop(source_id, None)
        await record_probes(self._sessions, {source_id: checked.probe})  # HEALTHY, not UNKNOWN
        return source

    async def test(
        self,
        *,
        source_id: str,
        agency: str,
        record_type: str,
        kind: str,
        connection: dict[str, Any],
        mapping: dict[str, Any],
        timeout: float | None = None,  # noqa: ASYNC109 - the source's stored call timeout
        replaces: str | None = None,
    ) -> tuple[int, list[str]]:
        """Everything `register` checks, storing nothing: the probe's latency in ms, and the
        sources registering it would replace."""
        checked = await self._admission.check(
            source_id=source_id,
            agency=agency,
            record_type=record_type,
            kind=kind,
            connection=connection,
            mapping=mapping,
            timeout=timeout,
            replaces=replaces,
        )
        await checked.adapter.close()
        return checked.probe.latency_ms, checked.replaces

    async def disable(self, source_id: str, *, agency: str, actor: str) -> DataSource:
        """Stop serving a source, here at once and on other workers at their next load."""
        async with self._lock:
            async with transaction(self._sessions) as session:
                row = await write_disabled(session, source_id, agency=agency, actor=actor)
            self._drop(source_id)
            self._versions.pop(source_id, None)
        return row

    def open_connection(self, sealed: str) -> dict[str, Any]:
        """A stored registration's connection, unsealed: only to re-register it."""
        return dict(json.loads(self._box.open(sealed)))

    async def _store(
        self,
        source: Source,
        connection: dict[str, Any],
        mapping: dict[str, Any],
        timeout_seconds: float | None,
        *,
        actor: str,
        action: Action | None,
        replaces: str | None,
    ) -> datetime:
        stored = StoredRegistration(
            source_id=source.id,
            agency=source.agency,
            record_type=source.record_type,
            kind=source.kind,
            connection_sealed=self._box.seal(json.dumps(connection)),
            connection_display=display_connection(source.kind, connection),
            mapping=mapping,
            timeout_seconds=timeout_seconds,
        )
        async with transaction(self._sessions) as session:
            current = await session.get(DataSource, source.id)
            if current is not None and unchanged(
                current, stored, connection, self.open_connection(current.connection_sealed)
            ):
                return current.updated_at  # registering it again as it is is no new version
            return await write_registration(
                session, stored, actor=actor, action=action, replaces=replaces
            )

    def _drop(self, source_id: str) -> None:
        """Stop serving `source_id` here (under the lock), whatever record type it served."""
        for source in [s for s in self._by_type.values() if s.id == source_id]:
            del self._by_type[source.record_type]
            self._retire(source)

    def _retire(self, source: Source) -> None:
        """Close a replaced adapter once calls already in flight on it have had their time."""

        async def later() -> None:
            try:
                await asyncio.sleep(source.timeout)
            finally:  # closing the registry cancels the wait, never the close
                await source.adapter.close()

        task = asyncio.get_running_loop().create_task(later())
        self._retiring.add(task)
        task.add_done_callback(self._retiring.discard)

    # -- health ---------------------------------------------------------------------------------

    def monitor(self, source: Source) -> SourceMonitor:
        return self._monitors.of(source, source.id, source.record_type, source.kind)

    async def flush_health(self) -> None:
        """Write this worker's view of each live source to the store, for every worker, and add
        its calls since the last flush to the sources' day (datasources.health_days)."""
        monitors = [self.monitor(source) for source in self.sources()]
        reports = [(monitor.report(), monitor.stats) for monitor in monitors]
        await flush(self._sessions, self.worker_id, [report for report, _ in reports])
        await add(self._sessions, from_reports(reports), national_day())

    async def probe_all(self) -> dict[str, ProbeResult]:
        """Probe every source concurrently and record each outcome for /readyz.

        A source whose circuit is open and cooling down is left alone (and keeps its last
        probe); past the cool-down the probe is the circuit's trial call. A stored source the
        connection policy keeps from being served is not called: its probe fails, saying why.
        """
        sources = self.sources()
        results = await asyncio.gather(
            *(probe_through(self.monitor(s).breaker, self._probe(s)) for s in sources)
        )
        found = {result.source_id: result for result in results if result is not None}
        now = datetime.now(UTC)
        for source_id, (_, rule) in self._refused.items():
            found[source_id] = ProbeResult(source_id, False, f"not served: {rule}", 0, now)
        if found:
            await record_probes(self._sessions, found)
            await add(self._sessions, from_probes(found), national_day())
        return found

    async def _probe(self, source: Source) -> ProbeResult:
        started = time.perf_counter()
        error: str | None = None
        try:
            async with asyncio.timeout(source.timeout):
                await source.adapter.probe()
        except TimeoutError:
            error = f"data source {source.id!r}: did not answer within {source.timeout:g}s"
        except SourceError as exc:
            error = str(exc)
        except Exception as exc:  # a health check reports every failure rather than crash
            logger.exception("probe of data source %s failed unexpectedly", source.id)
            error = f"data source {source.id!r}: {type(exc).__name__}"
        return ProbeResult(source.id, error is None, error, ms_since(started), datetime.now(UTC))

    async def last_probes(self) -> dict[str, ProbeResult]:
        return await last_probes(self._sessions)

    async def close(self) -> None:
        async with self._lock:
            sources, self._by_type = list(self._by_type.values()), {}
        for task in list(self._retiring):
            task.cancel()
        retiring = list(self._retiring)
        await asyncio.gather(*retiring, return_exceptions=True)
        await asyncio.gather(
            *(source.adapter.close() for source in sources), return_exceptions=True
        )
