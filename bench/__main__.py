"""`make bench`: the gateway against a bare hand-written service, side by side in one run.

    python -m bench [--count 10000] [--fresh] [--quick] [--rounds 3] [--duration 8]
                    [--concurrency 8] [--python-load] [--no-slow] [--scale] [--hive]
                    [--catalogue-only]

(a) the gateway (uvicorn `server:app`, own process) answering one citizen with all seven records
under a statutory token, against (b) `bench/bare.py` reading the same rows the same way with no
GraphQL and no auth, and the same gateway with its access log off; rounds interleave them, the
load generator (`wrk`, else bench/load.py) is its own process. (c) a 100-citizen query: source
calls (counted in-process) and latency. (d) the service catalogue at 5,200 cards.
(e) slow agencies (bench/slow.py), (f) a 1,000,000-citizen world (bench/scale.py, `--scale`),
(g) Hive Gateway over the agencies as subgraphs (bench/hive.py, `--hive`).
Every target of issue 13 is printed with its value and rounds (bench/targets.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import checks, hive, report, scale, slow, targets
from bench.catalogue import bench_catalogue, catalogue
from bench.rounds import Driver, interleave
from bench.servers import education_command, free_port, running, uvicorn_command
from bench.world import (
    VAR_DIR,
    BenchWorld,
    ensure_world,
    gateway_env,
    pools_env,
    register_sources,
    settings_for,
)
from settings.tools import demo_settings

ROLE = "statutory_all_datasets"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000, help="citizens in the bench world")
    parser.add_argument("--fresh", action="store_true", help="generate the bench world anew")
    parser.add_argument("--quick", action="store_true", help="a short run (2 rounds of 1.5 s)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per side")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds per round")
    parser.add_argument("--concurrency", type=int, default=8, help="keep-alive connections")
    parser.add_argument("--python-load", action="store_true", help="bench/load.py, not wrk")
    parser.add_argument("--catalogue-requests", type=int, default=200, help="per round")
    parser.add_argument("--catalogue-only", action="store_true", help="only (d), the catalogue")
    parser.add_argument("--no-slow", action="store_true", help="skip (e), the slow agencies")
    parser.add_argument("--slow-clients", type=int, default=300, help="(e) concurrent clients")
    parser.add_argument(
        "--slow-postgres", default="postgresql+asyncpg://postgres@127.0.0.1:5432/postgres",
        help="(e) the PostgreSQL server the slow agencies' databases are made on",
    )  # fmt: skip
    parser.add_argument("--scale", action="store_true", help="(f) a 1,000,000-citizen world too")
    parser.add_argument("--scale-count", type=int, default=1_000_000, help="(f) its citizens")
    parser.add_argument("--hive", action="store_true", help="(g) Hive Gateway (needs npm)")
    parser.add_argument("--var-dir", type=Path, default=VAR_DIR)
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.duration, args.catalogue_requests = 2, 1.5, 50
    if not 1 <= args.rounds <= 20 or not 0 < args.duration <= 60:
        parser.error("--rounds must be 1..20 and --duration 0..60 s")
    if not 100 <= args.count <= 1_000_000 or not 100 <= args.scale_count <= 2_000_000:
        parser.error("--count must be 100..1000000 and --scale-count 100..2000000")
    if not 1 <= args.catalogue_requests <= 5000 or not 1 <= args.concurrency <= 64:
        parser.error("--catalogue-requests must be 1..5000 and --concurrency 1..64")
    if not 1 <= args.slow_clients <= 500:
        parser.error("--slow-clients must be 1..500")
    return args


def bench(args: argparse.Namespace, world: BenchWorld) -> dict[str, Any]:
    load_at_start = os.getloadavg()[0]
    var_dir: Path = args.var_dir
    log_dir = var_dir / "logs"
    world.ids_file.write_text(json.dumps(world.ids))
    driver = Driver(world.ids_file, force_python=args.python_load)
    print(f"load generator: {driver.name}")
    gateway_port, bare_port, education_port = free_port(), free_port(), free_port()
    unaudited_port = free_port()
    settings = settings_for(var_dir, gateway_port, education_port)
    sections: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:
        education = stack.enter_context(
            running(
                "education", education_command(var_dir, education_port), education_port, {}, log_dir
            )
        )
        clients = register_sources(settings, education.url)
        client = clients[ROLE]
        env = gateway_env(settings, var_dir) | pools_env(args.concurrency)
        started = datetime.now(UTC)
        gateway = stack.enter_context(
            running("gateway", uvicorn_command("server:app", gateway_port), gateway_port, env,
                    log_dir)
        )  # fmt: skip
        # The same gateway with its access log off, only to measure what the log costs.
        unaudited = stack.enter_context(
            running("gateway-audit-off", uvicorn_command("server:app", unaudited_port),
                    unaudited_port, env | {"GATEWAY_AUDIT": "off"}, log_dir)
        )  # fmt: skip
        bare_env = {
            "BENCH_VAR_DIR": str(var_dir),
            "BENCH_EDUCATION_URL": education.url,
            **pools_env(args.concurrency),
        }
        bare = stack.enter_context(
            running("bare", uvicorn_command("bench.bare:app", bare_port), bare_port, bare_env,
                    log_dir)
        )  # fmt: skip
        # (g): the router and its subgraphs, in the same rounds (none when skipped).
        router = hive.start(stack, var_dir, log_dir) if args.hive else hive.Hive()
        behind = {s.name: (education,) for s in (gateway, unaudited, bare)} | router.watched

        def token_of() -> str:  # fresh each round: access tokens live 300 s
            return checks.token(gateway.url, client)

        sample = [*world.citizens.values(), *world.ids[:20]]
        differing = checks.compare(gateway.url, bare.url, token_of(), sample)
        print(f"answers compared for {len(sample)} citizens: {len(differing)} differ {differing}")
        compared = hive.compare(router, gateway.url, token_of(), sample, world.ids[:100])
        print(f"(a)/(b) one citizen, {args.concurrency} connections, {args.duration:g} s rounds")
        rounds = interleave(
            driver, (gateway, unaudited, bare, *router.servers), token_of, args.rounds, behind,
            mode="single", duration=args.duration, concurrency=args.concurrency,
        )  # fmt: skip
        print(f"(c) 100 citizens, one connection, {args.duration:g} s rounds")
        batch = interleave(
            driver, (gateway, bare, *router.servers), token_of, args.rounds, behind,
            mode="batch", duration=args.duration, concurrency=1, warmup=0.5,
        )  # fmt: skip
        calls = asyncio.run(checks.count_source_calls(settings, client, world.ids[:100]))
        sections["catalogue"] = catalogue(
            args, Driver(world.ids_file, force_python=True), gateway, started
        )
        if args.hive:
            sections["hive"] = hive.section(router, compared, rounds, batch)
    if not args.no_slow:
        sections["slow"] = slow.section(args, driver, world)
    if args.scale:
        sections["scale"] = scale.section(args, driver, world)
    return {
        "machine": report.machine(load_at_start),
        "setup": {
            "citizens": world.count,
            "concurrency": args.concurrency,
            "rounds": args.rounds,
            "duration_s": args.duration,
            "generator": driver.name,
            "servers": "uvicorn, one worker, --no-access-log; loopback HTTP",
            "source_calls_counted": "in-process app over the same store (Source.calls diff)",
        },
        "figures": report.figures(rounds, batch),
        "source_calls": calls,
        "answers_equivalent": not differing,
        "answers_differing": differing,
        "runs": {"single": rounds, "batch100": batch},
        **sections,
    }


def main() -> None:
    args = parse()
    slow.EDUCATION_KEY = demo_settings().education_api_key
    world = ensure_world(args.var_dir, args.count, fresh=args.fresh)
    if args.catalogue_only:
        summary = report.load_results()
        summary["catalogue"] = bench_catalogue(args, world)
        report.print_table(summary)
        report.save(summary, summary.get("command", "make bench"))
        return
    summary = bench(args, world)
    # bench.proactive measures apart (`make bench` runs it next): its last figures stay.
    if "proactive" in (previous := report.load_results()):
        summary["proactive"] = previous["proactive"]
    summary["targets"] = targets.evaluate(summary)
    report.print_table(summary)
    targets.print_targets(summary["targets"])
    calls = summary["source_calls"]
    if calls["calls"] != calls["sources"]:
        print(
            f"! the 100-citizen query made {calls['calls']} calls over {calls['sources']} sources"
        )
    report.save(summary, command_line(args))


def command_line(args: argparse.Namespace) -> str:
    """How this run was asked for, for the figures' heading."""
    if args.quick:
        words = ["python -m bench --quick"]
    else:
        words = ["make bench"]
        if (args.rounds, args.duration) != (3, 8.0):
            words = ["python -m bench", f"--rounds {args.rounds}", f"--duration {args.duration:g}"]
    flags = [flag for flag, on in (("--scale", args.scale), ("--hive", args.hive),
             ("--no-slow", args.no_slow), ("--python-load", args.python_load)) if on]  # fmt: skip
    if words == ["make bench"] and flags:  # make passes them through BENCH_ARGS
        return f'make bench BENCH_ARGS="{" ".join(flags)}"'
    return " ".join(words + flags)


if __name__ == "__main__":
    main()
