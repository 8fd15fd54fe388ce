"""Where access-log entries go: whatever records reads depends on this, not on a writer."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from audit.entry import AuditEntry


class AuditSink(Protocol):
    async def record(self, entries: Sequence[AuditEntry]) -> None:
        """Return once `entries` are durably recorded; raise if they could not be. An answer
        built on reads must not leave before this returns."""
        ...
