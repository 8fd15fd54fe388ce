"""(f) The scale of the world (`--scale`): the same reads against a 1,000,000-citizen world and
the 10,000-citizen one, and what generating each cost in peak memory.

The large world lives in its own folder (var/bench-<count>/), generated once (streaming, in its
own process: bench/world.py records that process's peak RSS) and reused. Two gateways, one per
world, each with its own education service, answer one connection at a time; rounds interleave
them. Latency, not throughput, is what a bigger world could cost (deeper indexes, colder pages).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import statistics
from pathlib import Path
from typing import Any

from bench import checks
from bench.rounds import Driver, interleave
from bench.servers import Server, education_command, free_port, running, uvicorn_command
from bench.world import BenchWorld, ensure_world, gateway_env, register_sources, settings_for

ROLE = "statutory_all_datasets"


def _gateway(stack: contextlib.ExitStack, name: str, world: BenchWorld) -> tuple[Server, Any]:
    """A gateway over `world`, with its education service; (gateway, its demo client)."""
    port, education_port = free_port(), free_port()
    settings = settings_for(world.var_dir, port, education_port)
    log_dir = world.var_dir / "logs"
    education = stack.enter_context(
        running(f"education-{name}", education_command(world.var_dir, education_port),
                education_port, {}, log_dir)
    )  # fmt: skip
    client = register_sources(settings, education.url)[ROLE]
    gateway = stack.enter_context(
        running(name, uvicorn_command("server:app", port), port,
                gateway_env(settings, world.var_dir), log_dir)
    )  # fmt: skip
    return gateway, client


def _peak_rss(world: BenchWorld) -> float | None:
    saved: dict[str, Any] = json.loads((world.var_dir / "world.json").read_text())
    value = saved.get("peak_rss_mb")
    return float(value) if value is not None else None


def small_world_rss(world: BenchWorld) -> float:
    """The small world's generation peak RSS: recorded when it was made, or measured now by
    generating it again in a scratch folder (a world made before this was recorded)."""
    known = _peak_rss(world)
    if known is not None:
        return known
    scratch = world.var_dir.parent / f"{world.var_dir.name}-rss-probe"
    try:
        return _peak_rss(ensure_world(scratch, world.count, fresh=True)) or 0.0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _ratio_figure(runs: list[dict[str, Any]], small: str, large: str) -> dict[str, Any]:
    def of(target: str) -> list[float]:
        return [r["latency_median_ms"] for r in runs if r["target"] == target]

    small_ms, large_ms = of(small), of(large)
    return {
        "small_ms": statistics.median(small_ms),
        "large_ms": statistics.median(large_ms),
        "ratio": round(statistics.median(large_ms) / statistics.median(small_ms), 3),
        "per_round": [round(b / a, 3) for a, b in zip(small_ms, large_ms, strict=False) if a],
    }


def section(args: argparse.Namespace, driver: Driver, world: BenchWorld) -> dict[str, Any]:
    var_dir: Path = args.var_dir
    large_dir = var_dir.parent / f"{var_dir.name}-{args.scale_count}"
    print(f"(f) scale: {args.scale_count:,} citizens against {world.count:,}")
    large = ensure_world(large_dir, args.scale_count, fresh=False)
    small_rss, large_rss = small_world_rss(world), _peak_rss(large) or 0.0
    large_ids = large.var_dir / "ids.json"
    large_ids.write_text(json.dumps(large.ids))
    with contextlib.ExitStack() as stack:
        small_gateway, small_client = _gateway(stack, "gateway", world)
        large_gateway, large_client = _gateway(stack, "gateway-large", large)
        tokens = {
            "gateway": lambda: checks.token(small_gateway.url, small_client),
            "gateway-large": lambda: checks.token(large_gateway.url, large_client),
        }
        runs: dict[str, list[dict[str, Any]]] = {"single": [], "batch": []}
        for number in range(1, args.rounds + 1):
            for mode in runs:
                for gateway, own in ((small_gateway, driver),
                                     (large_gateway, Driver(large_ids, driver.wrk_path,
                                                            driver.force_python))):  # fmt: skip
                    (result,) = interleave(
                        own, (gateway,), tokens[gateway.name], 1, mode=mode,
                        duration=args.duration, concurrency=1,
                    )  # fmt: skip
                    result["round"] = number
                    runs[mode].append(result)
    return {
        "small": world.count,
        "large": large.count,
        "single": _ratio_figure(runs["single"], "gateway", "gateway-large"),
        "batch": _ratio_figure(runs["batch"], "gateway", "gateway-large"),
        "generation": {
            "small_peak_rss_mb": small_rss,
            "large_peak_rss_mb": large_rss,
            "rss_ratio": round(large_rss / small_rss, 3) if small_rss else None,
        },
        "runs": runs,
    }
