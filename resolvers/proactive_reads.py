"""The proactive engine's reads and death effects (services.proactive.ports), made like any
other read: each case's reads have a principal of their own — the engine's client
(`darvazeh-proactive`, basis SYSTEM), the card as purpose, the card's statute, its datasets as
scopes and `<card id>:<event id>` as case reference — pass the one access decision, load through
DataLoaders, and leave their access-log records, committed before the engine may act on them.

The DataLoaders are shared by every case of a batch, so a batch of events costs one call per
source however many events and cards it holds (and a citizen read for two cards is fetched once,
though logged for each case that needed it).

Besides the card's datasets, each case reads the event's own record: the birth record (date,
parents) for birth and age events — who the case is for: a minor's parents — under the statute
of guardianship checks, and the death record for a death, under the death check's statute.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.sink import AuditSink
from auth.accounts.ended import EndReason
from auth.consent.national_time import AGE_OF_MAJORITY, add_years, national_date
from auth.core.principal import Basis, Principal
from auth.end_citizen import end_citizen
from datasources.registry import Registry
from resolvers.context import RequestContext
from resolvers.loaders import SourceLoaders
from resolvers.records import Record, load_record
from resolvers.system_reads import SYSTEM_AGENCY
from services.proactive.ports import (
    DECEASED,
    CaseFacts,
    ReadFailure,
    ReadOutcome,
    ReadRequest,
    RecordRead,
)
from settings import MAX_CASE_REFERENCE_LENGTH
from standard.datasets import RecordType
from standard.life_events import LifeEvent, life_event
from standard.records import RecordSpec, RecordStatus

ENGINE_CLIENT = "darvazeh-proactive"
_FIELDS = {
    RecordType.BIRTH: frozenset({"date", "fatherNationalId", "motherNationalId"}),
    RecordType.DEATH: frozenset({"date"}),
}


def engine_principal(request: ReadRequest, statute: str, datasets: frozenset[str]) -> Principal:
    """The engine reading `datasets` for the case of `request`, under `statute`."""
    return Principal(
        client_id=ENGINE_CLIENT,
        agency=SYSTEM_AGENCY,
        basis=Basis.SYSTEM,
        scopes=datasets,
        token_id=f"proactive:{request.event.id}",
        service_card=request.card.id,
        statute=statute,
        case_reference=request.case_reference[:MAX_CASE_REFERENCE_LENGTH],
    )


def evidence_type(kind: str) -> RecordType | None:
    """The record an event stands on: a birth or death record; an age event's birth record."""
    event = life_event(kind)
    if event is None:
        return None
    if event.evidence is not None:
        return event.evidence
    return RecordType.BIRTH if event.age is not None else None


@dataclass
class _Plan:
    """One request's reads: the card's (spec, fields) and the evidence's, each in its context."""

    card: RequestContext
    records: list[tuple[RecordSpec, frozenset[str]]]
    evidence: RequestContext | None
    evidence_spec: RecordSpec | None
    # An age event's subject's death record, when a source serves death records: no offer is
    # made for someone who died after the birth the scan found.
    death: RequestContext | None = None
    death_spec: RecordSpec | None = None

    def contexts(self) -> list[RequestContext]:
        return [c for c in (self.card, self.evidence, self.death) if c is not None]


