"""The bench's outputs: a table on stdout, bench/results.json and the figures in bench/README.md."""

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

from bench import hive_figures, targets
from settings import ROOT

RESULTS = ROOT / "bench" / "results.json"
README = ROOT / "bench" / "README.md"
# The figures' part of bench/README.md, between these lines; the rest of the page is prose.
FIGURES_BEGIN = "<!-- figures: written by `make bench` (bench/report.py) -->"
FIGURES_END = "<!-- end of figures -->"


def machine(load_at_start: float | None = None) -> dict[str, Any]:
    """The machine, and its 1-minute load average now (and when the run started, if given): on
    a shared machine, the load says how far the figures can be trusted."""
    found = {
        "cpu_count": os.cpu_count(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_end": round(os.getloadavg()[0], 2),
    }
    if load_at_start is not None:
        found["load_average_start"] = round(load_at_start, 2)
    return found


def median(values: list[float]) -> float:
    return round(statistics.median(values), 2) if values else float("nan")


def paired(ours: list[float], theirs: list[float]) -> list[float]:
    """Round by round ratios ours/theirs (the rounds ran back to back)."""
    return [round(a / b, 3) for a, b in zip(ours, theirs, strict=False) if b]


def figures(rounds: list[dict[str, Any]], batch: list[dict[str, Any]]) -> dict[str, Any]:
    """Medians over the interleaved rounds, and the ratios measured within this run."""

    def of(runs: list[dict[str, Any]], target: str, key: str) -> list[float]:
        return [r[key] for r in runs if r["target"] == target and r.get(key) is not None]

    gateway_rps = of(rounds, "gateway", "requests_per_second")
    unaudited_rps = of(rounds, "gateway-audit-off", "requests_per_second")
    bare_rps = of(rounds, "bare", "requests_per_second")
    per_round = paired(gateway_rps, bare_rps)
    audit_per_round = [1 - g / u for g, u in zip(gateway_rps, unaudited_rps, strict=False) if u]
    gateway_batch = of(batch, "gateway", "latency_median_ms")
    bare_batch = of(batch, "bare", "latency_median_ms")
    gateway_cpu = of(rounds, "gateway", "server_cpu_ms_per_request")
    unaudited_cpu = of(rounds, "gateway-audit-off", "server_cpu_ms_per_request")
    bare_cpu = of(rounds, "bare", "server_cpu_ms_per_request")
    cpu_costs = [r - 1 for r in paired(gateway_cpu, unaudited_cpu)]
    return {
        "single_cpu_ratio": {
            "value": round(median(gateway_cpu) / median(bare_cpu), 3) if bare_cpu else None,
            "unit": "gateway/bare CPU per request (medians)",
            "per_round": paired(gateway_cpu, bare_cpu),
        },
        "audit_cost_cpu": {
            # CPU per request, paired per round: noise that moves throughput barely moves this.
            "value": round(statistics.median(cpu_costs), 3) if cpu_costs else None,
            "unit": "CPU per request with the access log on / off, minus 1 (median of rounds)",
            "per_round": [round(c, 3) for c in cpu_costs],
        },
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
            "per_round": paired(gateway_batch, bare_batch),
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
        ("1 citizen: throughput ratio gateway / bare", f"{f['single_ratio']['value']:.2f}", ""),
        (
            "1 citizen: gateway, access log off",
            f"{f['single_gateway_audit_off_rps']['value']:.0f}",
            "req/s",
        ),
        (
            "audit cost in throughput: median of rounds, 1 - on/off",
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
        *hive_figures.rows(summary.get("hive")),
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


def update_readme(summary: dict[str, Any], command: str, readme: Path = README) -> None:
    """Replace the figures between the markers of bench/README.md; the prose stays."""
    text = readme.read_text(encoding="utf-8")
    head, begun, rest = text.partition(FIGURES_BEGIN + "\n")
    _, ended, tail = rest.partition(FIGURES_END)
    if not begun or not ended:
        print(f"{readme.name} has no figures markers; left unchanged", file=sys.stderr)
        return
    setup = summary.get("setup")
    m = summary.get("machine") or machine()
    heading = f"`{command}`, measured {m['date'][:10]} ({m['cpu_count']} CPUs, Python {m['python']}"
    if "load_average_start" in m:
        heading += f"; load average {m['load_average_start']:.1f} at the start, "
        heading += f"{m['load_average_end']:.1f} at the end"
    if setup:
        heading += (
            f"; {setup['citizens']:,} citizens; uvicorn, one worker each; "
            f"{setup['concurrency']} keep-alive clients, {setup['rounds']} interleaved rounds of "
            f"{setup['duration_s']:g} s"
        )
    lines = [
        heading + "):",
        "",
        "| measure | figure |",
        "|---|---|",
        *(
            f"| {name} | {value} {unit} |".replace("  ", " ")
            for name, value, unit in table(summary)
        ),
        *_catalogue_note(summary.get("catalogue")),
        *hive_figures.readme_lines(summary.get("hive")),
        *_targets_block(summary),
    ]
    readme.write_text(head + FIGURES_BEGIN + "\n" + "\n".join(lines) + "\n" + FIGURES_END + tail)


def _targets_block(summary: dict[str, Any]) -> list[str]:
    rows = summary.get("targets")
    if not rows:
        return []
    return ["", "Issue 13's targets (each ratio with its rounds):", "", *targets.lines(rows)]


def _catalogue_note(section: dict[str, Any] | None) -> list[str]:
    if not section:
        return []
    note = (
        f"The catalogue's figures were measured {section['measured'][:10]}: one client sent the "
        f"catalogue page's query back to back, {section['queries_per_round']} times in each of "
        f"{section['rounds']} rounds, without a token; each answer was "
        f"{section['response_bytes']:,} bytes of JSON."
    )
    return ["", *textwrap.wrap(note, width=100)]


def save(summary: dict[str, Any], command: str, path: Path = RESULTS) -> None:
    summary["command"] = command
    write_results(summary)
    update_readme(summary, command)
    print(f"wrote {path.relative_to(ROOT)} and the figures in {README.relative_to(ROOT)}")
