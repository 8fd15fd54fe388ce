"""The citizen's data tracker page, `/me/data-access`: who read their data (or their minor child's),
when, what and why — each row with its reason in words — newest first, a page at a time
(`?after=` a cursor; `?subject=` a child's national code), filtered by dates, reading agency and
service. Reads the access log only; changes nothing, so it is a plain GET with no form token.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from audit.tracker import BadCursor, access_page, decode_cursor, log_facets
from standard.pagination import DEFAULT_FIRST
from web import browser
from web.gateway import gateway
from web.i18n import choose
from web.login_page import login_url
from web.portal_export import EXPORT_MAX
from web.portal_log import BadFilter, LogFilters, agency_name, card_name, log_row, parse_filters
from web.portal_subject import whose
from web.render import error_page, render, see_other

PATH = "/me/data-access"
PAGE_SIZE = DEFAULT_FIRST


def _empty(**context: Any) -> dict[str, Any]:
    base: dict[str, Any] = {"records": [], "next_url": None, "first_url": None, "agencies": [],
                            "services": [], "filters": LogFilters(), "csv_url": None,
                            "json_url": None, "clear_url": None, "child": None, "error": None,
                            "export_max": EXPORT_MAX}  # fmt: skip
    return base | context


async def data_access(request: Request) -> Response:
    session = await browser.current_session(request)
    if session is None:
        wanted = f"{PATH}?{request.url.query}" if request.url.query else PATH
        return see_other(login_url(wanted))
    lang, _ = choose(request)
    services = gateway(request)
    after = request.query_params.get("after") or None
    try:
        position = decode_cursor(after) if after else None
    except BadCursor:
        return error_page(request, 400, "access_bad_page_title", "access_bad_page",
                          session=session)  # fmt: skip
    asked = await whose(request, session)
    if asked.error is not None:
        return render(request, "data_access.html", status=asked.status, session=session,
                      **_empty(error=asked.error, child_input=asked.typed))  # fmt: skip
    child = asked.child
    try:
        filters = parse_filters(request.query_params)
    except BadFilter as problem:
        return render(request, "data_access.html", status=400, session=session,
                      **_empty(error=problem.key, child=child, child_input=asked.typed,
                               clear_url=LogFilters().link(PATH, child)))  # fmt: skip
    async with services.sessions() as db:
        page = await access_page(
            db, subject=asked.subject, first=PAGE_SIZE, after=position, since=filters.since,
            until=filters.until, reader=filters.agency, service=filters.service,
        )  # fmt: skip
        facets = await log_facets(db, asked.subject)
    agencies = page.agencies | facets.agencies
    cards = page.cards | facets.cards
    readers = sorted(((code, agency_name(agencies, code, lang)) for code in facets.agencies),
                     key=lambda pair: pair[1])  # fmt: skip
    offered = sorted(((card.id, card_name(card, lang) or card.id)
                      for card in facets.cards.values()), key=lambda pair: pair[1])  # fmt: skip
    return render(
        request,
        "data_access.html",
        session=session,
        records=[log_row(record, lang, cards, agencies) for record in page.records],
        next_url=filters.link(PATH, child, after=page.end_cursor or "") if page.has_next else None,
        first_url=filters.link(PATH, child) if position else None,
        agencies=readers,
        services=offered,
        filters=filters,
        csv_url=filters.link(PATH + ".csv", child),
        json_url=filters.link(PATH + ".json", child),
        clear_url=LogFilters().link(PATH, child),
        child=child,
        child_input=asked.typed,
        error=None,
        export_max=EXPORT_MAX,
    )  # fmt: skip
