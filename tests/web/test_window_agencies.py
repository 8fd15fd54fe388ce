"""Agency performance, `/agencies` and `/agencies/{code}`, over HTTP: each agency's connected
services and reasons, its sources' availability, p95 and freshness from the daily source health
(filled by probes and flushes), the reads of its data from the access log, and its share of
connected services day by day from the daily coverage snapshots."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import delete, select

from audit.usage import agency_reads
from standard.national_time import national_day
from store.window_models import CoverageSnapshot, SourceHealthDay
from tests.harness import RunningGateway
from tests.web.support import assert_secure_headers, browser
from web.i18n import format_date
from web.numbers import number
from web.window_agencies import PAGES
from web.window_data import PERFORMANCE, TREND

IDENTITY = "query($id: String!) { citizen(nationalId: $id) { identity { firstName } } }"


def section(page: str, code: str) -> str:
    return page.split(f'id="agency-{code}"', 1)[1].split("</section>", 1)[0]


async def test_sources_days_fill_from_probes_and_flushes(gateway: RunningGateway) -> None:
    registry = gateway.gateway.registry
    sessions = gateway.gateway.sessions
    await registry.flush_health()  # whatever earlier tests left unflushed
    await registry.probe_all()

    async def today() -> dict[str, SourceHealthDay]:
        async with sessions() as session:
            rows = await session.scalars(
                select(SourceHealthDay).where(SourceHealthDay.day == national_day())
            )
            return {row.source_id: row for row in rows}

    before = await today()
    citizen = gateway.citizens["parent"]
    answer = await gateway.query(IDENTITY, {"id": citizen})
    assert answer["data"]["citizen"]["identity"]["firstName"]
    await registry.flush_health()
    await registry.flush_health()  # a second flush adds nothing twice
    await registry.probe_all()
    after = await today()
    identity = registry.source_for("identity")
    assert identity is not None
    was, now = before[identity.id], after[identity.id]
    assert now.calls == was.calls + 1 and now.errors == was.errors
    assert now.probes == was.probes + 1 and now.probes_ok == was.probes_ok + 1
    assert now.latency_p95_ms is not None and now.agency_code == "civil-registry"


async def test_agency_performance_page(gateway: RunningGateway) -> None:
    await gateway.gateway.registry.probe_all()
    await gateway.query(IDENTITY, {"id": gateway.citizens["parent"]})
    await gateway.gateway.registry.flush_health()
    PERFORMANCE.forget()
    async with browser(gateway) as client:
        english = await client.get("/agencies", params={"lang": "en"})
        persian = await client.get("/agencies", params={"lang": "fa"})
    assert english.status_code == 200 and persian.status_code == 200
    assert_secure_headers(english)
    async with gateway.gateway.sessions() as session:
        reads = await agency_reads(session, since=datetime.now(UTC) - timedelta(days=30))
    civil = section(english.text, "civil-registry")
    served = reads["civil-registry"]["GRANTED"]
    assert f"<dt>Reads served</dt><dd>{number('en', served)}</dd>" in civil
    identity = gateway.gateway.registry.source_for("identity")
    assert identity is not None
    row = re.search(rf'<bdi dir="ltr">{identity.id}</bdi>.*?</tr>', civil, re.S)
    assert row, civil
    assert '<td class="num">100%</td>' in row.group(0)  # every probe answered
    assert " ms</td>" in row.group(0)  # the day's p95
    assert "services connected (" in civil
    # Persian: the same page in Persian digits.
    assert "خواندن‌های انجام‌شده</dt><dd>" + number("fa", served) in persian.text


KeepDays = Callable[..., Awaitable[None]]


@pytest.fixture
async def keep_days(gateway: RunningGateway) -> AsyncIterator[KeepDays]:
    """Keeps coverage snapshots of past days (`(days ago, by agency)` each), as the daily job
    does; they are gone after the test, so other tests see the trend they made."""
    kept: list[date] = []

    async def keep(*figures: tuple[int, dict[str, object]]) -> None:
        async with gateway.gateway.sessions() as session:
            for ago, by_agency in figures:
                day = national_day() - timedelta(days=ago)
                if await session.get(CoverageSnapshot, day) is None:
                    session.add(CoverageSnapshot(day=day, cards=20, connected=5, proactive=0,
                                                 by_agency=by_agency, missing={}))  # fmt: skip
                    kept.append(day)
            await session.commit()
        TREND.forget()
        PAGES.forget()

    yield keep
    async with gateway.gateway.sessions() as session:
        await session.execute(delete(CoverageSnapshot).where(CoverageSnapshot.day.in_(kept)))
        await session.commit()
    TREND.forget()
    PAGES.forget()


async def test_each_agency_has_its_trend_and_its_own_page(
    gateway: RunningGateway, keep_days: KeepDays
) -> None:
    await gateway.gateway.registry.probe_all()
    civil = {"civil-registry": {"cards": 10, "connected": 4, "proactive": 1}}
    await keep_days((60, civil), (59, {"tax": {"cards": 3, "connected": 0}}))
    async with browser(gateway) as client:
        overview = (await client.get("/agencies", params={"lang": "en"})).text
        page = await client.get("/agencies/civil-registry", params={"lang": "en"})
        persian = await client.get("/agencies/civil-registry", params={"lang": "fa"})
    # The overview: a small line per agency, saying its first and last figures in words.
    row = re.search(r'<th scope="row"><a href="#agency-civil-registry">.*?</tr>', overview, re.S)
    assert row, overview
    first = format_date("en", national_day() - timedelta(days=60))
    assert '<svg class="chart chart-spark" role="img"' in row.group(0)
    assert f"from {first} (40%) to " in row.group(0)
    assert 'href="/agencies/civil-registry#trend-heading"' in row.group(0)
    assert 'href="/agencies/civil-registry">' in section(overview, "civil-registry")
    # The agency's page: its facts, and its trend as a chart and a table (the day it had no
    # snapshot figures is no point: two days, the kept one and today).
    assert page.status_code == 200 and persian.status_code == 200
    assert_secure_headers(page)
    text = page.text
    assert '<h1 id="agency-heading">' in text and "services connected (" in text
    assert "<h2>Reads of this agency&#39;s data</h2>" in text or "<h2>Reads of this agency" in text
    chart = text.split('<svg class="chart chart-trend"', 1)[1].split("</svg>", 1)[0]
    assert chart.count('<circle class="dot"') == 2
    table = text.split('class="figures-table"', 1)[1].split("</table>", 1)[0]
    assert f">{first}</time></th>" in table and '<td class="num">40%</td>' in table
    assert 'aria-current="page">Agency performance</a>' in text
    assert "۴۰٪" in persian.text  # the reader's digits
    # An agency with no day of its own yet: no line, the page says the trend starts today.
    async with browser(gateway) as client:
        education = (await client.get("/agencies/education", params={"lang": "en"})).text
    assert education.count('<circle class="dot"') <= 1


async def test_the_agency_pages_are_rendered_again_only_when_their_figures_change(
    gateway: RunningGateway, keep_days: KeepDays
) -> None:
    PAGES.forget()
    async with browser(gateway) as client:
        first = (await client.get("/agencies/tax", params={"lang": "en"})).text
        assert (await client.get("/agencies/tax", params={"lang": "en"})).text == first
        await keep_days((58, {"tax": {"cards": 4, "connected": 1}}))
        again = (await client.get("/agencies/tax", params={"lang": "en"})).text
    assert again != first and "25%" in again
