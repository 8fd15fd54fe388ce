"""The data tracker's reads of the access log: one page of records, newest first, by keyset.

A page is either one data subject's records (index `ix_audit_subject_time`) or the reads of one
agency's data (index `ix_audit_agency_time`); the cursor is the last row's (occurred_at, id), so
pages never skip or repeat a record, even when many share one instant. Never writes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from standard import pagination
from standard.pagination import DEFAULT_FIRST, MAX_FIRST, BadCursor, check_first
from store.audit_models import AuditRecord
from store.db import aware
from store.models import Agency, ServiceCard

__all__ = [
    "DEFAULT_FIRST",
    "MAX_FIRST",
    "AccessPage",
    "BadCursor",
    "LogFacets",
    "Position",
    "access_page",
    "decode_cursor",
    "encode_cursor",
    "log_facets",
    "page_query",
    "utc",
]

CURSOR_KIND = "a1"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_POSITION = re.compile(r"([0-9]{1,19})\.([0-9]{1,19})")


@dataclass(frozen=True, slots=True)
class Position:
    """Where a page ends: the last record's instant and id (ties in time are broken by id)."""

    occurred_at: datetime
    id: int


def utc(moment: datetime) -> datetime:
    """Aware UTC; SQLite hands back naive datetimes (UTC), and GraphQL clients may send them."""
    return aware(moment).astimezone(UTC)


def encode_cursor(record: AuditRecord) -> str:
    micros = (utc(record.occurred_at) - _EPOCH) // timedelta(microseconds=1)
    return pagination.encode_cursor(CURSOR_KIND, f"{micros}.{record.id}")


def decode_cursor(value: str) -> Position:
    """The position a cursor names; BadCursor for anything else, never another exception."""
    match = _POSITION.fullmatch(pagination.decode_cursor(CURSOR_KIND, value))
    if match is None:
        raise BadCursor()
    try:
        moment = _EPOCH + timedelta(microseconds=int(match.group(1)))
    except OverflowError:
        raise BadCursor() from None
    return Position(moment, int(match.group(2)))


@dataclass
class AccessPage:
    """Records newest first, whether more follow, and the cards and agencies they name."""

    records: list[AuditRecord]
    has_next: bool
    cards: dict[str, ServiceCard] = field(default_factory=dict)
    agencies: dict[str, Agency] = field(default_factory=dict)

    @property
    def end_cursor(self) -> str | None:
        return encode_cursor(self.records[-1]) if self.records else None


def page_query(
    *,
    subject: str | None = None,
    agency: str | None = None,
    first: int = DEFAULT_FIRST,
    after: Position | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    reader: str | None = None,
    service: str | None = None,
    maximum: int = MAX_FIRST,
) -> Select[AuditRecord]:
    """The keyset query of `access_page` (one row more than the page, to tell if more follow)."""
    if (subject is None) == (agency is None):
        raise ValueError("exactly one of subject and agency")
    check_first(first, maximum)
    occurred = AuditRecord.occurred_at
    query = select(AuditRecord)
    if subject is not None:
        query = query.where(AuditRecord.subject == subject)
    else:
        query = query.where(AuditRecord.source_agency == agency)
    # Narrowing within the index's range: the reading agency, the service card read for.
    if reader is not None:
        query = query.where(AuditRecord.client_agency == reader)
    if service is not None:
        query = query.where(AuditRecord.purpose == service)
    if since is not None:
        query = query.where(occurred >= utc(since))
    if until is not None:
        query = query.where(occurred < utc(until))
    if after is not None:
        # `occurred_at <= t` is the index range; the OR only trims the ties at t.
        moment = utc(after.occurred_at)
        query = query.where(
            and_(occurred <= moment, or_(occurred < moment, AuditRecord.id < after.id))
        )
    return query.order_by(occurred.desc(), AuditRecord.id.desc()).limit(first + 1)


async def access_page(
    session: AsyncSession,
    *,
    subject: str | None = None,
    agency: str | None = None,
    first: int = DEFAULT_FIRST,
    after: Position | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    reader: str | None = None,
    service: str | None = None,
    maximum: int = MAX_FIRST,
) -> AccessPage:
    """One page of `subject`'s records, or of reads of `agency`'s data (exactly one of the two),
    newest first. `since` is inclusive and `until` exclusive; `reader` keeps the reads by one
    agency, `service` those for one service card; `first` is 1..`maximum` (MAX_FIRST, or an
    export's larger bound)."""
    query = page_query(
        subject=subject, agency=agency, first=first, after=after, since=since, until=until,
        reader=reader, service=service, maximum=maximum,
    )  # fmt: skip
    rows = list(await session.scalars(query))
    page = AccessPage(records=rows[:first], has_next=len(rows) > first)
    await _describe(session, page)
    return page


@dataclass
class LogFacets:
    """What one subject's log can be filtered by: the agencies that read it, the services."""

    agencies: dict[str, Agency]
    cards: dict[str, ServiceCard]


async def log_facets(session: AsyncSession, subject: str) -> LogFacets:
    """The reading agencies and service cards named in `subject`'s records (distinct values
    over the subject's index range; the catalogue's names for them)."""
    named = select(AuditRecord.client_agency, AuditRecord.purpose).where(
        AuditRecord.subject == subject
    )
    pairs = (await session.execute(named.distinct())).all()
    page = AccessPage(records=[], has_next=False)
    codes = {agency for agency, _ in pairs}
    card_ids = {card for _, card in pairs if card}
    if card_ids:
        found = await session.scalars(select(ServiceCard).where(ServiceCard.id.in_(card_ids)))
        page.cards = {card.id: card for card in found}
    if codes:
        agencies = await session.scalars(select(Agency).where(Agency.code.in_(codes)))
        page.agencies = {agency.code: agency for agency in agencies}
    return LogFacets(agencies=page.agencies, cards=page.cards)


async def _describe(session: AsyncSession, page: AccessPage) -> None:
    """Load the service cards and agencies the page's records name (two small queries)."""
    card_ids = {record.purpose for record in page.records if record.purpose}
    codes = {record.client_agency for record in page.records}
    codes |= {record.source_agency for record in page.records if record.source_agency}
    if card_ids:
        found = await session.scalars(select(ServiceCard).where(ServiceCard.id.in_(card_ids)))
        page.cards = {card.id: card for card in found}
    if codes:
        agencies = await session.scalars(select(Agency).where(Agency.code.in_(codes)))
        page.agencies = {agency.code: agency for agency in agencies}
