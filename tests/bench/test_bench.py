"""Smoke tests of the bench code (never timings): the bare service answers what the gateway
answers, and the load generator builds the requests it should."""

from __future__ import annotations

import contextlib
import json
from pathlib import Path
from typing import Any

import httpx

from bench import bare, report
from bench.checks import strip_retrieved_at
from bench.load import BATCH_QUERY, CATALOGUE_QUERY, SINGLE_QUERY, id_groups, request_for
from tests.harness import RunningGateway


async def test_bare_answers_what_the_gateway_answers(gateway: RunningGateway) -> None:
    var_dir = gateway.gateway.settings.var_dir
    app = bare.create_app(var_dir, gateway.urls.education)
    ids = list(gateway.citizens.values())
    async with contextlib.AsyncExitStack() as stack:
        await stack.enter_async_context(app.router.lifespan_context(app))
        client = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://bare")
        )
        for national_id in ids:
            ours = await gateway.query(SINGLE_QUERY, {"id": national_id})
            theirs = (await client.get(f"/citizen/{national_id}")).json()
            assert strip_retrieved_at(ours["data"]) == strip_retrieved_at(theirs), national_id
        ours = await gateway.query(BATCH_QUERY, {"ids": ids})
        theirs = (await client.post("/citizens", json={"nationalIds": ids})).json()
        assert strip_retrieved_at(ours["data"]) == strip_retrieved_at(theirs)
        assert (await client.get("/citizen/123")).status_code == 400


def test_requests_and_groups() -> None:
    ids = [f"{n:010d}" for n in range(250)]
    assert [len(group) for group in id_groups(ids, "batch")] == [100, 100]
    assert id_groups(ids[:2], "single") == [[ids[0]], [ids[1]]]
    method, path, body = request_for("gateway", "batch", ids[:100])
    assert (method, path, body["variables"]["ids"]) == ("POST", "/graphql", ids[:100])
    assert request_for("bare", "single", ids[:1]) == ("GET", f"/citizen/{ids[0]}", None)


def test_figures_take_medians_and_ratio() -> None:
    def run(target: str, rps: float, ms: float) -> dict[str, Any]:
        return {"target": target, "requests_per_second": rps, "latency_median_ms": ms, "errors": 0}

    rounds = [
        run("gateway", 50, 10),
        run("bare", 100, 5),
        run("gateway", 60, 9),
        run("bare", 80, 6),
    ]
    figures = report.figures(rounds, rounds)
    assert figures["single_gateway_rps"]["value"] == 55
    assert figures["single_ratio"]["value"] == round(55 / 90, 3)
    assert figures["single_ratio"]["per_round"] == [0.5, 0.75]


def test_the_catalogue_query_and_its_figures() -> None:
    assert request_for("gateway", "catalogue", []) == (
        "POST", "/graphql", {"query": CATALOGUE_QUERY}
    )  # fmt: skip
    runs = [
        {"latency_median_ms": ms, "latency_p90_ms": ms * 2, "requests_per_second": 1000 / ms,
         "server_cpu_ms_per_request": ms / 2, "errors": 0}
        for ms in (10, 30, 20)
    ]  # fmt: skip
    figures = report.catalogue_figures(runs)
    assert figures["latency_median"]["value"] == 20 and figures["errors"] == 0
    section = {
        "cards": 5200, "connected": 3274, "share": 0.63, "figures": figures, "rounds": 3,
        "queries_per_round": 200, "measured": "2026-11-29T10:00:00+00:00", "response_bytes": 1,
    }  # fmt: skip
    rows = report.table({"catalogue": section})
    assert rows[0][1:] == ("20.0", "ms (median; target < 50)")
    assert rows[2][1] == "3,274 / 5,200 (63 %)"


async def test_the_catalogue_query_answers(gateway: RunningGateway) -> None:
    answer = (await gateway.post(CATALOGUE_QUERY, role=None, case_reference=None)).json()
    assert "errors" not in answer, answer
    catalogue = answer["data"]["catalogue"]
    assert catalogue["coverage"]["total"] >= 300 and len(catalogue["agencies"]) == 30
    assert all(not edge["node"]["connected"] for edge in catalogue["cards"]["edges"])


def test_the_figures_are_written_between_the_markers_of_bench_readme(tmp_path: Path) -> None:
    """`make bench` rewrites only the figures of bench/README.md; its prose stays as written."""
    page = report.README.read_text(encoding="utf-8")
    assert page.count(report.FIGURES_BEGIN) == 1 and page.count(report.FIGURES_END) == 1
    copy = tmp_path / "README.md"
    copy.write_text(page, encoding="utf-8")
    summary = json.loads(report.RESULTS.read_text(encoding="utf-8"))
    summary["figures"]["single_gateway_rps"]["value"] = 123.4
    report.update_readme(summary, "make bench", copy)
    written = copy.read_text(encoding="utf-8")
    assert "| 1 citizen, 7 records: gateway | 123 req/s |" in written

    def prose(text: str) -> tuple[str, str]:
        head, _, rest = text.partition(report.FIGURES_BEGIN)
        return head, rest.partition(report.FIGURES_END)[2]

    assert prose(written) == prose(page)
