"""The console's proactive cases: the agency's cases, newest first, filtered by status, card and
webhook delivery a page at a time; its dead letters (life events given up after their retries);
and replaying a dead letter or a failed webhook delivery. The reads and the replays are the
resolvers the GraphQL API's agencyServiceCases, agencyDeadLetters, replayLifeEvent and
replayCaseDelivery call (a VIEWER's replay is refused there as well as here). A replay is asked
for on its own page first, and its result shown on the list after the redirect (a cookie of a
minute says what was replayed, and the list says it once).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from starlette.datastructures import QueryParams
from starlette.requests import Request
from starlette.responses import Response

from auth.accounts.staff import StaffMember
from resolvers import service_cases
from resolvers.cards import agency_cards
from services.proactive.cases import ServiceCase
from standard.errors import DarvazehError, ErrorCode
from standard.life_events import life_event
from standard.national_id import masked
from standard.pagination import MAX_CURSOR_CHARS
from standard.statuses import CaseStatus, DeliveryStatus
from store.models import ServiceCard
from store.proactive_models import LifeEventRecord
from web.browser import secure_cookies
from web.console_auth import PREFIX, page, staff_context
from web.i18n import choose
from web.render import error_page, see_other

CASES = f"{PREFIX}/cases"
DEAD_LETTERS = f"{PREFIX}/dead-letters"
DELIVERIES = f"{PREFIX}/deliveries"
PAGE_SIZE = 25
DONE_COOKIE = "darvazeh_console_replayed"  # what the last replay did, until the list shows it
MAX_ID = 64
# The list's filters and positions, each with what it may hold (anything else is refused).
STATUSES = tuple(CaseStatus)
DELIVERY_STATUSES = tuple(DeliveryStatus)


@dataclass(frozen=True, slots=True)
class Filters:
    status: CaseStatus | None = None
    card: str | None = None
    delivery: DeliveryStatus | None = None
    after: str | None = None  # a cursor of the case list
    dead_after: str | None = None  # a cursor of the dead letters

    def url(self, **changes: Any) -> str:
        """This list with `changes` (None drops a parameter)."""
        changed = replace(self, **changes)
        params = {
            "status": changed.status.value if changed.status else None,
            "card": changed.card,
            "delivery": changed.delivery.value if changed.delivery else None,
            "after": changed.after,
            "dead_after": changed.dead_after,
        }
        query = urlencode({name: value for name, value in params.items() if value})
        return f"{CASES}?{query}" if query else CASES


def read_filters(params: QueryParams, card_ids: set[str]) -> Filters | None:
    """The filters asked for; None when one is not a value the list offers (or a position is
    longer than any it hands out)."""
    status, card = params.get("status", ""), params.get("card", "")
    delivery = params.get("delivery", "")
    after, dead_after = params.get("after", ""), params.get("dead_after", "")
    if (
        status not in ("", *STATUSES)
        or delivery not in ("", *DELIVERY_STATUSES)
        or (card and card not in card_ids)
        or len(after) > MAX_CURSOR_CHARS
        or len(dead_after) > MAX_CURSOR_CHARS
    ):
        return None
    return Filters(
        status=CaseStatus(status) if status else None,
        card=card or None,
        delivery=DeliveryStatus(delivery) if delivery else None,
        after=after or None,
        dead_after=dead_after or None,
    )


def _card_name(card: ServiceCard | None, case: ServiceCase, lang: str) -> str:
    if card is not None:
        return card.name_fa if lang == "fa" else card.name_en
    told = case.explanation.get("card")
    name = told.get("nameFa" if lang == "fa" else "nameEn") if isinstance(told, dict) else None
    return name if isinstance(name, str) and name else case.card_id


def _row(case: ServiceCase, cards: dict[str, ServiceCard], lang: str) -> dict[str, Any]:
    return {
        "id": case.id,
        "card_id": case.card_id,
        "card": _card_name(cards.get(case.card_id), case, lang),
        "subject": masked(case.subject),
        "status": case.status.value,
        "mode": case.mode.value,
        "created_at": case.created_at,
        "answered_at": case.answered_at,
        "acknowledged_at": case.acknowledged_at,
        "closed_at": case.closed_at,
        "delivery": case.delivery.value if case.delivery else None,
    }


def _dead_row(event: LifeEventRecord, lang: str) -> dict[str, Any]:
    known = life_event(event.kind)
    return {
        "id": event.id,
        "kind": event.kind,
        "kind_name": (known.name_fa if lang == "fa" else known.name_en) if known else None,
        "agency": event.agency_code,
        "subject": masked(event.national_id),
        "occurred_at": event.occurred_at,
        "attempts": event.attempts,
        "last_error": event.last_error,
    }


def _bad_filter(request: Request) -> Response:
    # The language link does not carry what was refused along.
    return error_page(request, 400, "console_bad_filter_title", "console_bad_filter",
                      switch_params={})  # fmt: skip


def _replayed(request: Request) -> tuple[str, str] | None:
    """What the last replay did, from the cookie its answer set (`event:<id>`, `delivery:<id>`):
    only this gateway sets it, so a link cannot make the page claim a replay."""
    what, _, replayed_id = request.cookies.get(DONE_COOKIE, "")[: MAX_ID + 10].partition(":")
    if what in ("event", "delivery") and 0 < len(replayed_id) <= MAX_ID:
        return what, replayed_id
    return None


async def cases_page(request: Request, member: StaffMember) -> Response:
    context = staff_context(request, member)
    cards = {card.id: card for card in await agency_cards(context)}
    filters = read_filters(request.query_params, set(cards))
    if filters is None:
        return _bad_filter(request)
    try:
        found = await service_cases.agency_cases(
            context, status=filters.status, card_id=filters.card, delivery=filters.delivery,
            after=filters.after, first=PAGE_SIZE, newest_first=True,
        )  # fmt: skip
        dead = await service_cases.dead_letters(context, first=PAGE_SIZE, after=filters.dead_after)
    except DarvazehError as error:  # a position this list did not hand out
        if error.code is ErrorCode.BAD_USER_INPUT:
            return _bad_filter(request)
        raise
    lang, _ = choose(request)
    next_cases = (
        filters.url(after=service_cases.case_cursor(found.cases[-1])) if found.has_next else None
    )
    next_dead = (
        filters.url(dead_after=service_cases.dead_cursor(dead.events[-1]))
        if dead.has_next
        else None
    )
    proactive = sorted(
        (card for card in cards.values() if card.proactive), key=lambda card: card.id
    )
    response = page(
        request, member, "console_cases.html",
        cases=[_row(case, cards, lang) for case in found.cases],
        dead=[_dead_row(event, lang) for event in dead.events],
        filters=filters, statuses=STATUSES, delivery_statuses=DELIVERY_STATUSES,
        cards=proactive, next_cases=next_cases, next_dead=next_dead,
        first_cases=filters.url(after=None) if filters.after else None,
        first_dead=filters.url(dead_after=None) if filters.dead_after else None,
        replayed=_replayed(request),
    )  # fmt: skip
    if DONE_COOKIE in request.cookies:  # said once
        response.delete_cookie(DONE_COOKIE, path=CASES, httponly=True,
                               secure=secure_cookies(request), samesite="strict")  # fmt: skip
    return response


def _id(request: Request, name: str) -> str | None:
    value = str(request.path_params[name])
    return value if len(value) <= MAX_ID else None


def _not_found(request: Request) -> Response:
    return error_page(request, 404, "not_found_title", "not_found")


async def confirm_event_replay(request: Request, member: StaffMember) -> Response:
    """What replaying this dead letter does, and the button that does it."""
    event_id = _id(request, "event_id")
    if event_id is None:
        return _not_found(request)
    try:
        event = await service_cases.dead_letter(staff_context(request, member), event_id)
    except DarvazehError as error:
        if error.code is ErrorCode.NOT_FOUND:
            return _not_found(request)
        raise
    return page(request, member, "console_replay.html", what="event",
                event=_dead_row(event, choose(request)[0]),
                action=f"{DEAD_LETTERS}/{event_id}/replay")  # fmt: skip


async def confirm_delivery_replay(request: Request, member: StaffMember) -> Response:
    """What sending this case's failed delivery again does, and the button that does it."""
    case_id = _id(request, "case_id")
    if case_id is None:
        return _not_found(request)
    context = staff_context(request, member)
    try:
        case = await service_cases.agency_case(context, case_id)
    except DarvazehError as error:
        if error.code is ErrorCode.NOT_FOUND:
            return _not_found(request)
        raise
    if case.delivery is not DeliveryStatus.DEAD:
        return _not_found(request)
    cards = {card.id: card for card in await agency_cards(context)}
    return page(request, member, "console_replay.html", what="delivery",
                case=_row(case, cards, choose(request)[0]),
                action=f"{DELIVERIES}/{case_id}/replay")  # fmt: skip


async def replay_event(request: Request, member: StaffMember) -> Response:
    event_id = _id(request, "event_id")
    if event_id is None:
        return _not_found(request)
    return await _replay(request, member, "event", event_id)


async def replay_delivery(request: Request, member: StaffMember) -> Response:
    case_id = _id(request, "case_id")
    if case_id is None:
        return _not_found(request)
    return await _replay(request, member, "delivery", case_id)


async def _replay(request: Request, member: StaffMember, what: str, object_id: str) -> Response:
    context = staff_context(request, member)
    try:
        if what == "event":
            await service_cases.replay_dead_letter(context, object_id)
        else:
            await service_cases.replay_delivery(context, object_id)
    except DarvazehError as error:
        if error.code is not ErrorCode.NOT_FOUND:
            raise
        # Gone meanwhile (replayed by someone else), or never the agency's: one answer.
        return page(request, member, "console_refused.html", status=404,
                    problems=[error.message], back=CASES)  # fmt: skip
    response = see_other(CASES)
    response.set_cookie(DONE_COOKIE, f"{what}:{object_id}", max_age=60, path=CASES, httponly=True,
                        secure=secure_cookies(request), samesite="strict")  # fmt: skip
    return response
