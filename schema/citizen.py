"""The Citizen: the national code and one field per standard record."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.records import load_record
from schema.records import Address, Birth, Death, Identity, Insurance, SchoolEnrollment, TaxStatus


@strawberry.federation.type(
    keys=["nationalId"],
    description="A citizen, keyed by national code. Each record comes from the agency owning it.",
)
class Citizen:
    national_id: str = strawberry.field(description="The 10-digit national code.")

    @strawberry.federation.field(requires_scopes=Identity.REQUIRES_SCOPES)
    async def identity(self, info: Info) -> Identity | None:
        return await load_record(info.context, self.national_id, Identity)

    @strawberry.federation.field(requires_scopes=Birth.REQUIRES_SCOPES)
    async def birth(self, info: Info) -> Birth | None:
        return await load_record(info.context, self.national_id, Birth)

    @strawberry.federation.field(requires_scopes=Death.REQUIRES_SCOPES)
    async def death(self, info: Info) -> Death | None:
        return await load_record(info.context, self.national_id, Death)

    @strawberry.federation.field(requires_scopes=Address.REQUIRES_SCOPES)
    async def address(self, info: Info) -> Address | None:
        return await load_record(info.context, self.national_id, Address)

    @strawberry.federation.field(requires_scopes=Insurance.REQUIRES_SCOPES)
    async def insurance(self, info: Info) -> Insurance | None:
        return await load_record(info.context, self.national_id, Insurance)

    @strawberry.federation.field(requires_scopes=SchoolEnrollment.REQUIRES_SCOPES)
    async def school_enrollment(self, info: Info) -> SchoolEnrollment | None:
        return await load_record(info.context, self.national_id, SchoolEnrollment)

    @strawberry.federation.field(requires_scopes=TaxStatus.REQUIRES_SCOPES)
    async def tax_status(self, info: Info) -> TaxStatus | None:
        return await load_record(info.context, self.national_id, TaxStatus)

    @classmethod
    def resolve_reference(cls, national_id: str) -> Citizen:
        """Federation `_entities`: a router hands us citizens by key; the key is checked first."""
        from schema.query import citizen_by_national_id

        return citizen_by_national_id(national_id)
