"""Service card registration as GraphQL: what an agency admin sends, and a card's history.

The fields restate `services.cards.CardDraft`'s (GraphQL needs them declared, each with its
description and type); they carry its names, and `to_draft` and `of` convert by those names.
"""

from __future__ import annotations

from datetime import datetime

import strawberry

from schema.catalogue import ServiceLegalBasis
from schema.standard import graphql_enum
from services.card_registration import CardVersion
from services.cards import CONTENT, CardDraft
from standard.statuses import ProactiveMode
from store.registrations import Action

graphql_enum(
    Action,
    name="RegistrationAction",
    description="What one change of a registration did.",
    values={
        Action.REGISTERED: "Registered for the first time.",
        Action.UPDATED: "Changed.",
        Action.DISABLED: "Disabled: no longer used.",
        Action.ENABLED: "Enabled again.",
        Action.RESTORED: "Set back to an earlier version.",
        Action.REMOVED: "Removed.",
        Action.ROTATED: "A client's secret replaced (the history never holds a secret).",
    },
)


@strawberry.input(
    description="A service card as its agency registers it; the agency is the admin's own."
)
class ServiceCardInput:
    id: strawberry.ID = strawberry.field(
        description="A slug: lower-case letters, digits and single hyphens, e.g. `passport-renew`."
    )
    name_fa: str = strawberry.field(description="The service's name in Persian.")
    name_en: str = strawberry.field(description="The service's name in English.")
    datasets: list[str] = strawberry.field(
        description="Datasets of the standard (e.g. `civil.birth`), or planned ones."
    )
    legal_basis: ServiceLegalBasis = strawberry.field(
        description="CONSENT, or STATUTE with `statute` named."
    )
    statute: str | None = strawberry.field(
        default=None, description="The law it reads under: named if and only if STATUTE."
    )
    purpose_fa: str = strawberry.field(
        default="", description="Why it reads the data, in Persian (shown to citizens)."
    )
    purpose_en: str = strawberry.field(default="", description="Why it reads the data, in English.")
    proactive: bool = strawberry.field(
        default=False,
        description="Runs with no request, on `lifeEvent`; needs a STATUTE legal basis.",
    )
    life_event: str | None = strawberry.field(
        default=None, description="A `catalogue { lifeEvents }` id; only for proactive services."
    )
    proactive_mode: ProactiveMode | None = strawberry.field(
        default=None, description="What a proactive service asks of the citizen."
    )
    reference_date: str | None = strawberry.field(
        default=None,
        description=(
            "For a service on an age event: the Solar Hijri month and day (`MM-DD`) the age is "
            "reckoned by, e.g. `07-01` (1 Mehr, the school year's start)."
        ),
    )

    def to_draft(self, agency: str) -> CardDraft:
        content = {name: getattr(self, name) for name in CONTENT}
        content["legal_basis"] = self.legal_basis.value
        content["proactive_mode"] = self.proactive_mode.value if self.proactive_mode else None
        return CardDraft.of(str(self.id), agency, content)


@strawberry.type(description="One version of a service card: the change and the card it left.")
class ServiceCardVersion:
    version: int = strawberry.field(description="The version number, from 1.")
    action: Action = strawberry.field(description="What this change did.")
    changed_by: str = strawberry.field(description="The agency admin client that made it.")
    changed_at: datetime = strawberry.field(description="When.")
    name_fa: str = strawberry.field(description="The service's name in Persian.")
    name_en: str = strawberry.field(description="The service's name in English.")
    purpose_fa: str = strawberry.field(description="Its purpose in Persian.")
    purpose_en: str = strawberry.field(description="Its purpose in English.")
    datasets: list[str] = strawberry.field(description="The dataset scopes it needs.")
    legal_basis: ServiceLegalBasis = strawberry.field(description="CONSENT or STATUTE.")
    statute: str | None = strawberry.field(description="The law, for STATUTE cards.")
    proactive: bool = strawberry.field(
        description="Whether it runs without a request, on a life event."
    )
    life_event: str | None = strawberry.field(
        description="The life event it runs on, for proactive cards."
    )
    proactive_mode: ProactiveMode | None = strawberry.field(
        description="What the citizen is asked, for proactive cards."
    )
    reference_date: str | None = strawberry.field(
        description="The date the event is counted from, for proactive cards."
    )
    enabled: bool = strawberry.field(description="Whether the card was enabled after this change.")

    @classmethod
    def of(cls, version: CardVersion) -> ServiceCardVersion:
        card = version.card
        return cls(
            version=version.version,
            action=version.action,
            changed_by=version.changed_by,
            changed_at=version.changed_at,
            name_fa=card.name_fa,
            name_en=card.name_en,
            purpose_fa=card.purpose_fa,
            purpose_en=card.purpose_en,
            datasets=list(card.datasets),
            legal_basis=ServiceLegalBasis(card.legal_basis),
            statute=card.statute,
            proactive=card.proactive,
            life_event=card.life_event,
            proactive_mode=ProactiveMode(card.proactive_mode) if card.proactive_mode else None,
            reference_date=card.reference_date,
            enabled=version.enabled,
        )
