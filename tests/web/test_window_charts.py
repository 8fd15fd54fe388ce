"""The window's charts: an agency's trend takes only the days it had cards, and its small line
is an image that says its first and last figures, drawn from the reader's side."""

from __future__ import annotations

import re
from datetime import date

from services.window import DayFigures
from web.window_charts import agency_spark, coverage_trend, of_agency

DAYS = [
    DayFigures(date(2026, 3, 21), 10, 5, 0, {"tax": {"cards": 4, "connected": 1}}),
    DayFigures(date(2026, 3, 22), 10, 5, 0, {}),  # before the agency's cards, or none that day
    DayFigures(date(2026, 3, 23), 10, 6, 0, {"tax": {"cards": 4, "connected": 3}}),
]


def xs(svg: str) -> list[float]:
    points = re.search(r'<polyline class="line" points="([^"]+)"', svg)
    assert points, svg
    return [float(pair.split(",")[0]) for pair in points.group(1).split()]


def test_an_agencys_trend_has_the_days_it_had_cards() -> None:
    trend = of_agency(DAYS, "tax")
    assert [(day.day.day, day.coverage.connected, day.coverage.total) for day in trend] == [
        (21, 1, 4),
        (23, 3, 4),
    ]
    assert of_agency(DAYS, "nobody") == []
    assert agency_spark([], "en", code="tax", name="Tax") is None
    assert coverage_trend([], "en") is None


def test_the_small_line_says_its_figures_and_runs_from_the_readers_side() -> None:
    trend = of_agency(DAYS, "tax")
    english = str(agency_spark(trend, "en", code="tax", name="Tax"))
    persian = str(agency_spark(trend, "fa", code="tax", name="مالیات"))
    assert english.startswith('<svg class="chart chart-spark" role="img"')
    assert 'aria-labelledby="spark-tax-title spark-tax-desc"' in english
    assert "Tax: connected services over the last 90 days" in english
    assert "(25%) to " in english and "(75%)" in english
    assert "۲۵٪" in persian and "۷۵٪" in persian
    # Oldest first: left to right in English, right to left in Persian.
    assert xs(english)[0] < xs(english)[1] and xs(persian)[0] > xs(persian)[1]
    # One day is a dot and no line.
    single = str(agency_spark(trend[:1], "en", code="tax", name="Tax"))
    assert "<polyline" not in single and single.count("<circle") == 1
