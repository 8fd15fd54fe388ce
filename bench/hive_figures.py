"""(g)'s figures: Hive Gateway over the agencies' subgraphs beside the gateway and the bare
service, from the same interleaved rounds (bench/hive.py runs them; bench/report.py prints these).

CPU per request is given two ways: the answering process alone (the gateway, the bare service,
the router), and every process that worked on the answer (the gateway or the bare service with
the education service they call; the router with its four subgraphs).
"""

from __future__ import annotations

import statistics
import textwrap
from typing import Any

SIDES = ("gateway", "bare", "hive")
NAMES = {"gateway": "Darvazeh", "bare": "bare", "hive": "Hive Gateway"}
BEHIND = {
    "gateway": "gateway + education service",
    "bare": "bare + education service",
    "hive": "router + 4 subgraphs",
}
CPU_KEY = "_cpu_ms_per_request"
NO_AUTH = (
    "Hive Gateway here checks no token, consent or case reference and writes no access log: "
    "Darvazeh does all of them in its figures (the bare service does none)."
)

Run = dict[str, Any]


def _median(values: list[float]) -> float | None:
    return round(statistics.median(values), 2) if values else None


def cpu_all(run: Run) -> float | None:
    """CPU per request of every process a round watched: the server and those behind it."""
    values = [value for key, value in run.items() if key.endswith(CPU_KEY)]
    if not values or any(value is None for value in values):
        return None
    return round(sum(values), 3)


def _of(runs: list[Run], target: str, key: str) -> list[float]:
    found = [cpu_all(r) if key == "cpu_all" else r.get(key) for r in runs if r["target"] == target]
    return [value for value in found if value is not None]


def side(runs: list[Run], target: str) -> dict[str, Any]:
    """One side's medians over its rounds."""
    return {
        "requests_per_second": _median(_of(runs, target, "requests_per_second")),
        "latency_p50_ms": _median(_of(runs, target, "latency_median_ms")),
        "latency_p99_ms": _median(_of(runs, target, "latency_p99_ms")),
        "cpu_ms_per_request": _median(_of(runs, target, "server_cpu_ms_per_request")),
        "cpu_all_ms_per_request": _median(_of(runs, target, "cpu_all")),
        "rounds": sum(1 for r in runs if r["target"] == target),
        "errors": sum(r["errors"] for r in runs if r["target"] == target),
    }


def _ratio(runs: list[Run], key: str, ours: str, theirs: str) -> dict[str, Any]:
    """ours / theirs: of the medians, and round by round (the rounds ran back to back)."""
    a, b = _of(runs, ours, key), _of(runs, theirs, key)
    top, bottom = _median(a), _median(b)
    return {
        "value": round(top / bottom, 3) if top is not None and bottom else None,
        "per_round": [round(x / y, 3) for x, y in zip(a, b, strict=False) if y],
    }


def figures(single: list[Run], batch: list[Run]) -> dict[str, Any]:
    return {
        "single": {target: side(single, target) for target in SIDES},
        "batch100": {target: side(batch, target) for target in SIDES},
        "single_rps_gateway_over_hive": _ratio(single, "requests_per_second", "gateway", "hive"),
        "single_cpu_all_hive_over_gateway": _ratio(single, "cpu_all", "hive", "gateway"),
        "batch100_latency_hive_over_gateway": _ratio(batch, "latency_median_ms", "hive", "gateway"),
        "batch100_cpu_all_hive_over_gateway": _ratio(batch, "cpu_all", "hive", "gateway"),
    }


def _shown(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


def rows(section: dict[str, Any] | None) -> list[tuple[str, str, str]]:
    """The summary table's rows (bench/report.py), when (g) ran."""
    if not section or "figures" not in section:
        return []
    f = section["figures"]
    single, batch = f["single"], f["batch100"]
    return [
        ("1 citizen: Hive Gateway over 4 subgraphs", _shown(single["hive"]["requests_per_second"],
         0), "req/s"),
        ("1 citizen: throughput gateway / Hive", _shown(f["single_rps_gateway_over_hive"]["value"],
         2), ""),
        ("1 citizen: CPU per request, all processes: gateway / Hive",
         f"{_shown(single['gateway']['cpu_all_ms_per_request'])} / "
         f"{_shown(single['hive']['cpu_all_ms_per_request'])}", "ms"),
        ("100 citizens: Hive latency", _shown(batch["hive"]["latency_p50_ms"]), "ms (median)"),
    ]  # fmt: skip


def readme_lines(section: dict[str, Any] | None) -> list[str]:
    """(g) side by side, for bench/README.md's figures."""
    if not section or "figures" not in section:
        return []
    f = section["figures"]
    lines = [
        "",
        "(g) Hive Gateway over the four agencies as subgraphs, in the same rounds (medians):",
        "",
        "| read | measure | " + " | ".join(NAMES[t] for t in SIDES) + " |",
        "|---|---|---|---|---|",
    ]
    for mode, label in (("single", "1 citizen"), ("batch100", "100 citizens")):
        sides = [f[mode][t] for t in SIDES]

        def cells(key: str, sides: list[dict[str, Any]] = sides) -> str:
            return " | ".join(_shown(s[key]) for s in sides)

        lines += [
            f"| {label} | req/s | {cells('requests_per_second')} |",
            f"| {label} | latency p50 / p99, ms | "
            + " | ".join(f"{_shown(s['latency_p50_ms'])} / {_shown(s['latency_p99_ms'])}"
                         for s in sides) + " |",
            f"| {label} | CPU per request, the answering process, ms | "
            f"{cells('cpu_ms_per_request')} |",
            f"| {label} | CPU per request, all processes, ms | {cells('cpu_all_ms_per_request')} |",
        ]  # fmt: skip
    behind = "; ".join(f"{NAMES[t]}: {BEHIND[t]}" for t in SIDES)
    compared, batch = section.get("answers_compared", 0), section.get("batch_compared", 0)
    differing = section.get("answers_differing", [])
    note = (
        f"All processes: {behind}. Hive's answers were compared with Darvazeh's for {compared} "
        f"citizens one at a time and {batch} in one read: {len(differing)} differed. {NO_AUTH}"
    )
    return [*lines, "", *textwrap.wrap(note, width=100)]
