"""The citizen's consents as GraphQL: `me { consents }`, `narrowConsent` and `revokeConsent`."""

from __future__ import annotations

from datetime import datetime

import strawberry

from resolvers.consents import CitizenConsent
from schema.standard import graphql_enum
from standard.statuses import ConsentStatus, RevocationReason
from store.models import ServiceCard as CardRow

graphql_enum(
    ConsentStatus,
    description="ACTIVE until revoked or until it expires.",
    values={
        ConsentStatus.ACTIVE: "Allows reads now.",
        ConsentStatus.REVOKED: "Revoked: allows nothing from that moment on.",
        ConsentStatus.EXPIRED: "Past its end date: allows nothing.",
    },
)
graphql_enum(
    RevocationReason,
    name="ConsentRevocationReason",
    description="Why a consent was revoked.",
    values={
        RevocationReason.CITIZEN: "The citizen revoked it.",
        RevocationReason.DECEASED: "The civil registry recorded the death of the citizen or of "
        "the child it was given for.",
    },
)


@strawberry.type(description="A public service as its service card describes it.")
class ServiceCard:
    id: strawberry.ID = strawberry.field(description="The card's id, e.g. `school-enrolment`.")
    agency: str = strawberry.field(description="Code of the agency that runs the service.")
    name_fa: str = strawberry.field(description="The service's name in Persian.")
    name_en: str = strawberry.field(description="The service's name in English.")
    purpose_fa: str = strawberry.field(
        description="Why the service reads the data, in Persian (what the citizen is shown)."
    )
    purpose_en: str = strawberry.field(description="Why the service reads the data, in English.")

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
    id: strawberry.ID = strawberry.field(
        description="The consent's id (what `narrowConsent` and `revokeConsent` take)."
    )
    client_id: str = strawberry.field(description="The OAuth client the consent was given to.")
    service: ServiceCard = strawberry.field(description="The service card the client is bound to.")
    datasets: list[str] = strawberry.field(
        description="The dataset scopes the citizen allowed, e.g. `civil.identity`."
    )
    on_behalf_of: str | None = strawberry.field(
        description="The minor child's national code when a parent consented for them."
    )
    created_at: datetime = strawberry.field(description="When the citizen gave it.")
    expires_at: datetime = strawberry.field(description="When it ends unless revoked first.")
    status: ConsentStatus = strawberry.field(
        description="ACTIVE, REVOKED or EXPIRED, checked on every request."
    )
    revoked_reason: RevocationReason | None = strawberry.field(
        description="Why it was revoked; null unless REVOKED."
    )
    use_count: int = strawberry.field(description="How many reads it allowed, from the access log.")
    last_used_at: datetime | None = strawberry.field(
        description="When it last allowed a read; null if never."
    )

    @classmethod
    def of(cls, seen: CitizenConsent) -> Consent:
        consent = seen.consent
        return cls(
            id=strawberry.ID(consent.id),
            client_id=consent.client_id,
            service=ServiceCard.of(seen.card),
            datasets=list(consent.datasets),
            on_behalf_of=consent.subject if consent.subject != consent.citizen else None,
            created_at=consent.created_at,
            expires_at=consent.expires_at,
            status=seen.status,
            revoked_reason=seen.revoked_reason,
            use_count=seen.use_count,
            last_used_at=seen.last_used_at,
        )
