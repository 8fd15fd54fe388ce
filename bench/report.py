"""The bench's outputs: a table on stdout, bench/results.json and the README's Speed section."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from settings import ROOT

RESULTS = ROOT / "bench" / "results.json"
README = ROOT / "README.md"
SPEED = "## Speed"


def machine() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
    }


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2) if values else float("nan")


def figures(rounds: list[dict[str, Any]], batch: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the interleaved rounds, and the ratios measured within this run."""

    def of(runs: list[dict[str, Any]], target: str, key: str) -> list[float]:
        return [r[key] for r in runs if r["target"] == target and r.get(key) is not None]

    gateway_rps = of(rounds, "gateway", "requests_per_second")
    unaudited_rps = of(rounds, "gateway-audit-off", "requests_per_second")
    bare_rps = of(rounds, "bare", "requests_per_second")
    per_round = [g / b for g, b in zip(gateway_rps, bare_rps, strict=False) if b]
    audit_per_round = [1 - g / u for g, u in zip(gateway_rps, unaudited_rps, strict=False) if u]
    gateway_batch = of(batch, "gateway", "latency_median_ms")
    bare_batch = of(batch, "bare", "latency_median_ms")
    return {
        "single_gateway_rps": {"value": median(gateway_rps), "unit": "requests/s"},
        "single_bare_rps": {"value": median(bare_rps), "unit": "requests/s"},
        "single_ratio": {
            "value": round(median(gateway_rps) / median(bare_rps), 3) if bare_rps else None,
            "unit": "gateway/bare (medians)",
            "per_round": [round(r, 3) for r in per_round],
        },
        "single_gateway_audit_off_rps": {
            "value": median(unaudited_rps) if unaudited_rps else None,
            "unit": "requests/s",
        },
        "audit_cost": {
            # Paired per round (the two ran back to back), then the median: drift on a shared
            # machine moves both sides of a pair alike.
            "value": round(statistics.median(audit_per_round), 3) if audit_per_round else None,
            "unit": "share of throughput lost to the access log: median over rounds of "
            "1 - audited/unaudited",
            "per_round": [round(r, 3) for r in audit_per_round],
        },
        "single_gateway_latency_median": {
            "value": median(of(rounds, "gateway", "latency_median_ms")),
            "unit": "ms",
        },
        "single_bare_latency_median": {
            "value": median(of(rounds, "bare", "latency_median_ms")),
            "unit": "ms",
        },
        "single_gateway_cpu_per_request": {
            "value": median(of(rounds, "gateway", "server_cpu_ms_per_request")),
            "unit": "ms CPU (server process, all threads)",
        },
        "single_bare_cpu_per_request": {
            "value": median(of(rounds, "bare", "server_cpu_ms_per_request")),
            "unit": "ms CPU (server process, all threads)",
        },
        "batch100_gateway_latency_median": {"value": median(gateway_batch), "unit": "ms"},
        "batch100_bare_latency_median": {"value": median(bare_batch), "unit": "ms"},
        "batch100_ratio": {
            "value": round(median(gateway_batch) / median(bare_batch), 3) if bare_batch else None,
            "unit": "gateway/bare latency (medians)",
        },
        "errors": sum(r["errors"] for r in [*rounds, *batch]),
    }


def _ms(figure: dict[str, Any]) -> str:
    return f"{figure['value']:.1f}"


def table(summary: dict[str, Any]) -> list[tuple[str, str, str]]:
    f = summary["figures"]
    calls = summary["source_calls"]
    return [
        ("1 citizen, 7 records: gateway", f"{f['single_gateway_rps']['value']:.0f}", "req/s"),
        ("1 citizen, 7 records: bare Starlette", f"{f['single_bare_rps']['value']:.0f}", "req/s"),
        ("ratio gateway / bare (target >= 0.5)", f"{f['single_ratio']['value']:.2f}", ""),
        (
            "1 citizen: gateway, access log off",
            f"{f['single_gateway_audit_off_rps']['value']:.0f}",
            "req/s",
        ),
        (
            "audit cost: median of rounds, 1 - on/off (target < 10%)",
            f"{f['audit_cost']['value'] * 100:.1f}",
            "%",
        ),
        ("1 citizen: gateway CPU per request", _ms(f["single_gateway_cpu_per_request"]), "ms"),
        ("1 citizen: bare CPU per request", _ms(f["single_bare_cpu_per_request"]), "ms"),
        ("100 citizens: gateway latency", _ms(f["batch100_gateway_latency_median"]), "ms (median)"),
        ("100 citizens: bare latency", _ms(f["batch100_bare_latency_median"]), "ms (median)"),
        (
            "100 citizens: gateway source calls / sources",
            f"{calls['calls']} / {calls['sources']}",
            "",
        ),
    ]


def print_table(summary: dict[str, Any]) -> None:
    rows = table(summary)
    width = max(len(name) for name, _, _ in rows)
    print()
    for name, value, unit in rows:
        print(f"  {name:<{width}}  {value:>14} {unit}")
    print()


def write_results(summary: dict[str, Any]) -> None:
    RESULTS.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")


def update_readme(summary: dict[str, Any], command: str) -> None:
    """Replace everything after the `## Speed` heading (the README's last section)."""
    text = README.read_text()
    head, found, _ = text.partition(f"\n{SPEED}\n")
    if not found:
        print("README.md has no Speed section; left unchanged", file=sys.stderr)
        return
    setup = summary["setup"]
    m = summary["machine"]
    lines = [
        "",
        f"`{command}` (measured {m['date'][:10]}, {m['cpu_count']} CPUs, Python {m['python']}; "
        f"{setup['citizens']:,} citizens; uvicorn, one worker each; "
        f"{setup['concurrency']} keep-alive clients, {setup['rounds']} interleaved rounds of "
        f"{setup['duration_s']:g} s):",
        "",
        "| measure | figure |",
        "|---|---|",
        *(
            f"| {name} | {value} {unit} |".replace("  ", " ")
            for name, value, unit in table(summary)
        ),
        "",
        "*bare* is `bench/bare.py`: hand-written Starlette over the same agency databases and "
        "education service, no GraphQL, no auth. Details in `bench/results.json`.",
        "",
        "Where the 100-citizen time goes: the sources are called once each (7 calls), and the",
        "root field prefetches every requested record, so no field awaits. What remains is",
        "graphql-core's executor completing about 5,300 fields (some 10 µs each), and the access",
        "log's record per citizen and agency; the bare service builds the same JSON with no",
        "per-field work and no log.",
    ]
    README.write_text(f"{head}\n{SPEED}\n" + "\n".join(lines) + "\n")


def save(summary: dict[str, Any], command: str, path: Path = RESULTS) -> None:
    write_results(summary)
    update_readme(summary, command)
    print(f"wrote {path.relative_to(ROOT)} and the Speed section of README.md")
