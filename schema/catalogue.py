"""The service catalogue as GraphQL: `catalogue { coverage agencies cards card lifeEvents }`.

Public: the national window shows the catalogue to everyone, so it needs no token and reads no
citizen's data.
"""

from __future__ import annotations

import strawberry

from resolvers.catalogue import (
    DEFAULT_FIRST,
    MAX_FIRST,
    agency_coverage,
    card_connection,
    catalogue_card,
    coverage_of,
    life_events,
)
from schema.tracker import Agency, PageInfo
from services import cards, coverage
from services.catalogue import CatalogueView

ServiceLegalBasis = strawberry.enum(
    cards.LegalBasis,
    name="ServiceLegalBasis",
    description="What a service reads under: the citizen's consent, or the statute its card names.",
)
MissingReason = strawberry.enum(
    coverage.MissingReason,
    name="MissingReason",
    description="NO_SOURCE: a record type of the dataset has no enabled source. UNHEALTHY: its "
    "source is down or its health unknown. NOT_IN_STANDARD: a planned dataset.",
)


@strawberry.type(description="Why one dataset a service needs is not connected.")
class MissingDataset:
    dataset: str
    reason: MissingReason
    detail: str = strawberry.field(description="Which record type or source, in plain words.")


@strawberry.type(description="A public service in the catalogue, and whether it is connected.")
class CatalogueCard:
    id: strawberry.ID
    name_fa: str
    name_en: str
    purpose_fa: str
    purpose_en: str
    agency: Agency
    datasets: list[str]
    legal_basis: ServiceLegalBasis
    statute: str | None = strawberry.field(description="The law a statutory service reads under.")
    proactive: bool = strawberry.field(
        description="Runs with no request from the citizen, on `lifeEvent`."
    )
    life_event: str | None = strawberry.field(
        description="A life event id, e.g. `birth.registered`."
    )
    enabled: bool = strawberry.field(description="Disabled cards are out of lists and coverage.")
    version: int
    connected: bool = strawberry.field(
        description="Every dataset it needs has an enabled source that is HEALTHY or DEGRADED."
    )
    missing: list[MissingDataset] = strawberry.field(
        description="Why it is not connected, per dataset (empty when connected)."
    )


@strawberry.type
class CatalogueCardEdge:
    cursor: str
    node: CatalogueCard


@strawberry.type(description="Service cards, by id.")
class CatalogueCardConnection:
    total_count: int = strawberry.field(description="Cards matching the filters, on all pages.")
    edges: list[CatalogueCardEdge]
    page_info: PageInfo


@strawberry.type(description="Connected services out of all enabled services.")
class Coverage:
    connected: int
    total: int
    share: float = strawberry.field(description="connected / total, from 0 to 1.")


@strawberry.type(description="One agency's services and how many of them are connected.")
class AgencyCoverage:
    code: str
    name_fa: str
    name_en: str
    connected: int
    total: int
    share: float


@strawberry.type(description="What happened to a citizen that a proactive service runs on.")
class LifeEvent:
    id: str
    name_fa: str
    name_en: str


@strawberry.type(
    description="The national window's service catalogue: every enabled service card, whether "
    "it is connected (every dataset it needs has a healthy registered source), and coverage."
)
class Catalogue:
    view: strawberry.Private[CatalogueView]

    @strawberry.field(description="Connected services out of all enabled ones.")
    def coverage(self) -> Coverage:
        return coverage_of(self.view)  # type: ignore[no-any-return]

    @strawberry.field(description="Coverage per agency with services, by agency code.")
    def agencies(self) -> list[AgencyCoverage]:
        return agency_coverage(self.view)  # type: ignore[no-any-return]

    @strawberry.field(
        description=f"Enabled service cards by id, {DEFAULT_FIRST} a page unless `first` says "
        f"(at most {MAX_FIRST}); `agency` and `connected` filter them."
    )
    def cards(
        self,
        agency: str | None = None,
        connected: bool | None = None,
        first: int = DEFAULT_FIRST,
        after: str | None = None,
    ) -> CatalogueCardConnection:
        return card_connection(  # type: ignore[no-any-return]
            self.view, agency=agency, connected=connected, first=first, after=after
        )

    @strawberry.field(description="One service card by id, disabled ones too; null if none.")
    def card(self, id: strawberry.ID) -> CatalogueCard | None:
        found = self.view.card(str(id))
        return catalogue_card(self.view, found) if found else None

    @strawberry.field(description="The life events proactive services may run on.")
    def life_events(self) -> list[LifeEvent]:
        return life_events()  # type: ignore[no-any-return]
