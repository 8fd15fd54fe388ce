"""Service card registration as GraphQL: what an agency admin sends, and a card's history."""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.catalogue import ServiceLegalBasis
from services.cards import CardDraft
from store.registrations import Action

RegistrationAction = strawberry.enum(
    Action, name="RegistrationAction", description="What one change of a registration did."
)


@strawberry.input(
    description="A service card as its agency registers it; the agency is the admin's own."
)
class ServiceCardInput:
    id: strawberry.ID = strawberry.field(
        description="A slug: lower-case letters, digits and single hyphens, e.g. `passport-renew`."
    )
    name_fa: str
    name_en: str
    datasets: list[str] = strawberry.field(
        description="Datasets of the standard (e.g. `civil.birth`), or planned ones."
    )
    legal_basis: ServiceLegalBasis
    statute: str | None = strawberry.field(
        default=None, description="The law it reads under: named if and only if STATUTE."
    )
    purpose_fa: str = ""
    purpose_en: str = ""
    proactive: bool = strawberry.field(
        default=False,
        description="Runs with no request, on `lifeEvent`; needs a STATUTE legal basis.",
    )
    life_event: str | None = strawberry.field(
        default=None, description="A `catalogue { lifeEvents }` id; only for proactive services."
    )

    def draft(self, agency: str) -> CardDraft:
        return CardDraft(
            id=str(self.id),
            agency=agency,
            name_fa=self.name_fa,
            name_en=self.name_en,
            datasets=tuple(self.datasets),
            legal_basis=self.legal_basis.value,
            purpose_fa=self.purpose_fa,
            purpose_en=self.purpose_en,
            statute=self.statute,
            proactive=self.proactive,
            life_event=self.life_event,
        )


@strawberry.type(description="One version of a service card: the change and the card it left.")
class ServiceCardVersion:
    version: int
    action: RegistrationAction
    changed_by: str = strawberry.field(description="The agency admin client that made it.")
    changed_at: datetime
    name_fa: str
    name_en: str
    purpose_fa: str
    purpose_en: str
    datasets: list[str]
    legal_basis: ServiceLegalBasis
    statute: str | None
    proactive: bool
    life_event: str | None
    enabled: bool
