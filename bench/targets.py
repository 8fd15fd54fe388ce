"""Issue 13's targets, each with the value this run measured, its rounds, and whether it is met.

A target whose section did not run (`--no-slow`, no `--scale`, no PostgreSQL) is listed as not
measured, never as met."""

from __future__ import annotations

from typing import Any

Row = dict[str, Any]


def _row(
    key: str, target: str, goal: str, value: float | None, met: bool | None,
    per_round: list[float] | None = None, note: str = "",
) -> Row:  # fmt: skip
    return {"id": key, "target": target, "goal": goal, "value": value, "met": met,
            "per_round": per_round or [], "note": note}  # fmt: skip


def _at_most(value: float | None, limit: float) -> bool | None:
    return None if value is None else value <= limit


def _at_least(value: float | None, limit: float) -> bool | None:
    return None if value is None else value >= limit


def evaluate(summary: dict[str, Any]) -> list[Row]:
    f = summary["figures"]
    calls = summary["source_calls"]
    rows = [
        _row("1a", "1 citizen: throughput gateway / bare", ">= 0.75", f["single_ratio"]["value"],
             _at_least(f["single_ratio"]["value"], 0.75), f["single_ratio"]["per_round"]),
        _row("1b", "1 citizen: CPU per request gateway / bare", "<= 1.35",
             f["single_cpu_ratio"]["value"], _at_most(f["single_cpu_ratio"]["value"], 1.35),
             f["single_cpu_ratio"]["per_round"]),
        _row("2", "100 citizens: latency gateway / bare, 7 source calls", "<= 2.0",
             f["batch100_ratio"]["value"],
             None if f["batch100_ratio"]["value"] is None
             else f["batch100_ratio"]["value"] <= 2.0 and calls["calls"] == calls["sources"] == 7,
             f["batch100_ratio"]["per_round"], f"{calls['calls']} calls / {calls['sources']}"),
        *_slow(summary.get("slow")),
        _row("4", "audit cost: CPU per request, log on / off - 1", "< 0.05",
             f["audit_cost_cpu"]["value"],
             None if f["audit_cost_cpu"]["value"] is None else f["audit_cost_cpu"]["value"] < 0.05,
             f["audit_cost_cpu"]["per_round"]),
        *_scale(summary.get("scale")),
        _hive(summary.get("hive")),
    ]  # fmt: skip
    return rows


def _slow(section: dict[str, Any] | None) -> list[Row]:
    if not section or not section.get("throughput_rps"):
        why = (section or {}).get(
            "skipped",
            "not run (--no-slow)"
            if not section
            else "no request answered within a round: rounds too short",
        )
        return [_row("3", "slow agencies", "", None, None, note=why)]
    bound = section["bound_rps"]
    errors = section["pool_errors"] + section["error_answers"] + section["timeouts"]
    return [
        _row("3a", f"slow agencies, {section['clients']} clients: throughput / "
             "min(latency bound, CPU bound)", ">= 0.8",
             round(section["throughput_rps"] / bound, 3) if bound else None,
             _at_least(section["throughput_rps"] / bound if bound else None, 0.8),
             [round(r / bound, 3) for r in section["rounds_rps"]] if bound else [],
             f"{section['throughput_rps']:.0f} req/s; latency bound "
             f"{section['latency_bound_rps']:.0f}, CPU bound {section['cpu_bound_rps']:.0f}"),
        _row("3b", "slow agencies: p99 / slowest source's p99", "<= 1.5",
             section["p99_ratio"], _at_most(section["p99_ratio"], 1.5),
             section["rounds_p99_ratio"],
             f"p99 {section['p99_ms']:.0f} ms; slowest source p99 "
             f"{section['slowest_source_p99_ms']:.0f} ms"),
        _row("3c", "slow agencies: timeouts and errors in the gateway's own pools", "== 0",
             errors, errors == 0, None,
             f"{section['pool_errors']} pool timeouts logged, {section['error_answers']} answers "
             f"with errors, {section['timeouts']} client timeouts"),
    ]  # fmt: skip


def _scale(section: dict[str, Any] | None) -> list[Row]:
    if not section:
        return [_row("5", "world of 1,000,000 citizens", "", None, None, note="not run (--scale)")]
    rows = []
    for mode, label in (("single", "1 citizen"), ("batch", "100 citizens")):
        figure = section[mode]
        rows.append(_row(
            f"5{'a' if mode == 'single' else 'b'}",
            f"{label}: latency {section['large']:,} / {section['small']:,} world", "<= 1.10",
            figure["ratio"], _at_most(figure["ratio"], 1.10), figure["per_round"],
            f"{figure['large_ms']:.1f} ms against {figure['small_ms']:.1f} ms"))  # fmt: skip
    memory = section["generation"]
    rows.append(_row(
        "5c", "world generation: peak RSS, large / small world", "<= 1.5 (flat)",
        memory["rss_ratio"], _at_most(memory["rss_ratio"], 1.5), None,
        f"{memory['large_peak_rss_mb']:.0f} MB against "
        f"{memory['small_peak_rss_mb']:.0f} MB"))  # fmt: skip
    return rows


def _hive(section: dict[str, Any] | None) -> Row:
    """6 has no number to meet: the figures side by side are the answer (bench/README.md)."""
    name = "1 citizen: throughput gateway / Hive Gateway over the agencies' subgraphs"
    if not section or "figures" not in section:
        why = (section or {}).get("skipped", "not run (--hive)")
        return _row("6", name, "reported", None, None, note=why)
    f = section["figures"]
    ratio = f["single_rps_gateway_over_hive"]
    single, batch = f["single"], f["batch100"]

    def of(figures: dict[str, Any], side: str, key: str) -> str:
        value = figures[side][key]
        return "-" if value is None else f"{value:.0f}"

    note = (
        f"{of(single, 'gateway', 'requests_per_second')} against "
        f"{of(single, 'hive', 'requests_per_second')} req/s; 100 citizens "
        f"{of(batch, 'gateway', 'latency_p50_ms')} against {of(batch, 'hive', 'latency_p50_ms')} ms"
    )
    return _row("6", name, "reported", ratio["value"], None, ratio["per_round"], note)


def _shown(value: float | None) -> str:
    return "not measured" if value is None else f"{value:.3g}"


def lines(rows: list[Row]) -> list[str]:
    """The targets as a Markdown table (bench/README.md and the terminal alike)."""
    out = ["| target | goal | measured | rounds | met |", "|---|---|---|---|---|"]
    for row in rows:
        met = {True: "yes", False: "**no**", None: "-"}[row["met"]]
        rounds = ", ".join(f"{r:.3g}" for r in row["per_round"]) or "-"
        note = f" ({row['note']})" if row["note"] else ""
        out.append(
            f"| {row['id']}. {row['target']} | {row['goal']} | {_shown(row['value'])}{note} "
            f"| {rounds} | {met} |"
        )
    return out


def print_targets(rows: list[Row]) -> None:
    print("Issue 13's targets:")
    for line in lines(rows):
        print("  " + line)
    print()
