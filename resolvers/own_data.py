"""A citizen reading their own records on the portal (`/me/data`), or, as a parent, their minor
child's: every record type the registry serves, read like any GraphQL read — through the one
access decision (basis CITIZEN), the sources' DataLoaders, and one access-log record per dataset,
committed before the page is answered — so the read shows in the citizen's own log.

The parent's right to speak for the child is established first (resolvers.tracker.subject_for,
the civil registry's birth record); only then is a principal made whose `subject` is the child.
"""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from audit.sink import AuditSink
from auth.core.principal import Basis, Principal
from datasources.registry import Registry
from resolvers.context import RequestContext
from resolvers.rate_limits import SubjectGate
from resolvers.records import Record, load_record, unavailable
from standard.datasets import DATA_SCOPES
from standard.errors import DarvazehError, ErrorCode
from standard.records import RecordSpec

# The portal, as the access log names who read: the citizen, through Darvazeh's own pages.
PORTAL_CLIENT = "darvazeh-portal"
PORTAL_AGENCY = "darvazeh"


def portal_principal(citizen: str, token_id: str, subject: str | None = None) -> Principal:
    """A citizen on their portal session; `subject` is a minor child whose guardianship the
    caller has already established (otherwise the citizen themselves)."""
    return Principal(
        client_id=PORTAL_CLIENT,
        agency=PORTAL_AGENCY,
        basis=Basis.CITIZEN,
        scopes=DATA_SCOPES,
        token_id=token_id,
        citizen=citizen,
        subject=subject or citizen,
    )


@dataclass(frozen=True, slots=True)
class OwnRecord:
    """One record type as the portal shows it: the record (with its provenance), or why it
    could not be read (the source failed, or the read was refused)."""

    spec: RecordSpec
    record: Record | None
    error: DarvazehError | None
    agency: str | None  # the agency whose source serves the record type, if any


class AuditNotWritten(DarvazehError):
    """The reads could not be recorded: nothing read is shown (no unrecorded read)."""

    code = ErrorCode.SOURCE_UNAVAILABLE


async def read_own_records(
    registry: Registry,
    sessions: async_sessionmaker[AsyncSession],
    audit_sink: AuditSink | None,
    principal: Principal,
    subject_gate: SubjectGate | None = None,
) -> list[OwnRecord]:
    """Every record type of the principal's subject, in the registry's order; the sources are
    called concurrently, one call per source."""
    subject = principal.subject or principal.citizen
    if principal.basis is not Basis.CITIZEN or subject is None:
        raise DarvazehError("only a citizen reads their records here", code=ErrorCode.FORBIDDEN)
    context = RequestContext(
        registry=registry,
        principal=principal,
        sessions=sessions,
        audit_sink=audit_sink,
        request_id=uuid.uuid4().hex,
        subject_gate=subject_gate,  # the same per-citizen limit as GraphQL reads
    )
    specs = list(registry.specs.values())
    answers = await asyncio.gather(
        *(load_record(context, subject, spec, spec.names) for spec in specs),
        return_exceptions=True,
    )
    if (failure := await context.settle_audit()) is not None:
        raise AuditNotWritten(f"the access log could not be written: {failure}")
    found: list[OwnRecord] = []
    for spec, answer in zip(specs, answers, strict=True):
        source = registry.source_for(spec.record_type)
        agency = source.agency if source is not None else None
        if isinstance(answer, Record):
            found.append(OwnRecord(spec, answer, None, agency))
        elif isinstance(answer, DarvazehError):
            found.append(OwnRecord(spec, None, answer, agency))
        elif isinstance(answer, Exception):
            found.append(OwnRecord(spec, None, unavailable(answer), agency))
        else:
            raise answer  # cancelled: nothing to show
    return found
