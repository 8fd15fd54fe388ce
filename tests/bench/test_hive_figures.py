"""bench/hive_figures.py: Hive Gateway beside the gateway and the bare service, from the same
rounds: medians, CPU of the answering process and of every process behind it, paired ratios."""

from __future__ import annotations

from typing import Any

from bench import hive_figures, report, targets


def _round(target: str, rps: float, p50: float, cpu: float, **behind: float) -> dict[str, Any]:
    return {"target": target, "requests_per_second": rps, "latency_median_ms": p50,
            "latency_p99_ms": p50 * 3, "server_cpu_ms_per_request": cpu, "errors": 0,
            **{f"{name}_cpu_ms_per_request": ms for name, ms in behind.items()}}  # fmt: skip


SUBGRAPHS = {"subgraph_civil": 4.0, "subgraph_social": 2.0, "subgraph_tax": 2.0,
             "subgraph_education": 2.0}  # fmt: skip
SINGLE = [
    _round("gateway", 80, 90, 13, education=1), _round("gateway-audit-off", 82, 88, 12.5),
    _round("bare", 120, 60, 8, education=1), _round("hive", 40, 190, 9, **SUBGRAPHS),
    _round("gateway", 70, 100, 14, education=1), _round("gateway-audit-off", 72, 98, 13),
    _round("bare", 110, 65, 8, education=1), _round("hive", 50, 160, 11, **SUBGRAPHS),
]  # fmt: skip
BATCH = [_round("gateway", 4, 240, 230, education=4), _round("bare", 25, 40, 30, education=4),
         _round("hive", 6, 160, 60, **SUBGRAPHS)]  # fmt: skip


def test_every_process_behind_an_answer_counts() -> None:
    assert hive_figures.cpu_all(SINGLE[3]) == 19.0  # the router's 9 and its subgraphs' 10
    assert hive_figures.cpu_all(SINGLE[0]) == 14.0  # the gateway's 13 and education's 1
    assert hive_figures.cpu_all({"target": "x", "server_cpu_ms_per_request": None}) is None


def test_the_sides_from_the_same_rounds() -> None:
    f = hive_figures.figures(SINGLE, BATCH)
    hive = f["single"]["hive"]
    assert hive["requests_per_second"] == 45 and hive["latency_p50_ms"] == 175
    assert hive["latency_p99_ms"] == 525 and hive["rounds"] == 2
    assert hive["cpu_ms_per_request"] == 10 and hive["cpu_all_ms_per_request"] == 20
    assert f["single"]["gateway"]["cpu_all_ms_per_request"] == 14.5
    ratio = f["single_rps_gateway_over_hive"]
    assert ratio == {"value": round(75 / 45, 3), "per_round": [2.0, 1.4]}
    assert f["batch100_latency_hive_over_gateway"]["value"] == round(160 / 240, 3)
    assert set(f["single"]) == {"gateway", "bare", "hive"}  # the access-log-off rounds are apart


def test_the_report_shows_them() -> None:
    section = {"figures": hive_figures.figures(SINGLE, BATCH), "answers_compared": 25,
               "batch_compared": 100, "answers_differing": []}  # fmt: skip
    rows = {name: (value, unit) for name, value, unit in hive_figures.rows(section)}
    assert rows["1 citizen: Hive Gateway over 4 subgraphs"] == ("45", "req/s")
    cpu = rows["1 citizen: CPU per request, all processes: gateway / Hive"]
    assert cpu == ("14.5 / 20.0", "ms")
    text = "\n".join(hive_figures.readme_lines(section))
    assert "| 1 citizen | req/s | 75.0 | 115.0 | 45.0 |" in text
    batch = "| latency p50 / p99, ms | 240.0 / 720.0 | 40.0 / 120.0 | 160.0 / 480.0 |"
    assert f"| 100 citizens {batch}" in text
    flowing = " ".join(text.split())
    assert "0 differed" in flowing and "writes no access log" in flowing
    assert hive_figures.rows({"skipped": "no node"}) == [] == hive_figures.readme_lines(None)


def test_target_6_is_reported_never_judged() -> None:
    summary = {"figures": report.figures(SINGLE, BATCH), "source_calls": {"calls": 7, "sources": 7},
               "hive": {"figures": hive_figures.figures(SINGLE, BATCH)}}  # fmt: skip
    row = {r["id"]: r for r in targets.evaluate(summary)}["6"]
    assert row["value"] == round(75 / 45, 3) and row["met"] is None
    assert row["note"] == "75 against 45 req/s; 100 citizens 240 against 160 ms"
    summary["hive"] = {"skipped": "needs Node.js 20 or newer"}
    row = {r["id"]: r for r in targets.evaluate(summary)}["6"]
    assert row["value"] is None and row["note"] == "needs Node.js 20 or newer"
