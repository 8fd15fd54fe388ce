"""bench/targets.py and the slow section's figures: each target with its value, rounds and
verdict; a section not run is never reported as met."""

from __future__ import annotations

from typing import Any

from bench import report, slow, targets


def _round(target: str, rps: float, ms: float, cpu: float) -> dict[str, Any]:
    return {"target": target, "requests_per_second": rps, "latency_median_ms": ms, "errors": 0,
            "server_cpu_ms_per_request": cpu}  # fmt: skip


def _summary() -> dict[str, Any]:
    rounds = [
        _round("gateway", 80, 10, 13), _round("gateway-audit-off", 82, 10, 12.5),
        _round("bare", 100, 8, 10), _round("gateway", 76, 11, 13.5),
        _round("gateway-audit-off", 80, 10, 13), _round("bare", 100, 8, 10),
    ]  # fmt: skip
    batch = [_round("gateway", 0, 70, 0), _round("bare", 0, 40, 0)]
    calls = {"calls": 7, "sources": 7}
    return {"figures": report.figures(rounds, batch), "source_calls": calls}


def test_targets_from_the_figures() -> None:
    rows = {row["id"]: row for row in targets.evaluate(_summary())}
    assert rows["1a"]["value"] == 0.78 and rows["1a"]["met"] is True
    assert rows["1a"]["per_round"] == [0.8, 0.76]
    assert rows["1b"]["value"] == 1.325 and rows["1b"]["met"] is True
    assert rows["2"]["value"] == 1.75 and rows["2"]["met"] is True
    assert rows["4"]["per_round"] == [0.04, 0.038] and rows["4"]["met"] is True
    assert rows["3"]["met"] is None and rows["5"]["met"] is None  # not run: not met either
    text = "\n".join(targets.lines(list(rows.values())))
    assert "| 1a. 1 citizen: throughput gateway / bare | >= 0.75 | 0.78 | 0.8, 0.76 | yes |" in text


def test_slow_agencies_against_their_bounds() -> None:
    def run(phase: str, rps: float, p99: float, errors: int = 0) -> dict[str, Any]:
        return {"phase": phase, "requests_per_second": rps, "latency_p99_ms": p99, "ok": 10,
                "errors": errors, "timeouts": 0}  # fmt: skip

    sources = {"civil": {"p50_ms": 95.0, "p99_ms": 149.0},
               "education": {"p50_ms": 100.0, "p99_ms": 150.0}}  # fmt: skip
    runs = [run("instant", 80, 120), run("slow", 70, 210), run("instant", 90, 110),
            run("slow", 66, 240, errors=2)]  # fmt: skip
    section = slow.summarise(300, sources, runs, pool_errors=0)
    assert section["latency_bound_rps"] == 3000.0  # 300 clients / 0.1 s
    assert section["cpu_bound_rps"] == 85 and section["bound_rps"] == 85
    assert section["p99_ratio"] == round(225 / 150, 3)
    rows = {row["id"]: row for row in targets._slow(section)}
    assert rows["3a"]["value"] == round(68 / 85, 3) and rows["3a"]["met"] is True
    assert rows["3b"]["met"] is True
    assert rows["3c"]["value"] == 2 and rows["3c"]["met"] is False
