"""The Mutation root."""

from __future__ import annotations

from typing import Annotated

import strawberry
from strawberry.types import Info

from resolvers import data_sources, persisted_queries, service_clients
from resolvers.cards import register_card, restore_card, set_card_enabled
from resolvers.consents import narrow, revoke
from resolvers.life_events import report_life_event
from schema.agency import (
    DataSourceChanges,
    DataSourceInput,
    DataSourceRegistration,
    DataSourceTest,
    RegisteredServiceClient,
    ServiceClient,
    ServiceClientInput,
)
from schema.arguments import CardId, ClientId, Replaces, SourceId, Version
from schema.cards import ServiceCardInput
from schema.catalogue import CatalogueCard
from schema.consents import Consent
from schema.life_events import LifeEventInput, LifeEventReceipt
from schema.limits import limits_of
from schema.safelists import PersistedQueryDocument
from schema.service_cases import ServiceCaseMutation
from schema.staff import StaffMutation
from store.registrations import Action

ConsentId = Annotated[strawberry.ID, strawberry.argument(description="The consent's id.")]
KeptDatasets = Annotated[
    list[str],
    strawberry.argument(
        description='The datasets the consent keeps, e.g. `["civil.identity"]`: some of those '
        "it allows now, at least one."
    ),
]
SourceInputArg = Annotated[
    DataSourceInput, strawberry.argument(description="The source and its mapping.")
]
ChangesArg = Annotated[
    DataSourceChanges, strawberry.argument(description="What to change; the rest is kept.")
]
ClientInputArg = Annotated[
    ServiceClientInput, strawberry.argument(description="The client to register.")
]
CardInputArg = Annotated[
    ServiceCardInput, strawberry.argument(description="The card, new or a new version.")
]
DocumentArg = Annotated[str, strawberry.argument(description="The GraphQL document.")]
NameArg = Annotated[
    str | None,
    strawberry.argument(description="The operation's name, if the document has several."),
]
EventInputArg = Annotated[LifeEventInput, strawberry.argument(description="The event.")]
HashArg = Annotated[str, strawberry.argument(description="The document's SHA-256, in hex.")]


