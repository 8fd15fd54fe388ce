"""The service catalogue as GraphQL: `catalogue { coverage agencies cards card lifeEvents }`.

Public: the national window shows the catalogue to everyone, so it needs no token and reads no
citizen's data.
"""

from __future__ import annotations

from enum import Enum
from typing import Annotated

import strawberry
from strawberry.types import Info

from resolvers.catalogue import card_page, encode_cursor, load_delivery_counts
from schema.arguments import After, CardId, First
from schema.standard import graphql_enum
from schema.tracker import Agency, PageInfo
from services import catalogue, coverage
from services.catalogue import CatalogueView, ListedCard
from services.proactive.counts import Delivered
from standard import life_events
from standard.pagination import DEFAULT_FIRST, MAX_FIRST
from standard.statuses import LegalBasis, ProactiveMode

AgencyFilter = Annotated[
    str | None, strawberry.argument(description="Only this agency's cards (its code).")
]
ConnectedFilter = Annotated[
    bool | None, strawberry.argument(description="Only connected (true) or unconnected cards.")
]


class ServiceLegalBasis(Enum):
    """The legal bases a service card may name (`services.cards.CARD_BASES`)."""

    CONSENT = LegalBasis.CONSENT.value
    STATUTE = LegalBasis.STATUTE.value


graphql_enum(
    ServiceLegalBasis,
    description="What a service reads under: the citizen's consent, or the statute its card names.",
    values={
        ServiceLegalBasis.CONSENT: "The citizen's consent, asked on the consent screen.",
        ServiceLegalBasis.STATUTE: "The law its card names, for any citizen, with a case.",
    },
)


graphql_enum(
    coverage.MissingReason,
    name="MissingReason",
    description="Why a dataset a service needs is not connected.",
    values={
        coverage.MissingReason.NO_SOURCE: "A record type of the dataset has no enabled source.",
        coverage.MissingReason.UNHEALTHY: "Its source is down or its health unknown.",
        coverage.MissingReason.NOT_IN_STANDARD: "The dataset is planned, not in the standard yet.",
    },
)
graphql_enum(
    ProactiveMode,
    description="What a proactive service asks of the citizen.",
    values={
        ProactiveMode.CONFIRM: "An offer: nothing happens until the citizen or a parent confirms.",
        ProactiveMode.MAY_DECLINE: "Done unless the citizen declines.",
        ProactiveMode.NOTIFY: "Done at once; the citizen is told.",
    },
)


@strawberry.type(description="Why one dataset a service needs is not connected.")
class MissingDataset:
    dataset: str = strawberry.field(description="The dataset scope, e.g. `property.deeds`.")
    reason: coverage.MissingReason = strawberry.field(description="Why it is not connected.")
    detail: str = strawberry.field(description="Which record type or source, in plain words.")

    @classmethod
    def of(cls, gap: coverage.Missing) -> MissingDataset:
        return cls(dataset=gap.dataset, reason=gap.reason, detail=gap.detail)


