"""The data tracker as GraphQL: each access-log record as a `DataAccess`, in a Relay-style
connection (newest first; cursors are opaque)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from schema.consents import ServiceCard


@strawberry.enum(description="Why the read was allowed (or asked for).")
class LegalBasis(Enum):
    CONSENT = "CONSENT"
    STATUTE = "STATUTE"
    CITIZEN = "CITIZEN"
    SYSTEM = strawberry.enum_value(
        "SYSTEM", description="The gateway's own check (e.g. a death check at login), by law."
    )
    NONE = "NONE"


@strawberry.enum(description="What came of the read.")
class AccessOutcome(Enum):
    GRANTED = "GRANTED"
    DENIED = "DENIED"
    SOURCE_ERROR = "SOURCE_ERROR"


@strawberry.type(description="A government agency.")
class Agency:
    code: str
    name_fa: str
    name_en: str


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