@strawberry.type(description="Changes: consents, registrations, clients, safelists, cases, staff.")
class Mutation(StaffMutation, ServiceCaseMutation):
    @strawberry.mutation(
        description="Revoke one of your consents: its tokens stop on their very next request."
    )
    async def revoke_consent(self, info: Info, id: ConsentId) -> Consent | None:
        return Consent.of(await revoke(info.context, str(id)))

    @strawberry.mutation(
        description="Narrow one of your active consents: it keeps only `datasets`, and its "
        "tokens read nothing else from their very next request. A consent is never widened "
        "(a dataset it does not allow now is refused, BAD_USER_INPUT with reason "
        "`bad_datasets`), and keeps at least one dataset (`no_datasets`: revoke it instead)."
    )
    async def narrow_consent(
        self, info: Info, id: ConsentId, datasets: KeptDatasets
    ) -> Consent | None:
        return Consent.of(await narrow(info.context, str(id), datasets))

    @strawberry.mutation(
        description="Register one of your agency's data sources, or a new version of it. It is "
        "held to the connection policy, validated and probed first; a refused one changes "
        "nothing (REGISTRATION_REFUSED names why). Taking over a record type another of your "
        "sources serves needs `replaces`."
    )
    async def register_data_source(
        self, info: Info, input: SourceInputArg
    ) -> DataSourceRegistration:
        row = await data_sources.register(info.context, input.registration())
        return DataSourceRegistration.of(row)

    @strawberry.mutation(
        description="Change parts of a registered source (the connection is kept unless given)."
    )
    async def update_data_source(
        self, info: Info, id: SourceId, changes: ChangesArg
    ) -> DataSourceRegistration:
        row = await data_sources.update(info.context, str(id), changes.changes())
        return DataSourceRegistration.of(row)

    @strawberry.mutation(description="Check a registration without storing it: every problem.")
    async def test_data_source(self, info: Info, input: SourceInputArg) -> DataSourceTest:
        return DataSourceTest.of(await data_sources.test(info.context, input.registration()))

    @strawberry.mutation(description="Stop serving a source (on every worker within seconds).")
    async def disable_data_source(self, info: Info, id: SourceId) -> DataSourceRegistration:
        return DataSourceRegistration.of(await data_sources.disable(info.context, str(id)))

    @strawberry.mutation(
        description="Serve a disabled source again, checked and probed anew (`replaces` when "
        "another of your sources serves its record type now)."
    )
    async def enable_data_source(
        self, info: Info, id: SourceId, replaces: Replaces = None
    ) -> DataSourceRegistration:
        changes = {"replaces": str(replaces) if replaces is not None else None}
        row = await data_sources.update(info.context, str(id), changes, action=Action.ENABLED)
        return DataSourceRegistration.of(row)

    @strawberry.mutation(
        description="Go back to an earlier version, checked and probed anew (`replaces` when "
        "another of your sources serves its record type now)."
    )
    async def restore_data_source(
        self,
        info: Info,
        id: SourceId,
        version: Version,
        replaces: Replaces = None,
    ) -> DataSourceRegistration:
        taking_over = str(replaces) if replaces is not None else None
        row = await data_sources.restore(info.context, str(id), version, taking_over)
        return DataSourceRegistration.of(row)

    @strawberry.mutation(
        description="Register an OAuth client for one of your agency's service cards; it may "
        "ask only for the card's datasets. The secret is shown once."
    )
    async def register_service_client(
        self, info: Info, input: ClientInputArg
    ) -> RegisteredServiceClient:
        ceiling = limits_of(info).cost_ceiling
        row, secret = await service_clients.register(
            info.context, input.spec(), cost_ceiling=ceiling
        )
        return RegisteredServiceClient(client=ServiceClient.of(row), client_secret=secret)

    @strawberry.mutation(
        description="Put a document on one of your service clients' safelist (agency admins): "
        "in production the client may then run it by its SHA-256. It is checked against the "
        "schema first; registering it again changes nothing."
    )
    async def register_persisted_query(
        self, info: Info, client_id: ClientId, document: DocumentArg, name: NameArg = None
    ) -> PersistedQueryDocument:
        schema = info.schema._schema  # the graphql-core schema, to validate the document
        row = await persisted_queries.register(info.context, schema, client_id, document, name)
        return PersistedQueryDocument.of(row)

    @strawberry.mutation(
        description="Take a document off one of your service clients' safelist (agency admins); "
        "every worker stops answering it within seconds."
    )
    async def remove_persisted_query(
        self, info: Info, client_id: ClientId, sha256: HashArg
    ) -> bool:
        return await persisted_queries.remove_document(info.context, client_id, sha256)

    @strawberry.mutation(description="Stop a service client from getting new tokens.")
    async def disable_service_client(self, info: Info, client_id: ClientId) -> ServiceClient:
        return ServiceClient.of(await service_clients.disable(info.context, client_id))

    @strawberry.mutation(
        description="Register a service card of your agency, or update it (agency admins). "
        "Every problem is named at once; a refused card changes nothing."
    )
    async def register_service_card(self, info: Info, input: CardInputArg) -> CatalogueCard | None:
        return CatalogueCard.of(await register_card(info.context, input))

    @strawberry.mutation(
        description="Take one of your agency's cards out of the catalogue (agency admins)."
    )
    async def disable_service_card(self, info: Info, id: CardId) -> CatalogueCard | None:
        return CatalogueCard.of(await set_card_enabled(info.context, str(id), False))

    @strawberry.mutation(description="Put one of your agency's cards back (agency admins).")
    async def enable_service_card(self, info: Info, id: CardId) -> CatalogueCard | None:
        return CatalogueCard.of(await set_card_enabled(info.context, str(id), True))

    @strawberry.mutation(
        description="Make one of your agency's cards what it was at `version`, as a new version "
        "(agency admins)."
    )
    async def restore_service_card(
        self, info: Info, id: CardId, version: Version
    ) -> CatalogueCard | None:
        return CatalogueCard.of(await restore_card(info.context, str(id), version))

    @strawberry.mutation(
        description="Report a life event your agency owns (`birth.registered`, "
        "`death.registered`), with a client whose card lists `life_events.report`. It is "
        "recorded before this answers; the same event id again records nothing new."
    )
    async def report_life_event(self, info: Info, input: EventInputArg) -> LifeEventReceipt:
        return LifeEventReceipt.of(await report_life_event(info.context, input.report()))
