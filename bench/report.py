"""The bench's outputs: a table on stdout, bench/results.json and the README's Speed section."""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import textwrap
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


def catalogue_figures(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """(d): medians over the rounds of the catalogue query."""

    def of(key: str) -> list[float]:
        return [r[key] for r in runs if r.get(key) is not None]

    return {
        "latency_median": {"value": median(of("latency_median_ms")), "unit": "ms"},
        "latency_p90": {"value": median(of("latency_p90_ms")), "unit": "ms"},
        "requests_per_second": {"value": median(of("requests_per_second")), "unit": "requests/s"},
        "server_cpu_per_request": {
            "value": median(of("server_cpu_ms_per_request")),
            "unit": "ms CPU (server process, all threads)",
        },
        "errors": sum(r["errors"] for r in runs),
    }


def _round_range(per_round: list[float]) -> str:
    """The spread too: on a shared machine one median hides how much the rounds disagree."""
    if not per_round:
        return "%"
    low, high = min(per_round) * 100, max(per_round) * 100
    return f"% (rounds {low:.1f} to {high:.1f})"


def _ms(figure: dict[str, Any]) -> str:
    return f"{figure['value']:.1f}"


def catalogue_table(summary: dict[str, Any]) -> list[tuple[str, str, str]]:
    section = summary.get("catalogue")
    if not section:
        return []
    f = section["figures"]
    return [
        (
            f"catalogue, {section['cards']:,} cards: coverage, agencies, 1st page unconnected",
            _ms(f["latency_median"]),
            "ms (median; target < 50)",
        ),
        ("catalogue: gateway CPU per query", _ms(f["server_cpu_per_request"]), "ms"),
        (
            "catalogue: connected / cards",
            f"{section['connected']:,} / {section['cards']:,} ({section['share'] * 100:.0f} %)",
            "",
        ),
    ]


def table(summary: dict[str, Any]) -> list[tuple[str, str, str]]:
    if "figures" not in summary:  # only the catalogue was measured so far
        return catalogue_table(summary)
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
            _round_range(f["audit_cost"]["per_round"]),
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
        *catalogue_table(summary),
    ]


def print_table(summary: dict[str, Any]) -> None:
    rows = table(summary)
    width = max(len(name) for name, _, _ in rows)
    print()
    for name, value, unit in rows:
        print(f"  {name:<{width}}  {value:>14} {unit}")
    print()


def load_results(path: Path = RESULTS) -> dict[str, Any]:
    """The last run's summary, to add figures to ({} if there is none)."""
    try:
        loaded: dict[str, Any] = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return loaded


def write_results(summary: dict[str, Any]) -> None:
    RESULTS.write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")


def update_readme(summary: dict[str, Any], command: str) -> None:
    """Replace everything after the `## Speed` heading (the README's last section)."""
    text = README.read_text()
    head, found, _ = text.partition(f"\n{SPEED}\n")
    if not found:
        print("README.md has no Speed section; left unchanged", file=sys.stderr)
        return
    setup = summary.get("setup")
    m = summary.get("machine") or machine()
    heading = f"`{command}` (measured {m['date'][:10]}, {m['cpu_count']} CPUs, Python {m['python']}"
    if setup:
        heading += (
            f"; {setup['citizens']:,} citizens; uvicorn, one worker each; "
            f"{setup['concurrency']} keep-alive clients, {setup['rounds']} interleaved rounds of "
            f"{setup['duration_s']:g} s"
        )
    lines = [
        "",
        heading + "):",
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
        *_catalogue_note(summary.get("catalogue")),
    ]
    README.write_text(f"{head}\n{SPEED}\n" + "\n".join(lines) + "\n")


def _catalogue_note(section: dict[str, Any] | None) -> list[str]:
    if not section:
        return []
    note = (
        f"The catalogue figures (measured {section['measured'][:10]}; `python -m bench "
        "--catalogue-only` measures only them): one client sends the catalogue page's query "
        f"back to back, {section['queries_per_round']} times in each of {section['rounds']} "
        "rounds, without a token. Each query reads the cards' fingerprint (one index-only "
        "aggregate), the enabled sources and their health; the cards themselves are read and "
        "decoded only when the fingerprint moves, and connectivity is worked out once per "
        "distinct set of datasets. Most of the time left is graphql-core completing the "
        f"answer's fields (30 agencies, 20 cards with their reasons; {section['response_bytes']:,} "
        "bytes of JSON)."
    )
    return ["", *textwrap.wrap(note, width=100)]


def save(summary: dict[str, Any], command: str, path: Path = RESULTS) -> None:
    summary["command"] = command
    write_results(summary)
    update_readme(summary, command)
    print(f"wrote {path.relative_to(ROOT)} and the Speed section of README.md")
