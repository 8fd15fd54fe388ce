"""Reporting life events as GraphQL: what the owning agency's client sends, and what the gateway
recorded (services.proactive.intake; docs/proactive.md "Reporting life events")."""

from __future__ import annotations

from datetime import datetime

import strawberry

from services.proactive.intake import LifeEventReport, Reported
from standard.life_events import REPORTED_EVENTS

_KINDS = ", ".join(f"`{kind.value}`" for kind in REPORTED_EVENTS)


@strawberry.input(description="A life event the reporting agency owns, with its own event id.")
class LifeEventInput:
    kind: str = strawberry.field(description=f"What happened: {_KINDS}.")
    national_id: str = strawberry.field(description="Whose life it is: the national code.")
    event_id: str = strawberry.field(
        description="The agency's own id of the event (1 to 128 of letters, digits and `._:/-`): "
        "sending it again records nothing new."
    )
    occurred_at: str = strawberry.field(
        description="When it happened: ISO 8601 with its offset, e.g. `2025-03-01T08:30:00+03:30`."
    )

    def report(self) -> LifeEventReport:
        return LifeEventReport(self.kind, self.national_id, self.event_id, self.occurred_at)


@strawberry.type(description="A life event as the gateway recorded it, in its outbox.")
class LifeEventReceipt:
    id: strawberry.ID = strawberry.field(description="The gateway's id of the event.")
    kind: str = strawberry.field(description="The event's kind, e.g. `birth.registered`.")
    national_id: str = strawberry.field(description="Whose life event: a national code.")
    event_id: str = strawberry.field(description="The agency's id of the event, as sent.")
    occurred_at: datetime = strawberry.field(description="When it happened, as reported.")
    status: str = strawberry.field(
        description="Its place in the outbox: PENDING, PROCESSING, DONE or DEAD."
    )
    duplicate: bool = strawberry.field(
        description="True when this event had been reported before: nothing new was recorded."
    )

    @classmethod
    def of(cls, reported: Reported) -> LifeEventReceipt:
        return cls(
            id=strawberry.ID(reported.id),
            kind=reported.kind.value,
            national_id=reported.national_id,
            event_id=reported.event_id,
            occurred_at=reported.occurred_at,
            status=reported.status.value,
            duplicate=not reported.created,
        )
