"""Agency performance over 30 days, for the working group that oversees interoperability:
`/agencies` has every agency and `/agencies/{code}` one. Per agency: its services connected and
why the others are not (the catalogue as of now) and their share day by day (the daily
coverage snapshots), each data source's availability, p95 latency and how fresh its data is
(the daily source health), and the reads of its data served, refused and failed (the access
log). They take no parameter but the language (and the agency's code in the path).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import Response

from datasources.health_days import SourcePeriod
from services.catalogue import CatalogueView
from services.window import AgencyFigures, DayFigures, Gap, WindowFigures
from standard.national_time import national_day
from standard.statuses import AccessOutcome
from web import i18n
from web.gateway import gateway
from web.render import page_html, render, respond
from web.window_charts import TrendDay, agency_spark, coverage_trend, of_agency
from web.window_data import (
    PERFORMANCE,
    PERFORMANCE_DAYS,
    TREND,
    TREND_DAYS,
    KeptPages,
    Performance,
    today,
    window_figures,
)

AGENCIES = "/agencies"
# An agency's code as registered: a lowercase slug (anything else is a 404 with no lookup).
CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")


@dataclass(frozen=True, slots=True)
class AgencyRow:
    code: str
    name: str
    figures: AgencyFigures | None
    gaps: tuple[Gap, ...]
    sources: list[SourcePeriod]
    served: int
    refused: int
    failed: int
    trend: list[TrendDay]
    spark: Markup | None

    @property
    def availability(self) -> float | None:
        """The least available source's (None when no source was probed)."""
        shares = [s.availability for s in self.sources if s.availability is not None]
        return min(shares, default=None)


def _source(source: SourcePeriod) -> dict[str, Any]:
    fresh = source.last_updated
    return {
        "id": source.source_id,
        "record_type": source.record_type,
        "availability": source.availability,
        "p95": None if source.latency_p95_ms is None else round(source.latency_p95_ms),
        "error_rate": source.error_rate,
        "calls": source.calls,
        "fresh": national_day(fresh) if fresh else None,
        "fresh_iso": fresh.isoformat(timespec="seconds") if fresh else None,
    }


def _rows(
    view: CatalogueView,
    found: WindowFigures,
    performance: Performance,
    days: list[DayFigures],
    lang: str,
    codes: list[str],
) -> list[AgencyRow]:
    by_agency: dict[str, list[SourcePeriod]] = {}
    for source in performance.sources:
        by_agency.setdefault(source.agency, []).append(source)
    rows = []
    for code in codes:
        names = view.snapshot.agency_names[code]
        name = names[0] if lang == "fa" else names[1]
        reads = performance.reads.get(code, {})
        trend = of_agency(days, code)
        rows.append(
            AgencyRow(
                code=code,
                name=name,
                figures=found.agency(code),
                gaps=found.agency_gaps.get(code, ()),
                sources=by_agency.get(code, []),
                served=reads.get(AccessOutcome.GRANTED, 0),
                refused=reads.get(AccessOutcome.DENIED, 0),
                failed=reads.get(AccessOutcome.SOURCE_ERROR, 0),
                trend=trend,
                spark=agency_spark(trend, lang, code=code, name=name),
            )
        )
    return rows


# The pages as last rendered, per language (and agency): see web.window_data.KeptPages.
PAGES = KeptPages()


async def _page(request: Request, code: str | None) -> Response:
    lang, _ = i18n.choose(request)
    view, found = await window_figures(request)
    names = view.snapshot.agency_names
    if code is not None and code not in names:
        return _missing(request)
    sessions = gateway(request).sessions
    performance = await PERFORMANCE.get(sessions)
    days = await TREND.get(sessions)
    day = today()
    made_of = (found, performance, days, day)
    key = (lang, code or "")
    plain = request.query_params.keys() <= {"lang"}  # else the language switch keeps the rest
    html = PAGES.get(key, made_of) if plain else None
    if html is None:
        rows = _rows(view, found, performance, days, lang, [code] if code else sorted(names))
        context: dict[str, Any] = {
            "agencies": rows,
            "sources": {row.code: [_source(s) for s in row.sources] for row in rows},
            "days": PERFORMANCE_DAYS,
            "trend_days": TREND_DAYS,
            "today": day,
            "section": "agencies",
        }
        if code is None:
            html = page_html(request, "window_agencies.html", **context)
        else:
            row = rows[0]
            title = i18n.text(lang, "win_agency_trend", agency=row.name,
                              days=i18n.digits(lang, TREND_DAYS))  # fmt: skip
            chart = coverage_trend(row.trend, lang, chart_id="agency-trend", title=title)
            html = page_html(request, "window_agency.html", agency=row, trend=chart,
                             trend_title=title, **context)  # fmt: skip
        if plain:
            PAGES.keep(key, made_of, html)
    return respond(request, html)


async def agencies_page(request: Request) -> Response:
    return await _page(request, None)


async def agency_page(request: Request) -> Response:
    code = request.path_params["code"]
    if not CODE.fullmatch(code):
        return _missing(request)  # never a registered code: no lookup
    return await _page(request, code)


def _missing(request: Request) -> Response:
    return render(request, "window_error.html", status=404, title_key="win_agency_missing_title",
                  body_key="win_agency_missing", name="", back=AGENCIES,
                  back_key="win_back_to_agencies", section="agencies")  # fmt: skip
