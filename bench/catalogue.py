"""(d) the service catalogue at 5,200 cards: coverage, agencies and the first page of unconnected
cards, one client sending a fixed number of queries per round (the Python generator: a count,
not a duration), without a token."""

from __future__ import annotations

import argparse
import contextlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import checks, report
from bench.rounds import Driver, measured
from bench.servers import Server, education_command, free_port, running, uvicorn_command
from bench.world import BenchWorld, gateway_env, register_sources, settings_for


def catalogue(
    args: argparse.Namespace, driver: Driver, gateway: Server, started: datetime
) -> dict[str, Any]:
    """(d) the catalogue query, one client back to back, after the gateway probed its sources."""
    checks.wait_for_probes(gateway.url, started)
    facts = checks.catalogue_facts(gateway.url)
    print(
        f"(d) catalogue: {facts['cards']:,} cards, {facts['connected']:,} connected; "
        f"one client, {args.catalogue_requests} queries per round"
    )
    runs = []
    for number in range(1, args.rounds + 1):
        result = measured(
            driver, gateway, "", mode="catalogue", requests=args.catalogue_requests,
            duration=60, concurrency=1, warmup=1.0,
        )  # fmt: skip
        runs.append(result)
        print(
            f"  round {number} catalogue  median {result['latency_median_ms']} ms"
            f"  p90 {result['latency_p90_ms']} ms  ({result['ok']} ok)"
            f"  cpu {result.get('server_cpu_ms_per_request')} ms/req"
        )
    return {
        **facts,
        "measured": datetime.now(UTC).isoformat(timespec="seconds"),
        "queries_per_round": args.catalogue_requests,
        "rounds": args.rounds,
        "figures": report.catalogue_figures(runs),
        "runs": runs,
    }


def bench_catalogue(args: argparse.Namespace, world: BenchWorld) -> dict[str, Any]:
    """Only (d): the education service (its source is probed) and the gateway."""
    var_dir: Path = args.var_dir
    world.ids_file.write_text(json.dumps(world.ids))
    gateway_port, education_port = free_port(), free_port()
    settings = settings_for(var_dir, gateway_port, education_port)
    with contextlib.ExitStack() as stack:
        education = stack.enter_context(
            running("education", education_command(var_dir, education_port), education_port, {},
                    var_dir / "logs")
        )  # fmt: skip
        register_sources(settings, education.url)
        started = datetime.now(UTC)
        gateway = stack.enter_context(
            running("gateway", uvicorn_command("server:app", gateway_port), gateway_port,
                    gateway_env(settings, var_dir), var_dir / "logs")
        )  # fmt: skip
        return catalogue(args, Driver(world.ids_file, force_python=True), gateway, started)
