"""What one request read or was refused, and the access-log entries of it.

The request's resolvers note each dataset they decide on (`Trail.note`) — before the source is
called, so the commit can overlap the call — and, when a granted read's agency then fails, that
failure. `Trail.take` turns what was noted into one entry per subject, source agency, outcome and
reason — e.g. "civil registry: identity, birth, address of X, granted" — for an `AuditSink`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from audit.entry import ActorKind, AuditEntry
from standard.datasets import Dataset
from standard.statuses import AccessOutcome, LegalBasis

_ORDER = {dataset.value: index for index, dataset in enumerate(Dataset)}  # the standard's order
# (subject, source agency, outcome, reason): one audit entry each.
_Key = tuple[str, str | None, AccessOutcome, str | None]


@dataclass(slots=True)  # not frozen: made on every request that reads, and frozen costs 2x
class Reader:
    """Who reads and under what, as the log records it: the facts of the request's principal."""

    client_id: str
    client_agency: str
    actor_kind: ActorKind
    actor: str  # the citizen's national code, or the client id
    legal_basis: LegalBasis
    purpose: str | None = None  # the service card id
    consent_id: str | None = None
    statute: str | None = None
    case_reference: str | None = None
    token_id: str | None = None


@dataclass(slots=True)
class _Reads:
    datasets: list[str] = field(default_factory=list)
    fields: set[str] = field(default_factory=set)


class Trail:
    """One request's reads, noted as they are decided, taken as entries in batches."""

    __slots__ = ("_reads", "request_id")

    def __init__(self, request_id: str) -> None:
        self.request_id = request_id
        self._reads: dict[_Key, _Reads] = {}

    def __bool__(self) -> bool:
        """Whether anything was noted since the last `take`."""
        return bool(self._reads)

    def note(
        self,
        subject: str,
        source_agency: str | None,
        dataset: Dataset,
        outcome: AccessOutcome,
        reason: str | None,
        fields: Iterable[str],
    ) -> None:
        """One dataset of `subject` asked for (`fields`: standard names, e.g. `identity.firstName`)
        and what came of it; `reason` is the denial's or the source failure's."""
        reads = self._reads.get((subject, source_agency, outcome, reason))
        if reads is None:
            reads = self._reads[(subject, source_agency, outcome, reason)] = _Reads()
        if dataset.value not in reads.datasets:
            reads.datasets.append(dataset.value)
        reads.fields.update(fields)

    def take(self, reader: Reader, now: datetime | None = None) -> list[AuditEntry]:
        """The entries of what `reader` read since the last take, which is then forgotten."""
        if not self._reads:
            return []
        reads, self._reads = self._reads, {}
        occurred_at = now or datetime.now(UTC)
        return [
            AuditEntry(
                occurred_at=occurred_at,
                request_id=self.request_id,
                client_id=reader.client_id,
                client_agency=reader.client_agency,
                actor_kind=reader.actor_kind,
                actor=reader.actor,
                subject=subject,
                datasets=tuple(sorted(noted.datasets, key=_ORDER.__getitem__)),
                fields=tuple(sorted(noted.fields)),
                purpose=reader.purpose,
                legal_basis=reader.legal_basis,
                consent_id=reader.consent_id,
                statute=reader.statute,
                case_reference=reader.case_reference,
                outcome=outcome,
                reason=reason,
                source_agency=agency,
                token_id=reader.token_id,
            )
            for (subject, agency, outcome, reason), noted in reads.items()
        ]
