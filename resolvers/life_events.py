"""Life events in, as the resolvers see them: who may report, and the reads a report and the age
scan need, each made as the gateway's own audited system read (resolvers.system_reads).

- `report_as` is the one path of a report, for GraphQL (`report_life_event`) and NATS
  (web/nats_events.py): a client credentials token whose card lists `life_events.report`, then
  services.proactive.intake. A death it takes ends the citizen's own access before it answers.
- `RegistryEvidence` asks whether the owner's registered source holds the record proving an event
  (services.proactive.intake.EvidenceCheck).
- `RegistryBirthdays` asks the civil registry's birth source for those born within a range, and
  records one access-log entry per citizen found before anything is done with the answer
  (services.proactive.age_scan.BirthdayReads).
"""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.sink import AuditSink
from auth.accounts.ended import EndReason
from auth.core.principal import Basis, Principal
from auth.core.system_checks import CitizenCheck
from auth.end_citizen import end_citizen
from datasources.base import SourceError
from datasources.ranges import DateRange
from datasources.registry import Registry
from datasources.scan import keys_in_range
from resolvers.audit_notes import log_read
from resolvers.context import RequestContext
from resolvers.system_reads import SystemReader, SystemReadFailed, system_principal
from services.proactive.intake import EvidenceCheck, LifeEventReport, Reported, report
from standard.datasets import Dataset, RecordType
from standard.errors import DarvazehError, ErrorCode
from standard.life_events import REPORT_SCOPE, LifeEvent
from standard.records import RecordStatus
from standard.statuses import EventChannel

_BIRTH_DATE = frozenset({"date"})


def require_reporter(principal: Principal | None) -> Principal:
    """The reporting agency's client; UNAUTHENTICATED without a token, FORBIDDEN for any token
    that is not a client credentials token whose card lists life_events.report."""
    if principal is None:
        raise DarvazehError("a valid access token is required", code=ErrorCode.UNAUTHENTICATED)
    if principal.basis is not Basis.STATUTE or REPORT_SCOPE not in principal.scopes:
        raise DarvazehError(
            f"only an agency's client with scope {REPORT_SCOPE} reports life events",
            code=ErrorCode.FORBIDDEN,
        )
    return principal


async def report_as(
    principal: Principal | None,
    sent: LifeEventReport,
    *,
    sessions: async_sessionmaker[AsyncSession],
    registry: Registry,
    evidence: EvidenceCheck,
    channel: EventChannel,
) -> Reported:
    """A report from `principal`'s agency, checked and in the outbox when this returns."""
    reporter = require_reporter(principal)
    reported = await report(
        sessions,
        registry,
        evidence,
        sent,
        agency=reporter.agency,
        reported_by=reporter.client_id,
        channel=channel,
    )
    if reported.kind is LifeEvent.DEATH_REGISTERED:
        # The registry's record was read above: end the citizen's sessions, consents and
        # tokens now, not when the engine (perhaps another process, perhaps behind) reaches
        # the event; its own call later changes nothing (end_citizen is idempotent).
        await end_citizen(sessions, reported.national_id, EndReason.DECEASED)
    return reported


async def report_life_event(context: RequestContext, sent: LifeEventReport) -> Reported:
    """Mutation.reportLifeEvent."""
    principal = context.require_principal()
    if context.life_event_evidence is None:
        raise DarvazehError("life events are not taken here", code=ErrorCode.SOURCE_UNAVAILABLE)
    return await report_as(
        principal,
        sent,
        sessions=context.sessions,
        registry=context.registry,
        evidence=context.life_event_evidence,
        channel=EventChannel.GRAPHQL,
    )


class RegistryEvidence:
    """Whether the registered source of an event's evidence record holds it for the citizen."""

    def __init__(
        self,
        registry: Registry,
        sessions: async_sessionmaker[AsyncSession],
        audit_sink: AuditSink | None,
        *,
        statute: str,
    ) -> None:
        datasets = {
            RecordType.BIRTH: frozenset({Dataset.CIVIL_BIRTH.value, Dataset.CIVIL_FAMILY.value}),
            RecordType.DEATH: frozenset({Dataset.CIVIL_IDENTITY.value}),
        }
        self._readers = {
            record_type: SystemReader(
                registry, sessions, audit_sink, statute=statute, datasets=scopes
            )
            for record_type, scopes in datasets.items()
        }

    async def held(self, record_type: RecordType, national_id: str, event_id: str) -> bool:
        reader = self._readers.get(record_type)
        if reader is None:
            raise SystemReadFailed(f"no evidence read for {record_type} records")
        # Asking for the provenance only: whether a record exists, nothing of what it says.
        (record,) = await reader.read(
            record_type, frozenset(), [national_id], CitizenCheck.LIFE_EVENT
        )
        return record.provenance.status is RecordStatus.AVAILABLE


class RegistryBirthdays:
    """Those born within a range, from the civil registry's registered birth source."""

    def __init__(
        self,
        registry: Registry,
        sessions: async_sessionmaker[AsyncSession],
        audit_sink: AuditSink | None,
        *,
        statute: str,
    ) -> None:
        self._registry = registry
        self._sessions = sessions
        self._audit_sink = audit_sink
        self._statute = statute

    async def born_within(self, within: DateRange, day: date) -> tuple[str, dict[str, date]]:
        try:
            source, born = await keys_in_range(self._registry, RecordType.BIRTH, "date", within)
        except SourceError as error:
            raise SystemReadFailed(error.public) from None
        principal = system_principal(
            CitizenCheck.AGE_SCAN, self._statute, frozenset({Dataset.CIVIL_BIRTH.value})
        )
        context = RequestContext(
            registry=self._registry,
            principal=principal,
            sessions=self._sessions,
            audit_sink=self._audit_sink,
            request_id=uuid.uuid4().hex,
        )
        spec = self._registry.specs[RecordType.BIRTH]
        for national_id in born:
            log_read(context, national_id, spec, _BIRTH_DATE)
        failure = await context.settle_audit()
        if failure is not None:  # act on no unrecorded read
            raise SystemReadFailed(f"the access log could not be written: {failure}")
        return source.agency, born