class ProactiveReads:
    """services.proactive.ports.CaseReads over the registered sources."""

    def __init__(
        self,
        registry: Registry,
        sessions: async_sessionmaker[AsyncSession],
        audit_sink: AuditSink | None,
        *,
        guardianship_statute: str,
        death_statute: str,
    ) -> None:
        self._registry = registry
        self._sessions = sessions
        self._audit_sink = audit_sink  # None only with the access log off (benchmarks)
        self._statutes = {RecordType.BIRTH: guardianship_statute, RecordType.DEATH: death_statute}

    def _context(self, principal: Principal, loaders: SourceLoaders) -> RequestContext:
        context = RequestContext(
            registry=self._registry,
            principal=principal,
            sessions=self._sessions,
            audit_sink=self._audit_sink,
            request_id=uuid.uuid4().hex,
        )
        context.loaders = loaders  # the batch's: one call per source for every case
        return context

    def _card_reads(self, datasets: Sequence[str]) -> list[tuple[RecordSpec, frozenset[str]]]:
        """Each standard record with fields in the card's datasets, and those fields (datasets
        only planned have no record yet and are not read)."""
        wanted = set(datasets)
        reads = []
        for spec in self._registry.specs.values():
            fields = frozenset(
                f.name for f in spec.fields if spec.field_datasets[f.name].value in wanted
            )
            if fields:
                reads.append((spec, fields))
        return reads

    def _plan(self, request: ReadRequest, loaders: SourceLoaders) -> _Plan:
        reads = self._card_reads(request.card.datasets)
        scopes = frozenset(spec.field_datasets[f].value for spec, fs in reads for f in fs)
        card = self._context(engine_principal(request, request.card.statute, scopes), loaders)
        kind = evidence_type(request.event.kind)
        if kind is None:
            return _Plan(card, reads, None, None)
        evidence, spec = self._check(request, kind, loaders)
        event = life_event(request.event.kind)
        if (
            event is None
            or event.age is None
            or self._registry.source_for(RecordType.DEATH) is None
        ):
            return _Plan(card, reads, evidence, spec)
        death, death_spec = self._check(request, RecordType.DEATH, loaders)
        return _Plan(card, reads, evidence, spec, death, death_spec)

    def _check(
        self, request: ReadRequest, kind: RecordType, loaders: SourceLoaders
    ) -> tuple[RequestContext, RecordSpec]:
        """A read of the subject's `kind` record, under that record's statute."""
        spec = self._registry.specs[kind]
        datasets = frozenset(spec.field_datasets[f].value for f in _FIELDS[kind])
        principal = engine_principal(request, self._statutes[kind], datasets)
        return self._context(principal, loaders), spec

    async def read(self, requests: Sequence[ReadRequest]) -> list[ReadOutcome]:
        loaders = SourceLoaders(self._registry)
        plans = [self._plan(request, loaders) for request in requests]
        # Every load of the batch is started before any is awaited: the DataLoaders gather them
        # into one call per source.
        loads: list[Awaitable[Record]] = []
        for request, plan in zip(requests, plans, strict=True):
            subject = request.event.national_id
            loads += [load_record(plan.card, subject, spec, f) for spec, f in plan.records]
            for context, spec in (
                (plan.evidence, plan.evidence_spec),
                (plan.death, plan.death_spec),
            ):
                if context is not None and spec is not None:
                    fields = _FIELDS[RecordType(spec.record_type)]
                    loads.append(load_record(context, subject, spec, fields))
        answers = iter(await asyncio.gather(*loads, return_exceptions=True))
        contexts = [c for plan in plans for c in plan.contexts()]
        settled = iter(await asyncio.gather(*(c.settle_audit() for c in contexts)))
        outcomes: list[ReadOutcome] = []
        for request, plan in zip(requests, plans, strict=True):
            records = [next(answers) for _ in plan.records]
            evidence = next(answers) if plan.evidence is not None else None
            death = next(answers) if plan.death is not None else None
            unrecorded = [next(settled) for _ in plan.contexts()]
            outcomes.append(self._facts(request, plan, records, evidence, death, unrecorded))
        return outcomes

    @staticmethod
    def _facts(
        request: ReadRequest,
        plan: _Plan,
        records: list[Record | BaseException],
        evidence: Record | BaseException | None,
        death: Record | BaseException | None,
        unrecorded: list[BaseException | None],
    ) -> ReadOutcome:
        failure = next((u for u in unrecorded if u is not None), None)
        if failure is not None:  # act on no unrecorded read
            return ReadFailure(f"the access log could not be written: {failure}")
        for answer in [*records, evidence, death]:
            if isinstance(answer, BaseException):
                return ReadFailure(str(answer))
        if isinstance(death, Record) and death.provenance.status is RecordStatus.AVAILABLE:
            return DECEASED
        read = [
            _read(answer, fields, spec.record_type)
            for answer, (spec, fields) in zip(records, plan.records, strict=True)
            if isinstance(answer, Record)
        ]
        if not isinstance(evidence, Record) or plan.evidence_spec is None:
            return CaseFacts(tuple(read), None, None, ())
        kind = RecordType(plan.evidence_spec.record_type)
        found = _read(evidence, _FIELDS[kind], plan.evidence_spec.record_type)
        if kind is not RecordType.BIRTH:
            return CaseFacts(tuple(read), found, None, ())
        born = evidence.values.get("date")
        born = born if isinstance(born, date) else None
        parents: tuple[str, ...] = ()
        if _minor(request, born):
            named = (
                evidence.values.get("fatherNationalId"),
                evidence.values.get("motherNationalId"),
            )
            parents = tuple(p for p in named if isinstance(p, str) and p)
        return CaseFacts(tuple(read), found, born, parents)


def _minor(request: ReadRequest, born: date | None) -> bool:
    """Whether the subject is under age on the event's day (national time); without a date of
    birth, what the event says (a birth; an age reached)."""
    if born is not None:
        return national_date(request.event.occurred_at) < add_years(born, AGE_OF_MAJORITY)
    event = life_event(request.event.kind)
    if event is LifeEvent.BIRTH_REGISTERED:
        return True
    return event is not None and event.age is not None and event.age < AGE_OF_MAJORITY


def _read(record: Record, fields: frozenset[str], record_type: str) -> RecordRead:
    """`record` as the case keeps it: only the fields read (the source answers whole records)."""
    provenance = record.provenance
    return RecordRead(
        record_type=record_type,
        subject=record.subject,
        values={name: value for name, value in record.values.items() if name in fields},
        agency=provenance.agency,
        datasource=provenance.datasource,
        retrieved_at=provenance.retrieved_at,
        last_updated=provenance.last_updated,
        available=provenance.status is RecordStatus.AVAILABLE,
    )


class EndDeceased:
    """services.proactive.ports.DeathEffects: a registered death ends the citizen's logins,
    sessions, trusted browsers and consents (auth.end_citizen)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def deceased(self, national_id: str) -> None:
        await end_citizen(self._sessions, national_id, EndReason.DECEASED)
