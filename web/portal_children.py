"""`/me/children`: the citizen's minor children — those they gave consents for, and one they
look up by national code (`?subject=`) — each checked against the civil registry's birth record
(a logged system read, as for the child's log) and shown while under 18, with the ways to their
data, the consents given for them, and their log. A refusal says why."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auth.consent.errors import GuardianshipError
from auth.consent.guardianship import child_birth
from auth.consent.national_time import AGE_OF_MAJORITY, add_years, national_date
from auth.consent.records import consents_of
from auth.core.system_checks import CitizenCheck
from standard.national_id import InvalidNationalId
from standard.national_id import parse as parse_national_id
from web import browser
from web.gateway import gateway
from web.i18n import choose, text
from web.login_page import login_url
from web.portal_subject import MAX_TYPED, refusal_key
from web.render import render, see_other

PATH = "/me/children"
MAX_CHILDREN = 12  # children checked on one page view (each is a birth-record read)


async def _check(request: Request, parent: str, child: str, today: date) -> date | str:
    """The child's birth date, or the words' key of why they are not shown."""
    try:
        return await child_birth(gateway(request).births, parent=parent, child=child, on=today,
                                 check=CitizenCheck.TRACKER_GUARDIAN)  # fmt: skip
    except GuardianshipError as error:
        return refusal_key(error)


async def my_children(request: Request) -> Response:
    session = await browser.current_session(request)
    if session is None:
        wanted = f"{PATH}?{request.url.query}" if request.url.query else PATH
        return see_other(login_url(wanted))
    lang, _ = choose(request)
    typed = request.query_params.get("subject", "").strip()[:MAX_TYPED]
    lookup_error = None
    asked: str | None = None
    if typed:
        try:
            asked = parse_national_id(typed)
        except InvalidNationalId:
            lookup_error = "err_child_code"
        if asked == session.citizen:
            asked, lookup_error = None, "err_child_self"
    async with gateway(request).sessions() as db:
        consents = await consents_of(db, session.citizen)
    given: dict[str, int] = {}
    for consent in consents:
        if consent.subject != session.citizen:
            given[consent.subject] = given.get(consent.subject, 0) + 1
    shown = list(dict.fromkeys(([asked] if asked else []) + list(given)))[:MAX_CHILDREN]
    today = national_date(datetime.now(UTC))
    checked = await asyncio.gather(*(_check(request, session.citizen, c, today) for c in shown))
    children: list[dict[str, Any]] = []
    refused: list[dict[str, str]] = []
    for child, found in zip(shown, checked, strict=True):
        if isinstance(found, date):
            children.append({"id": child, "born": found, "consents": given.get(child, 0),
                             "until": add_years(found, AGE_OF_MAJORITY)})  # fmt: skip
        elif child == asked:
            lookup_error = found  # the looked-up one: said beside the form
        else:
            refused.append({"id": child, "reason": text(lang, found)})
    status = 200
    if lookup_error is not None:
        status = (
            503
            if lookup_error == "err_unavailable"
            else 400
            if lookup_error in ("err_child_code", "err_child_self")
            else 403
        )
    return render(request, "portal_children.html", status=status, session=session,
                  children=children, refused=refused, typed=typed,
                  error=lookup_error)  # fmt: skip


def routes() -> list[Route]:
    return [Route(PATH, my_children, methods=["GET"], name="my_children")]
