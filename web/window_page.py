"""The national window's dashboard, `/`: coverage today, overall and per agency; its trend from the
daily snapshots; the share of services with no request or no visit; and why the others are not
connected, by dataset. Public, read-only (a plain GET, no session), and in the reader's language.

`routes()` lists every page of the window (the catalogue's and the agencies' too).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from datasources.registry import Registry
from services.window import daily_snapshot as take_daily
from web import i18n
from web.gateway import gateway
from web.render import page_html, respond
from web.window_agencies import AGENCIES, agencies_page, agency_page
from web.window_catalogue import CATALOGUE, card_page, catalogue_page
from web.window_charts import agency_chart, coverage_trend, overall
from web.window_data import TREND, TREND_DAYS, KeptPages, today, window_figures

# How often the maintenance loop checks that today's snapshot is kept (a dict lookup when it is).
SNAPSHOT_CHECK_SECONDS = 300.0


def snapshot_step(registry: Registry) -> Callable[[], Awaitable[None]]:
    """The maintenance loop's step that keeps each day's coverage snapshot."""

    async def daily_snapshot() -> None:
        await take_daily(registry)

    return daily_snapshot


def window_routes() -> list[Route]:
    return [
        Route("/", dashboard, methods=["GET"], name="window"),
        Route(CATALOGUE, catalogue_page, methods=["GET"], name="window_catalogue"),
        Route(CATALOGUE + "/{card_id}", card_page, methods=["GET"], name="window_card"),
        Route(AGENCIES, agencies_page, methods=["GET"], name="window_agencies"),
        Route(AGENCIES + "/{code}", agency_page, methods=["GET"], name="window_agency"),
    ]


# The dashboard as last rendered in each language (its query is at most `lang`).
DASHBOARDS = KeptPages()


async def dashboard(request: Request) -> Response:
    lang, _ = i18n.choose(request)
    _, found = await window_figures(request)
    days = await TREND.get(gateway(request).sessions)
    day = today()
    made_of = (found, days, day)
    plain = request.query_params.keys() <= {"lang"}  # else the language switch keeps the rest
    html = DASHBOARDS.get((lang,), made_of) if plain else None
    if html is None:
        html = page_html(
            request,
            "window.html",
            figures=found,
            today=day,
            agency_chart=agency_chart(found, lang),
            trend=coverage_trend(overall(days), lang),
            days=days,
            trend_days=TREND_DAYS,
            section="dashboard",
        )
        if plain:
            DASHBOARDS.keep((lang,), made_of, html)
    return respond(request, html)
