"""The data tracker over GraphQL: who read whose data, when and why, from the access log.

`me { dataAccesses }`: the citizen on their portal session sees the records about themselves, or
about their minor child (`subject:`; the civil registry's birth record decides, as for consent).
`agencyDataAccesses`: an agency admin sees the reads of its own agency's data. Nobody else sees
any record.
"""

from __future__ import annotations

from datetime import UTC, datetime

from audit.tracker import (
    AccessPage,
    Position,
    ReadsSummary,
    access_page,
    agency_reads_summary,
    decode_cursor,
)
from auth.consent.errors import GuardianshipError
from auth.consent.guardianship import BirthRecords, check_guardian
from auth.consent.national_time import national_date
from auth.core.principal import Basis, Principal
from auth.core.system_checks import CitizenCheck
from resolvers.context import RequestContext
from standard.errors import DarvazehError, ErrorCode
from standard.national_id import parse as parse_national_id
from standard.pagination import check_first


async def subject_for(
    births: BirthRecords | None, citizen: str, asked: str | None, now: datetime | None = None
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
    if births is None:
        raise GuardianshipError("unavailable", "the civil registry's birth records are not at hand")
    await check_guardian(
        births, parent=citizen, child=child, on=day, check=CitizenCheck.TRACKER_GUARDIAN
    )
    return child


def _position(first: int, after: str | None) -> Position | None:
    check_first(first)
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
) -> AccessPage:
    """`Citizen.dataAccesses`: the citizen's own records, or their minor child's."""
    _citizen(context, national_id)
    position = _position(first, after)
    try:
        whose = await subject_for(context.births, national_id, subject)
    except GuardianshipError as error:
        if error.code is not ErrorCode.FORBIDDEN:
            raise  # the civil registry could not be read
        message = f"you may not see this citizen's data log: {error.reason}"
        raise DarvazehError(message, code=ErrorCode.FORBIDDEN) from None
    async with context.sessions() as session:
        return await access_page(
            session, subject=whose, first=first, after=position, since=since, until=until
        )


async def list_agency_accesses(
    context: RequestContext,
    *,
    first: int,
    after: str | None,
    since: datetime | None,
    until: datetime | None,
) -> AccessPage:
    """`Query.agencyDataAccesses`: reads of the admin's own agency's data."""
    principal = context.require_principal()
    if principal.basis is not Basis.AGENCY_ADMIN:
        message = "only an agency admin lists its agency's reads"
        raise DarvazehError(message, code=ErrorCode.FORBIDDEN)
    position = _position(first, after)
    async with context.sessions() as session:
        return await access_page(
            session, agency=principal.agency, first=first, after=position, since=since, until=until
        )


async def agency_reads(context: RequestContext, *, since: datetime) -> list[ReadsSummary]:
    """Reads of the admin's own agency's data since `since`: who, under which basis, how often."""
    principal = context.require_principal()
    if principal.basis is not Basis.AGENCY_ADMIN:
        message = "only an agency admin lists its agency's reads"
        raise DarvazehError(message, code=ErrorCode.FORBIDDEN)
    async with context.sessions() as session:
        return await agency_reads_summary(session, principal.agency, since=since)
