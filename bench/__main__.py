"""`make bench`: the gateway against a bare hand-written service, side by side in one run.

    python -m bench [--count 10000] [--fresh] [--quick] [--rounds 3] [--duration 5]
                    [--catalogue-only]

(a) the gateway (uvicorn `server:app`, own process) answering one citizen with all seven records
under a statutory token, against (b) `bench/bare.py` reading the same rows the same way with no
GraphQL and no auth; rounds interleave a/b, the load generator is its own process
(`bench.load`). (c) a 100-citizen query: source calls (counted in-process) and latency.
(d) the service catalogue at 5,200 cards: coverage, agencies and the first page of unconnected
cards, one client; `--catalogue-only` runs just (d) and keeps the other figures of the last run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import checks, report
from bench.servers import Server, education_command, free_port, running, uvicorn_command
from bench.world import VAR_DIR, BenchWorld, ensure_world, register_sources, settings_for

ROLE = "statutory_all_datasets"
LOAD_TIMEOUT = 120.0


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=10_000, help="citizens in the bench world")
    parser.add_argument("--fresh", action="store_true", help="generate the bench world anew")
    parser.add_argument("--quick", action="store_true", help="a short run (2 rounds of 1.5 s)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per side")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per round")
    parser.add_argument("--concurrency", type=int, default=8, help="keep-alive clients")
    parser.add_argument("--batch-requests", type=int, default=30, help="100-citizen queries")
    parser.add_argument("--catalogue-requests", type=int, default=200, help="per round")
    parser.add_argument("--catalogue-only", action="store_true", help="only (d), the catalogue")
    parser.add_argument("--var-dir", type=Path, default=VAR_DIR)
    args = parser.parse_args()
    if args.quick:
        args.rounds, args.duration, args.batch_requests = 2, 1.5, 8
        args.catalogue_requests = 50
    if not 1 <= args.rounds <= 20 or not 0 < args.duration <= 60:
        parser.error("--rounds must be 1..20 and --duration 0..60 s")
    if not 1 <= args.batch_requests <= 1000 or not 100 <= args.count <= 1_000_000:
        parser.error("--batch-requests must be 1..1000 and --count 100..1000000")
    if not 1 <= args.catalogue_requests <= 5000:
        parser.error("--catalogue-requests must be 1..5000")
    return args


def load(target: Server, ids_file: Path, access_token: str, **options: Any) -> dict[str, Any]:
    """One round of the load generator, in its own process; its JSON result."""
    command = [
        sys.executable, "-m", "bench.load",
        "--target", target.name, "--url", target.url,
        "--ids-file", str(ids_file), "--token", access_token,
    ]  # fmt: skip
    for name, value in options.items():
        command += [f"--{name.replace('_', '-')}", str(value)]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=LOAD_TIMEOUT, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.load failed:\n{done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    if result["errors"]:
        print(f"  ! {result['errors']} failed requests, e.g. {result['first_error']}")
    return result


def interleave(
    servers: tuple[Server, ...],
    education: Server,
    token_of: Any,
    rounds: int,
    ids_file: Path,
    **options: Any,
) -> list[dict[str, Any]]:
    """Rounds a, b, a, b, ...: drift on a shared machine lands on every side alike.

    Each run also records the CPU the server and the education service spent per request
    (warm-up included, so a slight over-estimate, alike on both sides)."""
    results = []
    for number in range(1, rounds + 1):
        for server in servers:
            access_token = token_of()
            before = server.cpu_seconds(), education.cpu_seconds()
            result = load(server, ids_file, access_token, **options)
            after = server.cpu_seconds(), education.cpu_seconds()
            for key, start, end in zip(("server", "education"), before, after, strict=True):
                if start is not None and end is not None and result["ok"]:
                    result[f"{key}_cpu_ms_per_request"] = round(
                        (end - start) * 1000 / result["ok"], 2
                    )
            results.append(result)
            print(
                f"  round {number} {server.name:<8} {result['requests_per_second']:>8.1f} req/s"
                f"  median {result['latency_median_ms']} ms  ({result['ok']} ok)"
                f"  cpu {result.get('server_cpu_ms_per_request')} ms/req"
            )
    return results


def catalogue(
    args: argparse.Namespace, gateway: Server, started: datetime, ids_file: Path
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
        before = gateway.cpu_seconds()
        result = load(
            gateway, ids_file, "", mode="catalogue", requests=args.catalogue_requests,
            duration=60, concurrency=1, warmup=1.0,
        )  # fmt: skip
        after = gateway.cpu_seconds()
        if before is not None and after is not None and result["ok"]:
            result["server_cpu_ms_per_request"] = round((after - before) * 1000 / result["ok"], 2)
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
        return catalogue(args, gateway, started, world.ids_file)


# One client reading a small sample of citizens as fast as it can: limits that count every
# request (what they cost is measured) and never refuse one.
UNREACHABLE_LIMIT = str(10**9)
RATE_LIMITS = ("CLIENT", "CITIZEN", "SUBJECT", "ANONYMOUS", "OAUTH", "OAUTH_ADDRESS")


def gateway_env(settings: Any, var_dir: Path) -> dict[str, str]:
    return {
        "GATEWAY_HOST": "127.0.0.1",
        "GATEWAY_PORT": str(settings.port),
        "GATEWAY_PUBLIC_URL": settings.base_url,
        "GATEWAY_VAR_DIR": str(var_dir),
        **{f"GATEWAY_RATE_LIMIT_{name}": UNREACHABLE_LIMIT for name in RATE_LIMITS},
        "GATEWAY_AGENCIES_DIR": str(settings.agencies_folder),
        "GATEWAY_SOURCE_ALLOWLIST": settings.sources.allowlist,
    }


def bench(args: argparse.Namespace, world: BenchWorld) -> dict[str, Any]:
    var_dir: Path = args.var_dir
    log_dir = var_dir / "logs"
    ids_file = world.ids_file
    ids_file.write_text(json.dumps(world.ids))
    gateway_port, bare_port, education_port = free_port(), free_port(), free_port()
    unaudited_port = free_port()
    settings = settings_for(var_dir, gateway_port, education_port)
    with contextlib.ExitStack() as stack:
        education = stack.enter_context(
            running(
                "education", education_command(var_dir, education_port), education_port, {}, log_dir
            )
        )
        clients = register_sources(settings, education.url)
        client = clients[ROLE]
        env = gateway_env(settings, var_dir)
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
        bare_env = {"BENCH_VAR_DIR": str(var_dir), "BENCH_EDUCATION_URL": education.url}
        bare = stack.enter_context(
            running("bare", uvicorn_command("bench.bare:app", bare_port), bare_port, bare_env,
                    log_dir)
        )  # fmt: skip

        def token_of() -> str:  # fresh each round: access tokens live 300 s
            return checks.token(gateway.url, client)

        sample = [*world.citizens.values(), *world.ids[:20]]
        differing = checks.compare(gateway.url, bare.url, token_of(), sample)
        print(f"answers compared for {len(sample)} citizens: {len(differing)} differ {differing}")
        print(f"(a)/(b) one citizen, {args.concurrency} clients, {args.duration:g} s rounds")
        rounds = interleave(
            (gateway, unaudited, bare), education, token_of, args.rounds, ids_file,
            mode="single", duration=args.duration, concurrency=args.concurrency,
        )  # fmt: skip
        print(f"(c) 100 citizens, one client, {args.batch_requests} queries per round")
        per_round = max(1, args.batch_requests // args.rounds)
        batch = interleave(
            (gateway, bare), education, token_of, args.rounds, ids_file,
            mode="batch", duration=60, requests=per_round, concurrency=1, warmup=0,
        )  # fmt: skip
        calls = asyncio.run(checks.count_source_calls(settings, client, world.ids[:100]))
        catalogue_section = catalogue(args, gateway, started, ids_file)
    return {
        "machine": report.machine(),
        "setup": {
            "citizens": world.count,
            "concurrency": args.concurrency,
            "rounds": args.rounds,
            "duration_s": args.duration,
            "batch_queries_per_round": per_round,
            "servers": "uvicorn, one worker, --no-access-log; loopback HTTP",
            "source_calls_counted": "in-process app over the same store (Source.calls diff)",
        },
        "figures": report.figures(rounds, batch),
        "source_calls": calls,
        "answers_equivalent": not differing,
        "answers_differing": differing,
        "runs": {"single": rounds, "batch100": batch},
        "catalogue": catalogue_section,
    }


def main() -> None:
    args = parse()
    world = ensure_world(args.var_dir, args.count, fresh=args.fresh)
    if args.catalogue_only:
        summary = report.load_results()
        summary["catalogue"] = bench_catalogue(args, world)
        report.print_table(summary)
        report.save(summary, summary.get("command", "make bench"))
        return
    summary = bench(args, world)
    report.print_table(summary)
    calls = summary["source_calls"]
    if calls["calls"] != calls["sources"]:
        print(
            f"! the 100-citizen query made {calls['calls']} calls over {calls['sources']} sources"
        )
    command = "make bench" if not args.quick else "python -m bench --quick"
    report.save(summary, command)


if __name__ == "__main__":
    main()
