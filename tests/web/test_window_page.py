"""The national window's dashboard, `/`, over HTTP against the demo gateway: the same figures as
`Query.catalogue`, shown as percentages in the reader's digits, its accessible charts, the
to-do list by dataset, and today's snapshot kept on the first view."""

from __future__ import annotations

import re
from collections import Counter
from datetime import timedelta

import pytest

from services import card_registration, window
from standard.national_time import national_day
from store.db import transaction
from store.window_models import CoverageSnapshot
from tests.harness import RunningGateway
from tests.schema.test_catalogue import every_card
from tests.web.support import assert_secure_headers, browser
from web import window_page
from web.numbers import number, percent
from web.render import page_html
from web.window_data import TREND

SUMMARY = "{ catalogue { coverage { connected total share } agencies { code connected total } } }"


@pytest.fixture
async def healthy(gateway: RunningGateway) -> RunningGateway:
    results = await gateway.gateway.registry.probe_all()
    assert all(result.ok for result in results.values()), results
    return gateway


async def coverage(gateway: RunningGateway) -> dict[str, object]:
    answer = await gateway.query(SUMMARY, role=None, case_reference=None)
    return answer["data"]["catalogue"]  # type: ignore[no-any-return]


async def test_the_dashboard_shows_the_catalogues_figures(healthy: RunningGateway) -> None:
    summary = await coverage(healthy)
    share = summary["coverage"]["share"]  # type: ignore[index]
    async with browser(healthy) as client:
        persian = await client.get("/")
        english = await client.get("/", params={"lang": "en"})
    assert persian.status_code == 200 and english.status_code == 200
    assert_secure_headers(persian)
    assert '<html lang="fa" dir="rtl">' in persian.text
    # The share as a percentage, in the reader's digits; never the raw fraction.
    assert f'<span class="figure-value">{percent("fa", share)}</span>' in persian.text
    assert f'<span class="figure-value">{percent("en", share)}</span>' in english.text
    total = summary["coverage"]["total"]  # type: ignore[index]
    assert f"of {number('en', total)} services read everything" in english.text
    assert f">{share}<" not in english.text and f">{share}%<" not in english.text
    # The chart per agency is an image with a title and a description, and a table beside it.
    assert '<svg class="chart chart-bars" role="img"' in english.text
    assert '<title id="by-agency-title">Connected services by agency</title>' in english.text
    assert english.text.count('<rect class="bar"') == len(summary["agencies"])  # type: ignore[arg-type]
    assert "<details>" in english.text and 'class="figures-table"' in english.text
    assert 'aria-current="page">Dashboard</a>' in english.text


async def test_the_to_do_list_counts_cards_by_dataset(healthy: RunningGateway) -> None:
    waiting: Counter[tuple[str, str]] = Counter()
    for card in await every_card(healthy, connected=False):
        for key in {(gap["dataset"], gap["reason"]) for gap in card["missing"]}:
            waiting[key] += 1
    assert waiting, "the demo catalogue has unconnected cards"
    async with browser(healthy) as client:
        page = (await client.get("/", params={"lang": "en"})).text
    todo = page.split('class="todo"', 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr>.*?</tr>", todo.split("<tbody>", 1)[1], re.S)
    assert len(rows) == len(waiting)
    for (dataset, reason), count in waiting.items():
        row = next(row for row in rows if f'<bdi dir="ltr">{dataset}</bdi>' in row)
        assert f'?dataset={dataset}&amp;connected=no">{count}<' in row
        assert {"NOT_IN_STANDARD": "national data standard", "NO_SOURCE": "No agency",
                "UNHEALTHY": "down"}[reason] in row  # fmt: skip
    counts = [int(re.search(r'connected=no">(\d+)<', row).group(1)) for row in rows]  # type: ignore[union-attr]
    assert counts == sorted(counts, reverse=True)  # the biggest gap first


async def test_the_first_view_of_a_day_keeps_its_snapshot(healthy: RunningGateway) -> None:
    sessions = healthy.gateway.sessions
    today = national_day()
    async with sessions() as session:
        existing = await session.get(CoverageSnapshot, today)
        if existing is not None:
            await session.delete(existing)
            await session.commit()
    window._TAKEN.pop(sessions, None)
    # Yesterday's row, as the daily job would have kept it: the trend has two days.
    yesterday = today - timedelta(days=1)
    async with sessions() as session:
        if await session.get(CoverageSnapshot, yesterday) is None:
            session.add(CoverageSnapshot(day=yesterday, cards=10, connected=4, proactive=1,
                                         by_agency={}, missing={}))  # fmt: skip
            await session.commit()
    TREND.forget()
    summary = await coverage(healthy)
    async with browser(healthy) as client:
        page = (await client.get("/", params={"lang": "en"})).text
    async with sessions() as session:
        kept = await session.get(CoverageSnapshot, today)
    assert kept is not None
    assert (kept.connected, kept.cards) == (
        summary["coverage"]["connected"],  # type: ignore[index]
        summary["coverage"]["total"],  # type: ignore[index]
    )
    assert not await window.take_snapshot(
        sessions, window.WindowFigures(0, 0, 0, 0, (), (), {}), today
    )
    # The trend: a line over the two days, its table newest first.
    TREND.forget()
    async with browser(healthy) as client:
        page = (await client.get("/", params={"lang": "en"})).text
    assert '<svg class="chart chart-trend" role="img"' in page
    assert page.count('<circle class="dot"') == 2 and "<polyline" in page
    assert "40%" in page  # yesterday's 4 of 10


async def test_a_days_snapshot_is_taken_once(healthy: RunningGateway) -> None:
    sessions = healthy.gateway.sessions
    day = national_day() - timedelta(days=400)
    found = window.WindowFigures(0, 0, 0, 0, (), (), {})
    assert await window.take_snapshot(sessions, found, day)
    assert not await window.take_snapshot(sessions, found, day)


async def set_card(gateway: RunningGateway, card_id: str, enabled: bool) -> None:
    async with transaction(gateway.gateway.sessions) as session:
        card = await card_registration.card_for_change(session, card_id)
        assert card is not None
        await card_registration.set_enabled(session, card, enabled, changed_by="window-test")


async def test_the_dashboard_is_rendered_again_only_when_its_figures_change(
    healthy: RunningGateway, monkeypatch: pytest.MonkeyPatch
) -> None:
    rendered: list[str] = []

    def counted(*args: object, **kw: object) -> str:
        rendered.append(str(args[1]))
        return page_html(*args, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(window_page, "page_html", counted)
    window_page.DASHBOARDS.forget()
    async with browser(healthy) as client:
        first = (await client.get("/", params={"lang": "en"})).text
        assert (await client.get("/", params={"lang": "en"})).text == first
        assert len(rendered) == 1
        # Another query (the language switch keeps it) is rendered, and not kept.
        assert "other=1" in (await client.get("/", params={"lang": "en", "other": "1"})).text
        assert len(rendered) == 2
        total = (await coverage(healthy))["coverage"]["total"]  # type: ignore[index]
        await set_card(healthy, "school-enrolment", enabled=False)
        try:
            fewer = (await client.get("/", params={"lang": "en"})).text
            assert len(rendered) == 3
            assert f"of {number('en', total - 1)} services read everything" in fewer
        finally:
            await set_card(healthy, "school-enrolment", enabled=True)
        again = (await client.get("/", params={"lang": "en"})).text
        assert f"of {number('en', total)} services read everything" in again
