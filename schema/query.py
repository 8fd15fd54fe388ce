"""The Query root."""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.types import Info

from resolvers.errors import ErrorCode, field_error
from schema import national_id
from schema.citizen import Citizen

MAX_CITIZENS = 100


def citizen_by_national_id(value: str) -> Citizen:
    try:
        return Citizen(national_id=national_id.validate(value))
    except national_id.InvalidNationalId as error:
        raise field_error(ErrorCode.INVALID_NATIONAL_ID, str(error), nationalId=value) from None


async def _fail(error: Exception) -> Citizen | None:
    raise error


@strawberry.type
class Query:
    @strawberry.field(description="One citizen by national code.")
    def citizen(self, info: Info, national_id: str) -> Citizen | None:
        info.context.require_principal()
        return citizen_by_national_id(national_id)

    @strawberry.field(
        description=f"Up to {MAX_CITIZENS} citizens; each source is called once for all of them."
    )
    def citizens(self, info: Info, national_ids: list[str]) -> list[Citizen | None] | None:
        info.context.require_principal()
        if len(national_ids) > MAX_CITIZENS:
            raise field_error(
                ErrorCode.BAD_USER_INPUT,
                f"at most {MAX_CITIZENS} national codes per query, got {len(national_ids)}",
            )
        # graphql-core awaits list items, so a failing entry is an awaitable that raises.
        answers: list[Any] = []
        for value in national_ids:
            try:
                answers.append(citizen_by_national_id(value))
            except Exception as error:  # one malformed code nulls only its own entry
                answers.append(_fail(error))
        return answers

    @strawberry.field(description="The citizen the access token was granted by.")
    def me(self, info: Info) -> Citizen | None:
        principal = info.context.require_principal()
        if principal.citizen is None:
            raise field_error(ErrorCode.FORBIDDEN, "`me` needs a token granted by a citizen")
        return Citizen(national_id=principal.citizen)
