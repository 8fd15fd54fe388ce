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
    values={
        LegalBasis.CONSENT: "The citizen's consent (or a parent's, for a minor child).",
        LegalBasis.STATUTE: "A law written on the service's card, with a case reference.",
        LegalBasis.CITIZEN: "The citizen reading their own data.",
        LegalBasis.SYSTEM: "The gateway's own check (e.g. a death check at login), by law.",
        LegalBasis.NONE: "None: the read was refused.",
    },
)
graphql_enum(
    AccessOutcome,
    description="What came of the read.",
    values={
        AccessOutcome.GRANTED: "The data was read.",
        AccessOutcome.DENIED: "Refused by the access decision; `reason` says why.",
        AccessOutcome.SOURCE_ERROR: "Allowed, but the agency's source failed to answer.",
    },
)


@strawberry.type(description="A government agency.")
class Agency:
    code: str = strawberry.field(description="The agency's code, e.g. `civil-registry`.")
    name_fa: str = strawberry.field(description="The agency's name in Persian.")
    name_en: str = strawberry.field(description="The agency's name in English.")

    @classmethod
    def of(cls, code: str, row: AgencyRow | None) -> Agency:
        """The agency `code` names; by its code alone when it is no registered agency (the
        portal, "darvazeh")."""
        if row is None:
            return cls(code=code, name_fa=code, name_en=code)
        return cls(code=code, name_fa=row.name_fa, name_en=row.name_en)


@strawberry.type(description="The client application that read, and the agency running it.")
class DataAccessClient:
    id: str = strawberry.field(description="The client's id.")
    agency: Agency = strawberry.field(description="The agency running the client.")


@strawberry.type(description="A text in Persian and English.")
class LocalizedText:
    fa: str = strawberry.field(description="In Persian.")
    en: str = strawberry.field(description="In English.")


@strawberry.type(description="One read of a citizen's data, as the access log recorded it.")
class DataAccess:
    occurred_at: datetime = strawberry.field(description="When the read happened.")
    service: ServiceCard | None = strawberry.field(
        description="The service card the client read for; null when it named none."
    )
    client: DataAccessClient = strawberry.field(description="The client application that read.")
    datasets: list[str] = strawberry.field(description="The dataset scopes read (or asked for).")
    fields: list[str] = strawberry.field(
        description="Standard field names asked for, e.g. `identity.firstName`."
    )
    purpose: LocalizedText | None = strawberry.field(description="The service card's purpose.")
    legal_basis: LegalBasis = strawberry.field(
        description="Why the read was allowed (or asked for)."
    )
    consent_id: str | None = strawberry.field(
        description="The consent it was read under, for CONSENT reads."
    )
    statute: str | None = strawberry.field(
        description="The law it was read under, for STATUTE and SYSTEM reads."
    )
    case_reference: str | None = strawberry.field(
        description="The case a statutory read was made for."
    )
    outcome: AccessOutcome = strawberry.field(description="GRANTED, DENIED or SOURCE_ERROR.")
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


@strawberry.type(description="One access-log record and its cursor.")
class DataAccessEdge:
    cursor: str = strawberry.field(
        description="Opaque: pass as `after` to continue after this record."
    )
    node: DataAccess = strawberry.field(description="The record.")


@strawberry.type(description="Where a page ends and whether more follow.")
class PageInfo:
    has_next_page: bool = strawberry.field(description="Whether more follow after `endCursor`.")
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")


@strawberry.type(description="Access-log records, newest first.")
class DataAccessConnection:
    edges: list[DataAccessEdge] = strawberry.field(description="This page's records, newest first.")
    page_info: PageInfo = strawberry.field(description="Where the next page starts.")

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
