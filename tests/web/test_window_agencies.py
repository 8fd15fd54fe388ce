"""Agency performance, `/agencies`, over HTTP: each agency's connected services and reasons, its
sources' availability, p95 and freshness from the daily source health (filled by probes and
flushes), and the reads of its data from the access log."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from audit.usage import agency_reads
from standard.national_time import national_day
from store.window_models import SourceHealthDay
from tests.harness import RunningGateway
from tests.web.support import assert_secure_headers, browser
from web.numbers import number
from web.window_data import PERFORMANCE

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
