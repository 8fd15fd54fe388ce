"""The Citizen: the national code and one field per standard record."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from resolvers.consents import list_consents
from resolvers.errors import field_error
from resolvers.records import resolve_record
from resolvers.tracker import list_data_accesses
from schema.consents import Consent
from schema.records import (
    RECORDS,
    Address,
    Birth,
    Death,
    Identity,
    Insurance,
    SchoolEnrollment,
    TaxStatus,
)
from schema.tracker import DataAccessConnection
from standard.errors import ErrorCode
from standard.pagination import DEFAULT_FIRST, MAX_FIRST

Since = Annotated[
    datetime | None, strawberry.argument(name="from", description="From this instant on.")
]
Until = Annotated[datetime | None, strawberry.argument(description="Before this instant.")]


@strawberry.federation.type(
    keys=["nationalId"],
    description="A citizen, keyed by national code. Each record comes from the agency owning it.",
)
class Citizen:
    national_id: str = strawberry.field(description="The 10-digit national code.")
    # Records the root field loaded for many citizens at once (record class -> record or error).
    prefetched: strawberry.Private[dict[type, Any]] = strawberry.field(default_factory=dict)

    # Record resolvers are synchronous: they return a prefetched record, or an awaitable.
    @strawberry.federation.field(requires_scopes=Identity.REQUIRES_SCOPES)
    def identity(self, info: Info) -> Identity | None:
        return resolve_record(info, self, Identity)

    @strawberry.federation.field(requires_scopes=Birth.REQUIRES_SCOPES)
    def birth(self, info: Info) -> Birth | None:
        return resolve_record(info, self, Birth)

    @strawberry.federation.field(requires_scopes=Death.REQUIRES_SCOPES)
    def death(self, info: Info) -> Death | None:
        return resolve_record(info, self, Death)

    @strawberry.federation.field(requires_scopes=Address.REQUIRES_SCOPES)
    def address(self, info: Info) -> Address | None:
        return resolve_record(info, self, Address)

    @strawberry.federation.field(requires_scopes=Insurance.REQUIRES_SCOPES)
    def insurance(self, info: Info) -> Insurance | None:
        return resolve_record(info, self, Insurance)

    @strawberry.federation.field(requires_scopes=SchoolEnrollment.REQUIRES_SCOPES)
    def school_enrollment(self, info: Info) -> SchoolEnrollment | None:
        return resolve_record(info, self, SchoolEnrollment)

    @strawberry.federation.field(requires_scopes=TaxStatus.REQUIRES_SCOPES)
    def tax_status(self, info: Info) -> TaxStatus | None:
        return resolve_record(info, self, TaxStatus)

    @strawberry.field(
        description="The citizen's consents, newest first. Only the citizen themselves sees them."
    )
    async def consents(self, info: Info) -> list[Consent] | None:
        return await list_consents(info.context, self.national_id)

    @strawberry.field(
        description="Who read the citizen's data, when and why, newest first "
        f"(at most {MAX_FIRST} a page). Only the citizen themselves sees it; `subject` names "
        "their minor child to see the child's."
    )
    async def data_accesses(
        self,
        info: Info,
        first: int = DEFAULT_FIRST,
        after: str | None = None,
        from_: Since = None,
        to: Until = None,
        subject: str | None = None,
    ) -> DataAccessConnection | None:
        page = await list_data_accesses(
            info.context, self.national_id, first=first, after=after, since=from_, until=to,
            subject=subject,
        )  # fmt: skip
        return DataAccessConnection.of(page)

    @classmethod
    def resolve_reference(cls, info: Info, **representation: Any) -> Citizen:
        """Federation `_entities`: a router hands us citizens by key, as the representation's
        GraphQL field names (`nationalId`). Like the root fields: a token first, then the key."""
        from schema.query import citizen_by_national_id

        info.context.require_principal()
        national_id = representation.get("nationalId")
        if not isinstance(national_id, str):
            raise field_error(ErrorCode.BAD_USER_INPUT, "a Citizen representation needs nationalId")
        return citizen_by_national_id(national_id)


# Citizen field name -> record type; the record types are named after their Citizen fields.
RECORD_FIELDS: dict[str, type] = {cls.RECORD_TYPE.value: cls for cls in RECORDS}  # type: ignore[attr-defined]
