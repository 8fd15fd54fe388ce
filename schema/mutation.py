"""The Mutation root."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from resolvers.cards import register_card, restore_card, set_card_enabled
from resolvers.consents import revoke
from schema.cards import ServiceCardInput
from schema.catalogue import CatalogueCard
from schema.consents import Consent


@strawberry.type
class Mutation:
    @strawberry.mutation(
        description="Revoke one of your consents: its tokens stop on their very next request."
    )
    async def revoke_consent(self, info: Info, id: strawberry.ID) -> Consent | None:
        return await revoke(info.context, id)

    @strawberry.mutation(
        description="Register a service card of your agency, or update it (agency admins). "
        "Every problem is named at once; a refused card changes nothing."
    )
    async def register_service_card(
        self, info: Info, input: ServiceCardInput
    ) -> CatalogueCard | None:
        return await register_card(info.context, input)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="Take one of your agency's cards out of the catalogue (agency admins)."
    )
    async def disable_service_card(self, info: Info, id: strawberry.ID) -> CatalogueCard | None:
        return await set_card_enabled(info.context, str(id), False)  # type: ignore[no-any-return]

    @strawberry.mutation(description="Put one of your agency's cards back (agency admins).")
    async def enable_service_card(self, info: Info, id: strawberry.ID) -> CatalogueCard | None:
        return await set_card_enabled(info.context, str(id), True)  # type: ignore[no-any-return]

    @strawberry.mutation(
        description="Make one of your agency's cards what it was at `version`, as a new version "
        "(agency admins)."
    )
    async def restore_service_card(
        self, info: Info, id: strawberry.ID, version: int
    ) -> CatalogueCard | None:
        return await restore_card(info.context, str(id), version)  # type: ignore[no-any-return]
