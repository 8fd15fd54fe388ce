"""The Query root."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from resolvers.agency import own_agency
from resolvers.cards import card_history
from resolvers.catalogue import load_catalogue
from resolvers.errors import field_error
from resolvers.prefetch import prefetch
from resolvers.selection import requested_records
from resolvers.tracker import list_agency_accesses
from schema.agency import AgencyRegistrations
from schema.cards import ServiceCardVersion
from schema.catalogue import Catalogue
from schema.citizen import RECORD_FIELDS, Citizen, Since, Until
from schema.tracker import Agency, DataAccessConnection
from standard import national_id
from standard.errors import ErrorCode
from standard.pagination import DEFAULT_FIRST, MAX_FIRST

MAX_CITIZENS = 100


def citizen_by_national_id(value: str) -> Citizen:
    """The citizen behind a national code as a client sent it (Persian or Arabic-Indic digits
    read as 0-9): from here on only the canonical code is used."""
    try:
        return Citizen(national_id=national_id.parse(value))
    except national_id.InvalidNationalId as error:
        raise field_error(
            ErrorCode.INVALID_NATIONAL_ID, str(error), nationalId=error.value
        ) from None


async def _fail(error: Exception) -> Citizen | None:
    raise error


@strawberry.type
class Query:
    @strawberry.field(description="One citizen by national code.")
    async def citizen(self, info: Info, national_id: str) -> Citizen | None:
        info.context.require_principal()
        citizen = citizen_by_national_id(national_id)
        await prefetch(info.context, [citizen], requested_records(info, RECORD_FIELDS))
        return citizen

    @strawberry.field(
        description=f"Up to {MAX_CITIZENS} citizens; each source is called once for all of them."
    )
    async def citizens(self, info: Info, national_ids: list[str]) -> list[Citizen | None] | None:
        info.context.require_principal()
        if len(national_ids) > MAX_CITIZENS:
            raise field_error(
                ErrorCode.BAD_USER_INPUT,
                f"at most {MAX_CITIZENS} national codes per query, got {len(national_ids)}",
            )
        # graphql-core awaits list items, so a malformed code's entry is an awaitable that raises:
        # it nulls only that entry.
        answers: list[Any] = []
        for value in national_ids:
            try:
                answers.append(citizen_by_national_id(value))
            except Exception as error:
                answers.append(_fail(error))
        valid = [answer for answer in answers if isinstance(answer, Citizen)]
        await prefetch(info.context, valid, requested_records(info, RECORD_FIELDS))
        return answers

    @strawberry.field(description="The citizen the access token was granted by.")
    async def me(self, info: Info) -> Citizen | None:
        principal = info.context.require_principal()
        if principal.citizen is None:
            raise field_error(ErrorCode.FORBIDDEN, "`me` needs a token granted by a citizen")
        citizen = Citizen(national_id=principal.citizen)
        await prefetch(info.context, [citizen], requested_records(info, RECORD_FIELDS))
        return citizen

    @strawberry.field(
        description="Reads of the asking agency admin's own agency's data, newest first "
        f"(at most {MAX_FIRST} a page)."
    )
    async def agency_data_accesses(
        self,
        info: Info,
        first: int = DEFAULT_FIRST,
        after: str | None = None,
        from_: Since = None,
        to: Until = None,
    ) -> DataAccessConnection | None:
        page = await list_agency_accesses(
            info.context, first=first, after=after, since=from_, until=to
        )
        return DataAccessConnection.of(page)

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
        return await load_catalogue(info.context)  # type: ignore[no-any-return]

    @strawberry.field(
        description="Every version of one of your agency's service cards, newest first "
        "(agency admins)."
    )
    async def service_card_history(
        self, info: Info, id: strawberry.ID
    ) -> list[ServiceCardVersion] | None:
        return await card_history(info.context, str(id))
