"""The citizen's consents as GraphQL: `me { consents }` and `revokeConsent`."""

from __future__ import annotations

from datetime import datetime
from enum import Enum

import strawberry

from store.models import ServiceCard as CardRow


@strawberry.enum(description="ACTIVE until revoked or until it expires.")
class ConsentStatus(Enum):
    ACTIVE = "ACTIVE"
    REVOKED = "REVOKED"
    EXPIRED = "EXPIRED"


@strawberry.enum(description="Why a consent was revoked.")
class ConsentRevocationReason(Enum):
    CITIZEN = strawberry.enum_value("CITIZEN", description="The citizen revoked it.")
    DECEASED = strawberry.enum_value(
        "DECEASED",
        description="The civil registry recorded the death of the citizen or of the child it "
        "was given for.",
    )


@strawberry.type(description="A public service as its service card describes it.")
class ServiceCard:
    id: strawberry.ID
    agency: str
    name_fa: str
    name_en: str
    purpose_fa: str
    purpose_en: str

    @classmethod
    def of(cls, card: CardRow) -> ServiceCard:
        return cls(
            id=strawberry.ID(card.id),
            agency=card.agency_code,
            name_fa=card.name_fa,
            name_en=card.name_en,
            purpose_fa=card.purpose_fa,
            purpose_en=card.purpose_en,
        )


@strawberry.type(description="What a citizen allowed a service to read, for whom and how long.")
class Consent:
    id: strawberry.ID
    client_id: str
    service: ServiceCard
    datasets: list[str]
    on_behalf_of: str | None = strawberry.field(
        description="The minor child's national code when a parent consented for them."
    )
    created_at: datetime
    expires_at: datetime
    status: ConsentStatus
    revoked_reason: ConsentRevocationReason | None = strawberry.field(
        description="Why it was revoked; null unless REVOKED."
    )
    use_count: int
    last_used_at: datetime | None