@strawberry.type(description="A public service in the catalogue, and whether it is connected.")
class CatalogueCard:
    id: strawberry.ID = strawberry.field(description="The card's id, e.g. `school-enrolment`.")
    name_fa: str = strawberry.field(description="The service's name in Persian.")
    name_en: str = strawberry.field(description="The service's name in English.")
    purpose_fa: str = strawberry.field(description="Why the service reads the data, in Persian.")
    purpose_en: str = strawberry.field(description="Why the service reads the data, in English.")
    agency: Agency = strawberry.field(description="The agency that runs the service.")
    datasets: list[str] = strawberry.field(description="The dataset scopes the service needs.")
    legal_basis: ServiceLegalBasis = strawberry.field(
        description="Whether it reads under consent or by law."
    )
    statute: str | None = strawberry.field(description="The law a statutory service reads under.")
    proactive: bool = strawberry.field(
        description="Runs with no request from the citizen, on `lifeEvent`."
    )
    life_event: str | None = strawberry.field(
        description="A life event id, e.g. `birth.registered`."
    )
    proactive_mode: ProactiveMode | None = strawberry.field(
        description="What a proactive service asks of the citizen: confirm, nothing unless they "
        "decline, or only to be told."
    )
    reference_date: str | None = strawberry.field(
        description="For an age event: the Solar Hijri `MM-DD` the age is reckoned by."
    )
    enabled: bool = strawberry.field(description="Disabled cards are out of lists and coverage.")
    version: int = strawberry.field(description="The card's current version.")
    connected: bool = strawberry.field(
        description="Every dataset it needs has an enabled source that is HEALTHY or DEGRADED."
    )
    missing: list[MissingDataset] = strawberry.field(
        description="Why it is not connected, per dataset (empty when connected)."
    )

    @classmethod
    def of(cls, listed: ListedCard) -> CatalogueCard:
        card = listed.card
        name_fa, name_en = listed.agency_names
        return cls(
            id=strawberry.ID(card.id),
            name_fa=card.name_fa,
            name_en=card.name_en,
            purpose_fa=card.purpose_fa,
            purpose_en=card.purpose_en,
            agency=Agency(code=card.agency, name_fa=name_fa, name_en=name_en),
            datasets=list(card.datasets),
            legal_basis=ServiceLegalBasis(card.legal_basis),
            statute=card.statute,
            proactive=card.proactive,
            life_event=card.life_event,
            proactive_mode=ProactiveMode(card.proactive_mode) if card.proactive_mode else None,
            reference_date=card.reference_date,
            enabled=card.enabled,
            version=card.version,
            connected=not listed.missing,
            missing=[MissingDataset.of(gap) for gap in listed.missing],
        )


@strawberry.type(description="One service card and its cursor.")
class CatalogueCardEdge:
    cursor: str = strawberry.field(
        description="Opaque: pass as `after` to continue after this card."
    )
    node: CatalogueCard = strawberry.field(description="The card.")


@strawberry.type(description="Service cards, by id.")
class CatalogueCardConnection:
    total_count: int = strawberry.field(description="Cards matching the filters, on all pages.")
    edges: list[CatalogueCardEdge] = strawberry.field(description="This page's cards.")
    page_info: PageInfo = strawberry.field(description="Where the next page starts.")


@strawberry.type(description="Connected services out of all enabled services.")
class Coverage:
    connected: int = strawberry.field(description="Enabled services whose every dataset is served.")
    total: int = strawberry.field(description="Enabled services.")
    share: float = strawberry.field(description="connected / total, from 0 to 1.")

    @classmethod
    def of(cls, found: catalogue.Coverage) -> Coverage:
        return cls(connected=found.connected, total=found.total, share=found.share)


@strawberry.type(description="One agency's services and how many of them are connected.")
class AgencyCoverage:
    code: str = strawberry.field(description="The agency's code.")
    name_fa: str = strawberry.field(description="The agency's name in Persian.")
    name_en: str = strawberry.field(description="The agency's name in English.")
    connected: int = strawberry.field(description="The agency's connected services.")
    total: int = strawberry.field(description="The agency's enabled services.")
    share: float = strawberry.field(
        description="connected / total, from 0 to 1 (0 when it has none)."
    )

    @classmethod
    def of(cls, agency: catalogue.AgencyCoverage) -> AgencyCoverage:
        found = agency.coverage
        return cls(
            code=agency.code,
            name_fa=agency.name_fa,
            name_en=agency.name_en,
            connected=found.connected,
            total=found.total,
            share=found.share,
        )


@strawberry.type(description="Proactive cases of one card or agency: made, executed, confirmed.")
class DeliveryCount:
    key: str = strawberry.field(description="The card id, or the agency code.")
    created: int = strawberry.field(description="Proactive cases made.")
    executed: int = strawberry.field(description="Done with no answer needed, and not declined.")
    confirmed: int = strawberry.field(description="Offers the citizen (or a parent) confirmed.")

    @classmethod
    def of(cls, key: str, counts: Delivered) -> DeliveryCount:
        return cls(key=key, created=counts.created, executed=counts.executed,
                   confirmed=counts.confirmed)  # fmt: skip


