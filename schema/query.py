"""The Query root."""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated

import strawberry
from strawberry.types import Info

from resolvers.agency import own_agency
from resolvers.cards import card_history
from resolvers.catalogue import load_catalogue
from resolvers.prefetch import prefetch
from resolvers.selection import requested_records
from resolvers.staff import staff_of_agency
from resolvers.tracker import list_agency_accesses
from schema.agency import AgencyRegistrations
from schema.arguments import After, CardId, First, NationalId
from schema.cards import ServiceCardVersion
from schema.catalogue import Catalogue
from schema.records import RECORD_FIELDS, Citizen, Since, Until
from schema.service_cases import ServiceCaseQuery
from schema.staff import StaffAccount
from schema.tracker import Agency, DataAccessConnection
from standard.errors import DarvazehError, ErrorCode
from standard.national_id import parse as parse_national_id
from standard.pagination import DEFAULT_FIRST, MAX_FIRST

MAX_CITIZENS = 100
NationalIds = Annotated[
    list[str], strawberry.argument(description=f"Up to {MAX_CITIZENS} national codes.")
]


async def _fail(error: Exception) -> Citizen | None:
    raise error


@strawberry.type(
    description="Reads: citizens, their own records, the catalogue, agency registrations."
)
class Query(ServiceCaseQuery):
    @strawberry.field(description="One citizen by national code.")
    async def citizen(self, info: Info, national_id: NationalId) -> Citizen | None:
        info.context.require_principal()
        # As a client sent it (Persian or Arabic-Indic digits read as 0-9): canonical from here.
        subject = parse_national_id(national_id)
        (found,) = await prefetch(info.context, [subject], requested_records(info, RECORD_FIELDS))
        return Citizen(national_id=subject, prefetched=found)

    @strawberry.field(
        description=f"Up to {MAX_CITIZENS} citizens; each source is called once for all of them.",
        graphql_type=list[Citizen | None] | None,
    )
    async def citizens(
        self, info: Info, national_ids: NationalIds
    ) -> list[Citizen | Awaitable[Citizen | None]] | None:
        info.context.require_principal()
        if len(national_ids) > MAX_CITIZENS:
            raise DarvazehError(
                f"at most {MAX_CITIZENS} national codes per query, got {len(national_ids)}",
                code=ErrorCode.BAD_USER_INPUT,
            )
        # graphql-core awaits list items, so a malformed code's entry is an awaitable that raises:
        # it nulls only that entry.
        subjects: list[str | DarvazehError] = []
        for value in national_ids:
            try:
                subjects.append(parse_national_id(value))
            except DarvazehError as error:
                subjects.append(error)
        valid = [subject for subject in subjects if isinstance(subject, str)]
        found = iter(await prefetch(info.context, valid, requested_records(info, RECORD_FIELDS)))
        return [
            Citizen(national_id=subject, prefetched=next(found))
            if isinstance(subject, str)
            else _fail(subject)
            for subject in subjects
        ]

    @strawberry.field(description="The citizen the access token was granted by.")
    async def me(self, info: Info) -> Citizen | None:
        principal = info.context.require_principal()
        if principal.citizen is None:
            raise DarvazehError("`me` needs a token granted by a citizen", code=ErrorCode.FORBIDDEN)
        subject: str = principal.citizen
        (found,) = await prefetch(info.context, [subject], requested_records(info, RECORD_FIELDS))
        return Citizen(national_id=subject, prefetched=found)

    @strawberry.field(
        description="Reads of the asking agency admin's own agency's data, newest first "
        f"(at most {MAX_FIRST} a page)."
    )
    async def agency_data_accesses(
        self,
        info: Info,
        first: First = DEFAULT_FIRST,
        after: After = None,
        from_: Since = None,
        to: Until = None,
    ) -> DataAccessConnection | None:
        page = await list_agency_accesses(
            info.context, first=first, after=after, since=from_, until=to
        )
        return DataAccessConnection.of(page)

    @strawberry.field(description="Your agency's console staff accounts (agency admins).")
    async def agency_staff(self, info: Info) -> list[StaffAccount] | None:
        return [StaffAccount.of(row) for row in await staff_of_agency(info.context)]

    @strawberry.field(description="The asking agency admin's own registrations.")
    async def agency_registrations(self, info: Info) -> AgencyRegistrations | None:
        row = await own_agency(info.context)
        return AgencyRegistrations(
            agency=Agency(code=row.code, name_fa=row.name_fa, name_en=row.name_en)
        )

    @strawberry.field(
        description="The service catalogue: services, whether each is connected, coverage. "
        "Public: no token needed."
    )
    async def catalogue(self, info: Info) -> Catalogue | None:
        return Catalogue(view=await load_catalogue(info.context))

    @strawberry.field(
        description="Every version of one of your agency's service cards, newest first "
        "(agency admins)."
    )
    async def service_card_history(self, info: Info, id: CardId) -> list[ServiceCardVersion] | None:
        versions = await card_history(info.context, str(id))
        return [ServiceCardVersion.of(version) for version in versions]
