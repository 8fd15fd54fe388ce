"""Admitting a registration: from what an agency sends (or what the store holds) to a live adapter.

A new registration is validated (record type, kind, timeout, mapping, connection shape), held to
the connection policy and to the one-source-per-record-type rule, then probed. A stored one is held
to the policy again each time a worker loads it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Mapping as SpecMap
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from datasources.base import Adapter, Fault, RegistrationError, SourceError
from datasources.connections import KINDS, build_adapter, source_url, unknown_kind
from datasources.health import ProbeResult
from datasources.mapping import Mapping
from datasources.policy import SourcePolicy
from datasources.registration_store import check_agency, check_registration
from standard.records import RecordSpec
from store.models import DataSource
from store.secrets import SecretBox

MAX_TIMEOUT_SECONDS = 60.0


@dataclass(frozen=True, slots=True)
class Checked:
    """A registration that passed every check and its probe, ready to store and swap in."""

    adapter: Adapter
    mapping: Mapping
    timeout: float
    probe: ProbeResult
    replaces: list[str]  # the agency's sources it takes over from


class Admission:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        box: SecretBox,
        specs: SpecMap[str, RecordSpec],
        policy: SourcePolicy,
        default_timeout: float,
    ) -> None:
        self._sessions = sessions
        self._box = box
        self._specs = specs
        self._policy = policy
        self._default_timeout = default_timeout

    async def check(
        self,
        *,
        source_id: str,
        agency: str,
        record_type: str,
        kind: str,
        connection: dict[str, Any],
        mapping: dict[str, Any],
        timeout: float | None,  # noqa: ASYNC109 - the source's stored call timeout
        replaces: str | None,
    ) -> Checked:
        """Validate the registration, hold it to the connection policy and probe the source;
        the live adapter, ready to swap in, and the (successful) probe. Raises RegistrationError
        (PolicyRefusal, ReplacementRequired), MappingError or SourceError."""
        spec = self._specs.get(record_type)
        if spec is None:
            known = ", ".join(sorted(self._specs))
            raise RegistrationError(f"unknown record type {record_type!r} (known: {known})")
        if kind not in KINDS:
            raise unknown_kind(kind)
        if timeout is not None and not 0 < timeout <= MAX_TIMEOUT_SECONDS:
            raise RegistrationError(f"timeout must be between 0 and {MAX_TIMEOUT_SECONDS:g} s")
        parsed = Mapping.parse(mapping, spec, kind)
        url = source_url(kind, connection)
        async with self._sessions() as session:
            await check_agency(session, agency)
            # The policy before anything about other sources: whatever else is wrong, a
            # connection outside it is refused as such.
            reach = await self._policy.admit(agency, kind, url, parsed.table)
            replaced = await check_registration(session, source_id, agency, record_type, replaces)
        adapter = build_adapter(kind, connection, parsed, reach, name=source_id)
        limit = timeout or self._default_timeout
        started = time.perf_counter()
        try:
            async with asyncio.timeout(limit):
                await adapter.probe()
        except TimeoutError:
            await adapter.close()
            reason = f"probe did not answer within {limit:g}s"
            raise SourceError(source_id, reason, Fault.TIMEOUT, hint=f"limit {limit:g}s") from None
        except BaseException:
            await adapter.close()
            raise
        probed = ProbeResult(source_id, True, None, ms_since(started), datetime.now(UTC))
        return Checked(adapter, parsed, limit, probed, replaced)

    async def stored(self, row: DataSource) -> tuple[Adapter, float]:
        """The adapter of a stored registration, and its call timeout; PolicyRefusal if it
        breaks the connection policy (stored before the policy, or under an allow-list since
        narrowed)."""
        spec = self._specs.get(row.record_type)
        if spec is None:
            raise RegistrationError(f"unknown record type {row.record_type!r}")
        connection = json.loads(self._box.open(row.connection_sealed))
        mapping = Mapping.parse(row.mapping, spec, row.kind)
        # Names are not resolved here (every load, every few seconds): the check before each
        # new connection does that.
        reach = await self._policy.admit(
            row.agency_code,
            row.kind,
            source_url(row.kind, connection),
            mapping.table,
            resolve=False,
        )
        adapter = build_adapter(row.kind, connection, mapping, reach, name=row.id)
        return adapter, row.timeout_seconds or self._default_timeout


def ms_since(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