@strawberry.type(description="What the catalogue delivers without a request.")
class CatalogueDelivery:
    created: int = strawberry.field(description="Proactive cases made.")
    executed: int = strawberry.field(description="Done with no answer needed, and not declined.")
    confirmed: int = strawberry.field(description="Offers the citizen (or a parent) confirmed.")
    without_request: Coverage = strawberry.field(
        description="Enabled services that run with no request (proactive), of all enabled ones "
        "(`connected` counts the proactive ones)."
    )
    cards: list[DeliveryCount] = strawberry.field(description="Per card with cases, by id.")
    agencies: list[DeliveryCount] = strawberry.field(description="Per agency with cases.")


@strawberry.type(description="What happened to a citizen that a proactive service runs on.")
class LifeEvent:
    id: str = strawberry.field(description="The event's id, e.g. `birth-registered`.")
    name_fa: str = strawberry.field(description="Its name in Persian.")
    name_en: str = strawberry.field(description="Its name in English.")

    @classmethod
    def of(cls, event: life_events.LifeEvent) -> LifeEvent:
        return cls(id=event.value, name_fa=event.name_fa, name_en=event.name_en)


@strawberry.type(
    description="The national window's service catalogue: every enabled service card, whether "
    "it is connected (every dataset it needs has a healthy registered source), and coverage."
)
class Catalogue:
    view: strawberry.Private[CatalogueView]

    @strawberry.field(description="Connected services out of all enabled ones.")
    def coverage(self) -> Coverage:
        return Coverage.of(self.view.coverage())

    @strawberry.field(description="Coverage per agency with services, by agency code.")
    def agencies(self) -> list[AgencyCoverage]:
        return [AgencyCoverage.of(agency) for agency in self.view.agencies()]

    @strawberry.field(
        description=f"Enabled service cards by id, {DEFAULT_FIRST} a page unless `first` says "
        f"(at most {MAX_FIRST}); `agency` and `connected` filter them."
    )
    def cards(
        self,
        agency: AgencyFilter = None,
        connected: ConnectedFilter = None,
        first: First = DEFAULT_FIRST,
        after: After = None,
    ) -> CatalogueCardConnection:
        found = card_page(self.view, agency=agency, connected=connected, first=first, after=after)
        edges = [
            CatalogueCardEdge(
                cursor=encode_cursor(card), node=CatalogueCard.of(self.view.listed(card))
            )
            for card in found.cards
        ]
        end = edges[-1].cursor if edges else None
        return CatalogueCardConnection(
            total_count=found.total_count,
            edges=edges,
            page_info=PageInfo(has_next_page=found.has_next, end_cursor=end),
        )

    @strawberry.field(description="One service card by id, disabled ones too; null if none.")
    def card(self, id: CardId) -> CatalogueCard | None:
        found = self.view.card(str(id))
        return CatalogueCard.of(self.view.listed(found)) if found else None

    @strawberry.field(
        description="Proactive service cases made, executed and confirmed, overall, per card and "
        "per agency, and the share of services that run without a request."
    )
    async def delivery(self, info: Info) -> CatalogueDelivery:
        counts = await load_delivery_counts(info.context)
        total = counts.total
        return CatalogueDelivery(
            created=total.created,
            executed=total.executed,
            confirmed=total.confirmed,
            without_request=Coverage.of(self.view.without_request()),
            cards=[DeliveryCount.of(key, found) for key, found in sorted(counts.by_card.items())],
            agencies=[
                DeliveryCount.of(key, found) for key, found in sorted(counts.by_agency.items())
            ],
        )

    @strawberry.field(description="The life events proactive services may run on.")
    def life_events(self) -> list[LifeEvent]:
        return [LifeEvent.of(event) for event in life_events.LifeEvent]
