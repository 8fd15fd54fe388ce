"""Proactive service cases for the people who may see them: the responsible agency's admin
(its feed, acknowledging and closing, its dead letters and webhook), and the citizen and parents
a case names (their cases, confirming or declining where the card allows).

Another agency's case, or a case the citizen is not a person of, is answered as an unknown id.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select

from auth.core.principal import Basis
from resolvers.agency import require_agency_admin, require_agency_changer
from resolvers.context import RequestContext
from services.proactive import cases, delivery, webhooks
from services.proactive.cases import CasePage, DeadLetterPage, ServiceCase
from services.proactive.explain import AgencyNames, Explained, explain
from standard import pagination
from standard.errors import DarvazehError, ErrorCode
from standard.pagination import MAX_FIRST
from standard.statuses import CaseStatus, DeliveryStatus
from store.db import transaction
from store.models import Agency
from store.proactive_models import AgencyWebhook, CaseDelivery, LifeEventRecord

CASE_CURSOR = "s1"  # s1.<seq>: a case feed's position
DEAD_CURSOR = "d1"  # d1.<event id>


def case_cursor(case: ServiceCase) -> str:
    return pagination.encode_cursor(CASE_CURSOR, str(case.seq))


def seq_of(cursor: str | None) -> int | None:
    """The seq an agency feed's cursor names; BAD_USER_INPUT for anything else."""
    if cursor is None:
        return None
    position = pagination.decode_cursor(CASE_CURSOR, cursor)
    if not position.isdigit() or len(position) > 19:
        raise pagination.BadCursor()
    return int(position)


def _agency(context: RequestContext) -> str:
    return require_agency_admin(context).agency


def _changing(context: RequestContext) -> str:
    """The agency of an admin who may change its cases (a console VIEWER may not)."""
    return require_agency_changer(context).agency


def _citizen(context: RequestContext) -> str:
    """The citizen acting for themselves (portal session or citizen token)."""
    principal = context.require_principal()
    if principal.basis is not Basis.CITIZEN or principal.citizen is None:
        message = "only the citizen themselves (or a parent) sees and answers their cases"
        raise DarvazehError(message, code=ErrorCode.FORBIDDEN)
    return principal.citizen


async def agency_cases(
    context: RequestContext,
    *,
    status: CaseStatus | None,
    card_id: str | None,
    after: str | None,
    first: int,
    delivery: DeliveryStatus | None = None,
    newest_first: bool = False,
) -> CasePage:
    agency = _agency(context)
    position = seq_of(after)
    async with context.sessions() as session:
        return await cases.agency_feed(
            session, agency, status=status, card_id=card_id, delivery=delivery, after=position,
            first=first, newest_first=newest_first,
        )  # fmt: skip


async def agency_case(context: RequestContext, case_id: str) -> ServiceCase:
    """One of the agency's cases; NOT_FOUND for any other id."""
    agency = _agency(context)
    async with context.sessions() as session:
        return await cases.agency_case(session, agency, case_id)


async def acknowledge_case(context: RequestContext, case_id: str) -> ServiceCase:
    agency = _changing(context)
    async with transaction(context.sessions) as session:
        return await cases.acknowledge(session, agency, case_id, datetime.now(UTC))


async def close_case(context: RequestContext, case_id: str) -> ServiceCase:
    agency = _changing(context)
    async with transaction(context.sessions) as session:
        return await cases.close(session, agency, case_id, datetime.now(UTC))


async def case_stream(context: RequestContext, after: str | None) -> AsyncIterator[ServiceCase]:
    """The agency's new cases as they are made (by any worker): the store is looked at every
    poll interval for cases after the last one sent, so none is missed or sent twice; `after`
    resumes from a cursor (from the start of the feed without one)."""
    agency = _agency(context)
    position = seq_of(after)
    expires_at = context.principal.expires_at if context.principal else None
    while True:
        _still_valid(expires_at)
        async with context.sessions() as session:
            page = await cases.agency_feed(session, agency, after=position, first=MAX_FIRST)
        for case in page.cases:
            position = case.seq
            yield case
        if not page.has_next:
            wait = context.subscription_poll_interval
            if expires_at is not None:
                wait = max(0.0, min(wait, expires_at - time.time()))
            await asyncio.sleep(wait)


