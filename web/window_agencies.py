"""Agency performance over 30 days, `/agencies`, for the working group that oversees
interoperability: per agency, its services connected and why the others are not (the catalogue
as of now), each data source's availability, p95 latency and how fresh its data is (the daily
source health), and the reads of its data served, refused and failed (the access log). It takes
no parameter but the language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from datasources.health_days import SourcePeriod
from services.window import AgencyFigures, Gap
from standard.national_time import national_day
from standard.statuses import AccessOutcome
from web import i18n
from web.gateway import gateway
from web.render import render
from web.window_data import PERFORMANCE, PERFORMANCE_DAYS, window_figures


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

    @property
    def availability(self) -> float | None:
        """The least available source's (None when no source was probed)."""
        shares = [s.availability for s in self.sources if s.availability is not None]
        return min(shares, default=None)


def _source(source: SourcePeriod, lang: str) -> dict[str, Any]:
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


async def agencies_page(request: Request) -> Response:
    lang, _ = i18n.choose(request)
    view, found = await window_figures(request)
    performance = await PERFORMANCE.get(gateway(request).sessions)
    by_agency: dict[str, list[SourcePeriod]] = {}
    for source in performance.sources:
        by_agency.setdefault(source.agency, []).append(source)
    rows = []
    for code, names in sorted(view.snapshot.agency_names.items()):
        reads = performance.reads.get(code, {})
        rows.append(
            AgencyRow(
                code=code,
                name=names[0] if lang == "fa" else names[1],
                figures=found.agency(code),
                gaps=found.agency_gaps.get(code, ()),
                sources=by_agency.get(code, []),
                served=reads.get(AccessOutcome.GRANTED, 0),
                refused=reads.get(AccessOutcome.DENIED, 0),
                failed=reads.get(AccessOutcome.SOURCE_ERROR, 0),
            )
        )
    return render(
        request,
        "window_agencies.html",
        agencies=rows,
        sources={row.code: [_source(s, lang) for s in row.sources] for row in rows},
        days=PERFORMANCE_DAYS,
        section="agencies",
    )
