"""The data tracker as GraphQL: each access-log record as a `DataAccess`, in a Relay-style
connection (newest first; cursors are opaque)."""

from __future__ import annotations

from datetime import datetime

import strawberry

from audit.tracker import AccessPage, encode_cursor, utc
from schema.consents import ServiceCard
from schema.standard import graphql_enum
from standard.statuses import AccessOutcome, LegalBasis
from store.audit_models import AuditRecord
from store.models import Agency as AgencyRow

# The standard's enums as GraphQL shows them: by member name (the store keeps their values, e.g.
# lowercase legal bases).
graphql_enum(
    LegalBasis,
    description="Why the read was allowed (or asked for).",
    values={LegalBasis.SYSTEM: "The gateway's own check (e.g. a death check at login), by law."},
)
graphql_enum(AccessOutcome, description="What came of the read.")


@strawberry.type(description="A government agency.")
class Agency:
    code: str
    name_fa: str
    name_en: str

    @classmethod
    def of(cls, code: str, row: AgencyRow | None) -> Agency:
        """The agency `code` names; by its code alone when it is no registered agency (the
        portal, "darvazeh")."""
        if row is None:
            return cls(code=code, name_fa=code, name_en=code)
        return cls(code=code, name_fa=row.name_fa, name_en=row.name_en)


@strawberry.type(description="The client application that read, and the agency running it.")
class DataAccessClient:
    id: str
    agency: Agency


@strawberry.type(description="A text in Persian and English.")
class LocalizedText:
    fa: str
    en: str


@strawberry.type(description="One read of a citizen's data, as the access log recorded it.")
class DataAccess:
    occurred_at: datetime
    service: ServiceCard | None = strawberry.field(
        description="The service card the client read for; null when it named none."
    )
    client: DataAccessClient
    datasets: list[str]
    fields: list[str] = strawberry.field(
        description="Standard field names asked for, e.g. `identity.firstName`."
    )
    purpose: LocalizedText | None = strawberry.field(description="The service card's purpose.")
    legal_basis: LegalBasis
    consent_id: str | None
    statute: str | None
    case_reference: str | None = strawberry.field(
        description="The case a statutory read was made for."
    )
    outcome: AccessOutcome
    reason: str | None = strawberry.field(description="Why the read was denied.")
    source_agency: Agency | None = strawberry.field(description="The agency whose data it is.")
    subject: str = strawberry.field(description="Whose data: a national code.")

    @classmethod
    def of(cls, record: AuditRecord, page: AccessPage) -> DataAccess:
        """One record of the page (whose cards and agencies it names the page holds)."""

        def agency(code: str) -> Agency:
            return Agency.of(code, page.agencies.get(code))

        card = page.cards.get(record.purpose) if record.purpose else None
        return cls(
            occurred_at=utc(record.occurred_at),
            service=ServiceCard.of(card) if card else None,
            client=DataAccessClient(id=record.client_id, agency=agency(record.client_agency)),
            datasets=list(record.datasets),
            fields=list(record.fields),
            purpose=LocalizedText(fa=card.purpose_fa, en=card.purpose_en) if card else None,
            legal_basis=LegalBasis(record.legal_basis),
            consent_id=record.consent_id,
            statute=record.statute,
            case_reference=record.case_reference,
            outcome=AccessOutcome(record.outcome),
            reason=record.reason if record.outcome == AccessOutcome.DENIED else None,
            source_agency=agency(record.source_agency) if record.source_agency else None,
            subject=record.subject,
        )


@strawberry.type
class DataAccessEdge:
    cursor: str
    node: DataAccess


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")


@strawberry.type(description="Access-log records, newest first.")
class DataAccessConnection:
    edges: list[DataAccessEdge]
    page_info: PageInfo

    @classmethod
    def of(cls, page: AccessPage) -> DataAccessConnection:
        edges = [
            DataAccessEdge(cursor=encode_cursor(record), node=DataAccess.of(record, page))
            for record in page.records
        ]
        return cls(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next, end_cursor=page.end_cursor),
        )
