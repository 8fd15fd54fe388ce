"""The national window's charts, in the reader's language: coverage per agency today, and its
trend over the kept days, overall and for one agency (a full chart, or a small line for a table
row). Each says its figures in words too (web/charts.py); the pages put them in a table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from markupsafe import Markup

from services.catalogue import Coverage
from services.window import DayFigures, WindowFigures
from web import i18n, numbers
from web.charts import Bar, Point, bar_chart, sparkline, trend_chart
from web.window_data import TREND_DAYS

_AXIS = (0.0, 0.25, 0.5, 0.75, 1.0)


@dataclass(frozen=True, slots=True)
class TrendDay:
    """One kept day's coverage, overall or of one agency."""

    day: date
    coverage: Coverage


def overall(days: list[DayFigures]) -> list[TrendDay]:
    return [TrendDay(day.day, day.coverage) for day in days]


def of_agency(days: list[DayFigures], code: str) -> list[TrendDay]:
    """The days the agency had cards on (a day kept before its first card has none)."""
    found = []
    for day in days:
        coverage = day.agency(code)
        if coverage is not None and coverage.total:
            found.append(TrendDay(day.day, coverage))
    return found


def agency_chart(found: WindowFigures, lang: str) -> Markup:
    names = [
        (agency.name_fa if lang == "fa" else agency.name_en, agency) for agency in found.agencies
    ]
    bars = [
        Bar(name, a.coverage.share, numbers.percent(lang, a.coverage.share)) for name, a in names
    ]
    listed = i18n.text(lang, "win_comma").join(f"{bar.label} {bar.value}" for bar in bars)
    return bar_chart(
        bars,
        chart_id="by-agency",
        title=i18n.text(lang, "win_by_agency"),
        description=i18n.text(lang, "win_by_agency_desc", figures=listed),
        rtl=lang == "fa",
    )


def _points(days: list[TrendDay], lang: str) -> list[Point]:
    return [
        Point(i18n.format_date(lang, day.day), day.coverage.share,
              numbers.percent(lang, day.coverage.share))
        for day in days
    ]  # fmt: skip


def coverage_trend(
    days: list[TrendDay], lang: str, *, chart_id: str = "trend", title: str | None = None
) -> Markup | None:
    """The share of connected services day by day (None without a kept day)."""
    if not days:
        return None
    points = _points(days, lang)
    first, last = points[0], points[-1]
    return trend_chart(
        points,
        chart_id=chart_id,
        title=title or i18n.text(lang, "win_trend", days=i18n.digits(lang, TREND_DAYS)),
        description=i18n.text(lang, "win_trend_desc", first=first.label, first_value=first.value,
                              last=last.label, last_value=last.value),
        rtl=lang == "fa",
        axis=[(share, numbers.percent(lang, share)) for share in _AXIS],
    )  # fmt: skip


def agency_spark(days: list[TrendDay], lang: str, *, code: str, name: str) -> Markup | None:
    """An agency's trend as a small line for its row of a table (None without a kept day)."""
    if not days:
        return None
    points = _points(days, lang)
    first, last = points[0], points[-1]
    return sparkline(
        points,
        chart_id=f"spark-{code}",
        title=i18n.text(lang, "win_agency_trend", agency=name, days=i18n.digits(lang, TREND_DAYS)),
        description=i18n.text(lang, "win_trend_desc", first=first.label, first_value=first.value,
                              last=last.label, last_value=last.value),
        rtl=lang == "fa",
    )  # fmt: skip
