"""The Mutation root."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.consents import revoke
from schema.consents import Consent


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Revoke one of your consents: its tokens stop on their very next request."
    )
    async def revoke_consent(self, info: Info, id: strawberry.ID) -> Consent | None:
        return await revoke(info.context, id)
