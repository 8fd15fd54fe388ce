"""The data tracker over GraphQL: who read whose data, when and why, from the access log.

`me { dataAccesses }`: the citizen on their portal session sees the records about themselves, or
about their minor child (`subject:`; the civil registry's birth record decides, as for consent).
`agencyDataAccesses`: an agency admin sees the reads of its own agency's data. Nobody else sees
any record.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from auth.consents import GuardianshipError, check_guardian, national_date
from auth.principal import Basis, Principal
from datasources.registry import Registry
from resolvers.context import RequestContext
from resolvers.tracker_store import (
    AccessPage,
    Position,
    access_page,
    decode_cursor,
    encode_cursor,
    utc,
)
from standard.errors import DarvazehError, ErrorCode
from standard.national_id import parse as parse_national_id
from standard.pagination import page_size
from store.audit_models import AuditRecord


async def subject_for(
    registry: Registry, citizen: str, asked: str | None, now: datetime | None = None
) -> str:
    """Whose records `citizen` may list: their own, or their minor child's.

    Raises InvalidNationalId for a malformed code and GuardianshipError when `asked` is someone
    the citizen does not speak for.
    """
    if asked is None:
        return citizen
    child = parse_national_id(asked)
    if child == citizen:
        return citizen
    day = national_date(now or datetime.now(UTC))
    await check_guardian(registry, parent=citizen, child=child, on=day)
    return child


def _position(first: int, after: str | None) -> Position | None:
    page_size(first)
    return decode_cursor(after) if after is not None else None


def _citizen(context: RequestContext, national_id: str) -> Principal:
    principal = context.require_principal()
    if principal.basis is not Basis.CITIZEN or principal.citizen is None:
        message = "only the citizen themselves sees their data log"
        raise DarvazehError(message, code=ErrorCode.FORBIDDEN)
    if national_id != principal.citizen:
        raise DarvazehError("a citizen sees only their own data log", code=ErrorCode.FORBIDDEN)
    return principal


async def list_data_accesses(
    context: RequestContext,
    national_id: str,
    *,
    first: int,
    after: str | None,
    since: datetime | None,
    until: datetime | None,
    subject: str | None,
) -> Any:
    """`Citizen.dataAccesses`: the citizen's own records, or their minor child's."""
    _citizen(context, national_id)
    position = _position(first, after)
    try:
        whose = await subject_for(context.registry, national_id, subject)
    except GuardianshipError as error:
        if error.code is not ErrorCode.FORBIDDEN:
            raise  # the civil registry could not be read
        message = f"you may not see this citizen's data log: {error.reason}"
        raise DarvazehError(message, code=ErrorCode.FORBIDDEN) from None
    async with context.sessions() as session:
        page = await access_page(
            session, subject=whose, first=first, after=position, since=since, until=until
        )
    return to_connection(page)


async def list_agency_accesses(
    context: RequestContext,
    *,
    first: int,
    after: str | None,
    since: datetime | None,
    until: datetime | None,
) -> Any:
    """`Query.agencyDataAccesses`: reads of the admin's own agency's data."""
    principal = context.require_principal()
    if principal.basis is not Basis.AGENCY_ADMIN:
        message = "only an agency admin lists its agency's reads"
        raise DarvazehError(message, code=ErrorCode.FORBIDDEN)
    position = _position(first, after)
    async with context.sessions() as session:
        page = await access_page(
            session, agency=principal.agency, first=first, after=position, since=since, until=until
        )
    return to_connection(page)


def to_connection(page: AccessPage) -> Any:
    from schema.tracker import DataAccessConnection, DataAccessEdge, PageInfo

    edges = [
        DataAccessEdge(cursor=encode_cursor(record), node=to_graphql(record, page))
        for record in page.records
    ]
    return DataAccessConnection(
        edges=edges, page_info=PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor)
    )


def to_graphql(record: AuditRecord, page: AccessPage) -> Any:
    from schema.consents import ServiceCard
    from schema.tracker import (
        AccessOutcome,
        Agency,
        DataAccess,
        DataAccessClient,
        LegalBasis,
        LocalizedText,
    )

    def agency(code: str) -> Agency:
        found = page.agencies.get(code)
        if found is None:  # the portal ("darvazeh") is no registered agency
            return Agency(code=code, name_fa=code, name_en=code)
        return Agency(code=code, name_fa=found.name_fa, name_en=found.name_en)

    card = page.cards.get(record.purpose) if record.purpose else None
    return DataAccess(
        occurred_at=utc(record.occurred_at),
        service=ServiceCard.of(card) if card else None,
        client=DataAccessClient(id=record.client_id, agency=agency(record.client_agency)),
        datasets=list(record.datasets),
        fields=list(record.fields),
        purpose=LocalizedText(fa=card.purpose_fa, en=card.purpose_en) if card else None,
        legal_basis=LegalBasis(record.legal_basis.upper()),
        consent_id=record.consent_id,
        statute=record.statute,
        case_reference=record.case_reference,
        outcome=AccessOutcome(record.outcome),
        reason=record.reason if record.outcome == "DENIED" else None,
        source_agency=agency(record.source_agency) if record.source_agency else None,
        subject=record.subject,
    )