def _still_valid(expires_at: float | None) -> None:
    """A feed lives no longer than the token that opened it: past its expiry the subscription
    ends with UNAUTHENTICATED, and the agency reconnects with a fresh token and its cursor."""
    if expires_at is not None and time.time() >= expires_at:
        raise DarvazehError(
            "the access token expired: reconnect with a fresh token and the last cursor",
            code=ErrorCode.UNAUTHENTICATED,
        )


async def dead_letters(context: RequestContext, *, first: int, after: str | None) -> DeadLetterPage:
    agency = _agency(context)
    position = pagination.decode_cursor(DEAD_CURSOR, after) if after is not None else None
    async with context.sessions() as session:
        return await cases.dead_letters(session, agency, first=first, after=position)


def dead_cursor(event: LifeEventRecord) -> str:
    return pagination.encode_cursor(DEAD_CURSOR, event.id)


async def dead_letter(context: RequestContext, event_id: str) -> LifeEventRecord:
    """One of the agency's dead letters; NOT_FOUND for any other id."""
    agency = _agency(context)
    async with context.sessions() as session:
        return await cases.dead_letter(session, agency, event_id)


async def replay_dead_letter(context: RequestContext, event_id: str) -> LifeEventRecord:
    agency = _changing(context)
    async with transaction(context.sessions) as session:
        return await cases.replay_dead_letter(session, agency, event_id, datetime.now(UTC))


async def replay_delivery(context: RequestContext, case_id: str) -> CaseDelivery:
    agency = _changing(context)
    async with transaction(context.sessions) as session:
        return await delivery.replay_delivery(session, agency, case_id, datetime.now(UTC))


async def set_webhook(context: RequestContext, url: str) -> tuple[AgencyWebhook, str]:
    principal = require_agency_changer(context)
    if context.secret_box is None or context.webhooks is None:
        raise DarvazehError("webhooks are not configured on this gateway")
    async with transaction(context.sessions) as session:
        return await webhooks.set_webhook(
            session, context.secret_box, context.webhooks, agency=principal.agency, url=url,
            by=principal.client_id, now=datetime.now(UTC),
        )  # fmt: skip


async def disable_webhook(context: RequestContext) -> AgencyWebhook:
    principal = require_agency_changer(context)
    async with transaction(context.sessions) as session:
        return await webhooks.disable_webhook(
            session, agency=principal.agency, by=principal.client_id, now=datetime.now(UTC)
        )


async def agency_names(context: RequestContext) -> AgencyNames:
    async with context.sessions() as session:
        rows = await session.execute(select(Agency.code, Agency.name_fa, Agency.name_en))
    return {code: (fa, en) for code, fa, en in rows}


@dataclass(frozen=True, slots=True)
class SeenCase:
    """A case as its people see it: the case and why it exists, in words."""

    case: ServiceCase
    explained: Explained


async def my_cases(context: RequestContext, national_id: str) -> list[SeenCase]:
    """`me { serviceCases }`: the citizen's cases and their minor children's, newest first."""
    citizen = _citizen(context)
    if national_id != citizen:
        raise DarvazehError("a citizen sees only their own cases", code=ErrorCode.FORBIDDEN)
    names = await agency_names(context)
    async with context.sessions() as session:
        found = await cases.person_cases(session, citizen)
    return [SeenCase(case, explain(case.explanation, names)) for case in found]


async def answer_case(
    context: RequestContext, case_id: str, *, confirm: bool, note: str | None
) -> SeenCase:
    citizen = _citizen(context)
    async with transaction(context.sessions) as session:
        case = await cases.answer(
            session, citizen, case_id, confirm=confirm, note=note, now=datetime.now(UTC)
        )
    return SeenCase(case, explain(case.explanation, await agency_names(context)))
