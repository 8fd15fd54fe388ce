"""Proactive service cases as GraphQL: the responsible agency's feed, acknowledgement, close,
dead letters and webhook; its subscription over graphql-transport-ws; the citizen's cases
(`me { serviceCases }`) and their answers. Query, Mutation and Subscription take these fields
from the classes here (schema/query.py, schema/mutation.py, schema/__init__.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

import schema.catalogue  # noqa: F401  (ProactiveMode's GraphQL enum is registered there)
from resolvers import service_cases as resolve
from resolvers.service_cases import SeenCase, case_cursor, dead_cursor
from schema.arguments import After, First
from schema.standard import graphql_enum
from schema.tracker import LocalizedText, PageInfo
from services.proactive import cases as domain
from services.proactive.explain import AgencyNames, explain
from standard.pagination import DEFAULT_FIRST, MAX_FIRST
from standard.statuses import CaseRole, CaseStatus, DeliveryStatus, ProactiveMode
from store.proactive_models import AgencyWebhook, LifeEventRecord

CaseId = Annotated[strawberry.ID, strawberry.argument(description="The case's id.")]
EventId = Annotated[strawberry.ID, strawberry.argument(description="The dead life event's id.")]
Note = Annotated[str | None, strawberry.argument(description="A note with the answer.")]
StatusFilter = Annotated[
    CaseStatus | None, strawberry.argument(description="Only cases with this status.")
]
CardFilter = Annotated[str | None, strawberry.argument(description="Only this card's cases.")]
DeliveryFilter = Annotated[
    DeliveryStatus | None,
    strawberry.argument(description="Only cases whose webhook delivery has this status."),
]
WebhookUrl = Annotated[str, strawberry.argument(description="An https URL on the allow-list.")]
FeedAfter = Annotated[
    str | None, strawberry.argument(description="A case's `seq` or a feed cursor.")
]

graphql_enum(
    CaseStatus,
    name="ServiceCaseStatus",
    description="OFFERED → CONFIRMED | DECLINED; EXECUTED when no answer is needed; CLOSED once "
    "the agency has finished (a DECLINED case stays DECLINED).",
    values={
        CaseStatus.OFFERED: "Waiting for the citizen (or a parent) to confirm.",
        CaseStatus.CONFIRMED: "Confirmed by the citizen or a parent.",
        CaseStatus.DECLINED: "Declined by the citizen or a parent.",
        CaseStatus.EXECUTED: "Done with no answer needed.",
        CaseStatus.CLOSED: "Its agency has finished with it.",
    },
)
graphql_enum(
    CaseRole,
    name="ServiceCaseRole",
    description="Who a case is about, or answers for.",
    values={
        CaseRole.SUBJECT: "The citizen the case is about.",
        CaseRole.PARENT: "A parent who answers for a minor subject.",
    },
)
graphql_enum(
    DeliveryStatus,
    name="WebhookDeliveryStatus",
    description="A case's delivery to its agency's webhook: PENDING (and retried), DELIVERED, "
    "or DEAD after its retries (replay it with replayCaseDelivery).",
    values={
        DeliveryStatus.PENDING: "Not delivered yet; retried with backoff.",
        DeliveryStatus.DELIVERED: "The webhook answered 2xx.",
        DeliveryStatus.DEAD: "Given up after its retries.",
    },
)


@strawberry.type(description="A person of a case: its subject, or a parent of a minor subject.")
class ServiceCasePerson:
    national_id: str = strawberry.field(description="Their national code.")
    role: CaseRole = strawberry.field(description="SUBJECT, or PARENT of a minor subject.")


@strawberry.type(description="A proactive service case: made from a life event by a card's rule.")
class ServiceCase:
    id: strawberry.ID = strawberry.field(description="The case's id.")
    seq: str = strawberry.field(description="The case's place in its agency's feed (a cursor).")
    card_id: str = strawberry.field(description="The service card whose rule made it.")
    card_version: int = strawberry.field(description="The card's version when it was made.")
    agency: str = strawberry.field(description="Code of the agency responsible for it.")
    event_id: str = strawberry.field(description="The life event it was made from.")
    subject: str = strawberry.field(description="National code of the citizen it is about.")
    mode: ProactiveMode = strawberry.field(
        description="What the citizen is asked: confirm, may decline, or only told."
    )
    status: CaseStatus = strawberry.field(description="Where the case stands.")
    people: list[ServiceCasePerson] = strawberry.field(
        description="Its subject, and the parents of a minor subject."
    )
    records: JSON = strawberry.field(
        description="The records the engine read for it, each with its provenance."
    )
    facts: JSON = strawberry.field(description="The facts (and their agencies) that triggered it.")
    explanation: list[LocalizedText] = strawberry.field(
        description="Why the case exists, sentence by sentence, in Persian and English."
    )
    answerable: bool = strawberry.field(
        description="Whether its people may answer it now (confirm an offer, decline)."
    )
    created_at: datetime = strawberry.field(description="When it was made.")
    answered_at: datetime | None = strawberry.field(
        description="When it was confirmed or declined."
    )
    answered_by: str | None = strawberry.field(description="National code of who answered it.")
    answer_note: str | None = strawberry.field(description="What they wrote with their answer.")
    acknowledged_at: datetime | None = strawberry.field(description="When its agency took it in.")
    closed_at: datetime | None = strawberry.field(description="When its agency finished with it.")
    delivery: DeliveryStatus | None = strawberry.field(
        description="Its webhook delivery; null when the agency had no webhook."
    )

    @classmethod
    def of(
        cls, case: domain.ServiceCase | SeenCase, names: AgencyNames | None = None
    ) -> ServiceCase:
        """The case; its explanation in words from `names` (agency codes without them)."""
        found = case.case if isinstance(case, SeenCase) else case
        said = case.explained if isinstance(case, SeenCase) else explain(found.explanation, names)
        sentences = zip(said.fa, said.en, strict=True)
        return cls(
            id=strawberry.ID(found.id),
            seq=case_cursor(found),
            card_id=found.card_id,
            card_version=found.card_version,
            agency=found.agency,
            event_id=found.event_id,
            subject=found.subject,
            mode=found.mode,
            status=found.status,
            people=[
                ServiceCasePerson(national_id=p.national_id, role=p.role) for p in found.people
            ],
            records=JSON(found.data.get("records", [])),
            facts=JSON(found.explanation.get("facts", [])),
            explanation=[LocalizedText(fa=fa, en=en) for fa, en in sentences],
            answerable=found.answerable,
            created_at=found.created_at,
            answered_at=found.answered_at,
            answered_by=found.answered_by,
            answer_note=found.answer_note,
            acknowledged_at=found.acknowledged_at,
            closed_at=found.closed_at,
            delivery=found.delivery,
        )


@strawberry.type(description="One case and its cursor.")
class ServiceCaseEdge:
    cursor: str = strawberry.field(
        description="Opaque: pass as `after` to continue after this case."
    )
    node: ServiceCase = strawberry.field(description="The case.")


@strawberry.type(description="An agency's cases in the order they were made.")
class ServiceCaseConnection:
    edges: list[ServiceCaseEdge] = strawberry.field(description="This page's cases, oldest first.")
    page_info: PageInfo = strawberry.field(description="Where the next page starts.")

    @classmethod
    def of(cls, page: domain.CasePage, names: AgencyNames) -> ServiceCaseConnection:
        edges = [
            ServiceCaseEdge(cursor=case_cursor(c), node=ServiceCase.of(c, names))
            for c in page.cases
        ]
        end = edges[-1].cursor if edges else None
        return cls(edges=edges, page_info=PageInfo(has_next_page=page.has_next, end_cursor=end))


@strawberry.type(description="A life event given up after its retries; its agency may replay it.")
class DeadLetter:
    id: strawberry.ID = strawberry.field(
        description="The life event's id (what `replayLifeEvent` takes)."
    )
    kind: str = strawberry.field(description="The event's kind, e.g. `birth.registered`.")
    agency: str = strawberry.field(description="The agency that reported it (or the registry).")
    source_event_id: str = strawberry.field(description="The reporting agency's id of the event.")
    national_id: str = strawberry.field(description="Whose life event.")
    occurred_at: datetime = strawberry.field(description="When it happened, as reported.")
    attempts: int = strawberry.field(description="How many times the engine tried it.")
    last_error: str | None = strawberry.field(description="Why the last try failed.")

    @classmethod
    def of(cls, row: LifeEventRecord) -> DeadLetter:
        return cls(
            id=strawberry.ID(row.id), kind=row.kind, agency=row.agency_code,
            source_event_id=row.source_event_id, national_id=row.national_id,
            occurred_at=row.occurred_at, attempts=row.attempts, last_error=row.last_error,
        )  # fmt: skip


@strawberry.type(description="One dead life event and its cursor.")
class DeadLetterEdge:
    cursor: str = strawberry.field(
        description="Opaque: pass as `after` to continue after this event."
    )
    node: DeadLetter = strawberry.field(description="The dead life event.")


@strawberry.type(description="Dead life events, oldest first.")
class DeadLetterConnection:
    edges: list[DeadLetterEdge] = strawberry.field(description="This page's dead life events.")
    page_info: PageInfo = strawberry.field(description="Where the next page starts.")


@strawberry.type(
    description="Where an agency receives its new cases, signed per Standard Webhooks."
)
class AgencyWebhookType:
    url: str = strawberry.field(description="Where new cases are posted.")
    enabled: bool = strawberry.field(description="Whether cases are delivered there.")
    updated_at: datetime = strawberry.field(description="When it was last set.")

    @classmethod
    def of(cls, row: AgencyWebhook) -> AgencyWebhookType:
        return cls(url=row.url, enabled=row.enabled, updated_at=row.updated_at)


@strawberry.type(description="A webhook just set, with its signing secret (shown only now).")
class RegisteredWebhook:
    webhook: AgencyWebhookType = strawberry.field(description="The webhook as set.")
    secret: str = strawberry.field(
        description="`whsec_…`: verify each delivery's webhook-signature with it."
    )


@strawberry.type(name="CaseDelivery", description="A case's webhook delivery.")
class CaseDeliveryType:
    case_id: str = strawberry.field(description="The case.")
    status: DeliveryStatus = strawberry.field(description="PENDING, DELIVERED or DEAD.")
    attempts: int = strawberry.field(description="How many times it was sent.")


@strawberry.type
class ServiceCaseQuery:
    @strawberry.field(
        description=f"Your agency's service cases in the order they were made (agency admins), "
        f"{DEFAULT_FIRST} a page unless `first` says (at most {MAX_FIRST})."
    )
    async def agency_service_cases(
        self,
        info: Info,
        status: StatusFilter = None,
        card_id: CardFilter = None,
        after: After = None,
        first: First = DEFAULT_FIRST,
        delivery: DeliveryFilter = None,
    ) -> ServiceCaseConnection | None:
        page = await resolve.agency_cases(
            info.context, status=status, card_id=card_id, after=after, first=first,
            delivery=delivery,
        )  # fmt: skip
        return ServiceCaseConnection.of(page, await resolve.agency_names(info.context))

    @strawberry.field(
        description="Life events of your agency that failed every retry (agency admins)."
    )
    async def agency_dead_letters(
        self, info: Info, first: First = DEFAULT_FIRST, after: After = None
    ) -> DeadLetterConnection | None:
        page = await resolve.dead_letters(info.context, first=first, after=after)
        edges = [DeadLetterEdge(cursor=dead_cursor(e), node=DeadLetter.of(e)) for e in page.events]
        end = edges[-1].cursor if edges else None
        info_ = PageInfo(has_next_page=page.has_next, end_cursor=end)
        return DeadLetterConnection(edges=edges, page_info=info_)


@strawberry.type
class ServiceCaseMutation:
    @strawberry.mutation(description="Your agency has taken the case in (agency admins).")
    async def acknowledge_service_case(self, info: Info, id: CaseId) -> ServiceCase | None:
        case = await resolve.acknowledge_case(info.context, str(id))
        return ServiceCase.of(case, await resolve.agency_names(info.context))

    @strawberry.mutation(description="Your agency is done with the case (agency admins).")
    async def close_service_case(self, info: Info, id: CaseId) -> ServiceCase | None:
        case = await resolve.close_case(info.context, str(id))
        return ServiceCase.of(case, await resolve.agency_names(info.context))

    @strawberry.mutation(
        description="Confirm an offer made to you or your minor child (CONFIRM cards only)."
    )
    async def confirm_service_case(
        self, info: Info, id: CaseId, note: Note = None
    ) -> ServiceCase | None:
        seen = await resolve.answer_case(info.context, str(id), confirm=True, note=note)
        return ServiceCase.of(seen)

    @strawberry.mutation(
        description="Decline an offer, or a service done unless declined (MAY_DECLINE cards)."
    )
    async def decline_service_case(
        self, info: Info, id: CaseId, note: Note = None
    ) -> ServiceCase | None:
        seen = await resolve.answer_case(info.context, str(id), confirm=False, note=note)
        return ServiceCase.of(seen)

    @strawberry.mutation(description="Put a dead life event of your agency back in the outbox.")
    async def replay_life_event(self, info: Info, id: EventId) -> DeadLetter | None:
        return DeadLetter.of(await resolve.replay_dead_letter(info.context, str(id)))

    @strawberry.mutation(description="Send a case's dead webhook delivery again (agency admins).")
    async def replay_case_delivery(self, info: Info, case_id: CaseId) -> CaseDeliveryType | None:
        row = await resolve.replay_delivery(info.context, str(case_id))
        status = DeliveryStatus(row.status)
        return CaseDeliveryType(case_id=row.case_id, status=status, attempts=row.attempts)

    @strawberry.mutation(
        description="Receive your agency's new cases at `url` (on the webhook allow-list). A new "
        "signing secret each time, shown only in this answer."
    )
    async def set_agency_webhook(self, info: Info, url: WebhookUrl) -> RegisteredWebhook | None:
        row, secret = await resolve.set_webhook(info.context, url)
        return RegisteredWebhook(webhook=AgencyWebhookType.of(row), secret=secret)

    @strawberry.mutation(description="Stop delivering to your agency's webhook.")
    async def disable_agency_webhook(self, info: Info) -> AgencyWebhookType | None:
        return AgencyWebhookType.of(await resolve.disable_webhook(info.context))


@strawberry.type(description="Live feeds over graphql-transport-ws.")
class Subscription:
    @strawberry.subscription(
        description="Your agency's new service cases as they are made (agency admins), after "
        "`after` (a case's `seq` or a feed cursor); over graphql-transport-ws, the token in "
        'connection_init\'s payload: {"Authorization": "Bearer …"}.'
    )
    async def service_cases(
        self, info: Info, after: FeedAfter = None
    ) -> AsyncIterator[ServiceCase]:
        names = await resolve.agency_names(info.context)
        async for case in resolve.case_stream(info.context, after):
            yield ServiceCase.of(case, names)
