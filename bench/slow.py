"""(e) Slow agencies: every source answers in 40 to 150 ms, the wait injected on the agencies' side.

The civil registry, social security and tax databases are the bench world loaded into PostgreSQL
(once; `python -m demo.generate` with the same seed, so the same citizens), each reached through
its own delaying TCP proxy (bench/delay_proxy.py); the education service waits before each answer
(`python -m demo.education --delay-ms`). Nothing in the gateway sleeps.

One gateway serves every round. Rounds alternate the agencies between instant (proxies passing
straight through, education without delay) and slow (the same ports, delays on), so the CPU bound
is the same gateway's throughput with instant sources under the same clients. The sources' own
answer times are measured from outside, one client per source, while slow.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg  # type: ignore[import-untyped]
import httpx
from sqlalchemy.engine import make_url

from bench import checks
from bench.rounds import Driver, measured
from bench.servers import Server, education_command, free_port, running, uvicorn_command
from bench.world import SEED, BenchWorld, gateway_env, register_sources, settings_for
from demo.generate import generate_and_load
from demo.seed import AgencyUrls
from settings import Settings, SourceSettings

ROLE = "statutory_all_datasets"
# The demo education service's bearer key (EDUCATION_API_KEY), set by bench/__main__.py.
EDUCATION_KEY = ""
DELAY_MS = (40.0, 150.0)
DATABASES = {"civil": "civil-registry", "social": "social-security", "tax": "tax"}
# One lookup per agency database, as a source reads one citizen: (table, key column, as int).
PROBES = {
    "civil": ("SELECT * FROM sabt_ahval_afrad WHERE shomare_melli = $1", False),
    "social": ("SELECT * FROM insured_persons WHERE insured_id = $1", False),
    "tax": ('SELECT * FROM "TAXPAYERS" WHERE "NATIONAL_CODE" = $1', True),
}
PROBE_CALLS = 60
# The gateway's pool per agency database in this section (GATEWAY_SOURCE_POOL_SIZE): three
# databases share one PostgreSQL server with max_connections 100 (and the tests on this machine).
POOL_SIZE = 20
POOL_MARKERS = ("QueuePool limit", "PoolTimeout", "pool timeout", "TimeoutError")


def database_name(agency: str, count: int) -> str:
    return f"darvazeh_bench_{agency}_{count}"


async def _create_databases(server_url: str, count: int) -> None:
    url = make_url(server_url)
    connection = await asyncpg.connect(
        host=url.host, port=url.port or 5432, user=url.username, password=url.password,
        database=url.database or "postgres",
    )  # fmt: skip
    try:
        for agency in DATABASES:
            name = database_name(agency, count)
            await connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            await connection.execute(f'CREATE DATABASE "{name}"')
    finally:
        await connection.close()


def ensure_postgres_world(server_url: str, var_dir: Path, count: int) -> dict[str, str]:
    """The agency databases in PostgreSQL (made once per world size); their direct URLs."""
    url = make_url(server_url)
    urls = {
        agency: url.set(database=database_name(agency, count)).render_as_string(False)
        for agency in DATABASES
    }
    marker = var_dir / "slow-world.json"
    if marker.exists() and json.loads(marker.read_text()).get("count") == count:
        return urls
    started = time.perf_counter()
    asyncio.run(_create_databases(server_url, count))
    asyncio.run(generate_and_load(count, SEED, urls))
    marker.write_text(json.dumps({"count": count, "urls": urls}))
    print(f"  loaded the world into PostgreSQL in {time.perf_counter() - started:.1f}s")
    return urls


def proxied(urls: dict[str, str], ports: dict[str, int]) -> dict[str, str]:
    return {
        agency: make_url(url).set(host="127.0.0.1", port=ports[agency]).render_as_string(False)
        for agency, url in urls.items()
    }


@contextlib.contextmanager
def agencies(var_dir: Path, upstream: str, ports: dict[str, int]) -> Iterator[list[Server]]:
    """A delaying proxy in front of each agency: the three databases' PostgreSQL server and the
    education service (its own process); all start instant (bench/delay_proxy.py)."""
    log_dir = var_dir / "logs"
    education_port = free_port()
    upstreams = dict.fromkeys(DATABASES, upstream) | {"education": f"127.0.0.1:{education_port}"}
    with contextlib.ExitStack() as stack:
        stack.enter_context(running("education-slow", education_command(var_dir, education_port),
                                    education_port, {}, log_dir))  # fmt: skip
        proxies = []
        for agency, target in upstreams.items():
            command = [
                sys.executable, "-m", "bench.delay_proxy", "--listen",
                f"127.0.0.1:{ports[agency]}", "--upstream", target, "--instant",
                "--delay-ms", str(DELAY_MS[0]), str(DELAY_MS[1]),
            ]  # fmt: skip
            proxies.append(stack.enter_context(
                running(f"proxy-{agency}", command, ports[agency], {}, log_dir, http=False)
            ))  # fmt: skip
        yield proxies


def switch(proxies: list[Server], slow: bool) -> None:
    """Every agency instant or slow from now on (SIGUSR1 / SIGUSR2 to the proxies)."""
    for proxy in proxies:
        os.kill(proxy.process.pid, signal.SIGUSR1 if slow else signal.SIGUSR2)


async def _probe_sql(url: str, sql: str, as_int: bool, ids: list[str]) -> list[float]:
    parsed = make_url(url)
    connection = await asyncpg.connect(
        host=parsed.host, port=parsed.port, user=parsed.username, password=parsed.password,
        database=parsed.database,
    )  # fmt: skip
    try:
        times = []
        for number in range(PROBE_CALLS + 3):
            value: Any = int(ids[number % len(ids)]) if as_int else ids[number % len(ids)]
            started = time.perf_counter()
            await connection.fetch(sql, value)
            if number >= 3:  # the first: statement preparation, another round trip
                times.append(time.perf_counter() - started)
        return times
    finally:
        await connection.close()


async def _probe_education(url: str, ids: list[str]) -> list[float]:
    headers = {"Authorization": f"Bearer {EDUCATION_KEY}"} if EDUCATION_KEY else {}
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=30) as client:
        times = []
        for number in range(PROBE_CALLS):
            started = time.perf_counter()
            response = await client.post(
                "/api/v1/students:batch", json={"codes": [ids[number % len(ids)]]}
            )
            response.raise_for_status()
            times.append(time.perf_counter() - started)
        return times


async def probe_sources(urls: dict[str, str], education_url: str, ids: list[str]) -> dict[str, Any]:
    """Each agency's answer time as a client of it sees it: p50 and p99 in ms."""
    names = [*DATABASES, "education"]
    found = await asyncio.gather(
        *(_probe_sql(urls[agency], *PROBES[agency], ids) for agency in DATABASES),
        _probe_education(education_url, ids),
    )
    return {
        name: {
            "p50_ms": round(statistics.median(times) * 1000, 2),
            "p99_ms": round(sorted(times)[int(len(times) * 0.99)] * 1000, 2),
        }
        for name, times in zip(names, found, strict=True)
    }


def _settings(var_dir: Path, port: int, ports: dict[str, int], urls: dict[str, str]) -> Settings:
    allow = {DATABASES[a]: [f"127.0.0.1:{ports[a]}/{make_url(urls[a]).database}"] for a in urls}
    allow["education"] = [f"127.0.0.1:{ports['education']}"]
    base = settings_for(var_dir, port)
    return Settings(
        var_dir=var_dir, host=base.host, port=port, public_url=base.public_url,
        sources=SourceSettings(agencies_dir=base.agencies_folder, allowlist=json.dumps(allow),
                               sql_pool_size=POOL_SIZE, sql_pool_overflow=0),
    )  # fmt: skip


def _pool_errors(log: Path, offset: int) -> int:
    text = log.read_text(errors="replace")[offset:]
    return sum(text.count(marker) for marker in POOL_MARKERS)


def section(args: argparse.Namespace, driver: Driver, world: BenchWorld) -> dict[str, Any]:
    var_dir: Path = args.var_dir
    upstream = args.slow_postgres
    try:
        urls = ensure_postgres_world(upstream, var_dir, world.count)
    except (OSError, asyncpg.PostgresError) as error:
        print(f"(e) slow agencies skipped: no PostgreSQL at {upstream}: {error}")
        return {"skipped": f"no PostgreSQL at {make_url(upstream).host}: {error}"}
    ports = {name: free_port() for name in [*DATABASES, "education"]}
    port = free_port()
    settings = _settings(var_dir, port, ports, urls)
    through = proxied(urls, ports)
    pg = make_url(upstream)
    clients, runs = args.slow_clients, []
    print(f"(e) slow agencies: {clients} clients, sources {DELAY_MS[0]:g}-{DELAY_MS[1]:g} ms, "
          f"pool {POOL_SIZE} per agency database")  # fmt: skip
    education_url = f"http://127.0.0.1:{ports['education']}"
    with contextlib.ExitStack() as stack:
        proxies = stack.enter_context(agencies(var_dir, f"{pg.host}:{pg.port or 5432}", ports))
        where = AgencyUrls(civil=through["civil"], social=through["social"], tax=through["tax"],
                           education=education_url)  # fmt: skip
        client = register_sources(settings, education_url, where)[ROLE]
        gateway = stack.enter_context(running(
            "gateway-slow", uvicorn_command("server:app", port), port,
            gateway_env(settings, var_dir), var_dir / "logs",
        ))  # fmt: skip
        offset = len(gateway.log.read_text(errors="replace"))
        switch(proxies, slow=True)
        sources = asyncio.run(probe_sources(through, education_url, world.ids))
        print(f"  sources (p50/p99 ms): {sources}")
        for number in range(1, args.rounds + 1):
            for phase in ("instant", "slow"):
                switch(proxies, slow=phase == "slow")
                token = checks.token(gateway.url, client)
                result = measured(driver, gateway, token, proxies, mode="single",
                                  duration=args.duration, concurrency=clients)  # fmt: skip
                result |= {"round": number, "phase": phase}
                runs.append(result)
                print(f"  round {number} {phase:<8} {result['requests_per_second']:>7.1f} req/s"
                      f"  p50 {result['latency_median_ms']} ms  p99 {result['latency_p99_ms']} ms"
                      f"  errors {result['errors']}  cpu {result['server_cpu_ms_per_request']}"
                      f"  {result['first_error'] or ''}")  # fmt: skip
        pool_errors = _pool_errors(gateway.log, offset)
    return summarise(clients, sources, runs, pool_errors)


def summarise(
    clients: int, sources: dict[str, Any], runs: list[dict[str, Any]], pool_errors: int
) -> dict[str, Any]:
    """The figures of (e): throughput against min(latency bound, CPU bound), p99 against the
    slowest source's p99, and errors."""
    slow = [r for r in runs if r["phase"] == "slow"]
    instant = [r for r in runs if r["phase"] == "instant"]
    slowest = max(sources.values(), key=lambda s: s["p50_ms"])
    slowest_p99 = max(s["p99_ms"] for s in sources.values())
    latency_bound = clients / (slowest["p50_ms"] / 1000)
    cpu_bound = statistics.median(r["requests_per_second"] for r in instant)
    p99s = [r["latency_p99_ms"] for r in slow if r["ok"]] or [float("nan")]
    return {
        "clients": clients,
        "delay_ms": list(DELAY_MS),
        "pool_size": POOL_SIZE,
        "sources": sources,
        "slowest_source_p50_ms": slowest["p50_ms"],
        "slowest_source_p99_ms": slowest_p99,
        "latency_bound_rps": round(latency_bound, 1),
        "cpu_bound_rps": round(cpu_bound, 1),
        "bound_rps": round(min(latency_bound, cpu_bound), 1),
        "throughput_rps": statistics.median(r["requests_per_second"] for r in slow),
        "rounds_rps": [r["requests_per_second"] for r in slow],
        "p99_ms": statistics.median(p99s),
        "p99_ratio": round(statistics.median(p99s) / slowest_p99, 3),
        "rounds_p99_ratio": [round(p / slowest_p99, 3) for p in p99s],
        "error_answers": sum(r["errors"] for r in slow),
        "timeouts": sum(r.get("timeouts", 0) for r in slow),
        "pool_errors": pool_errors,
        "runs": runs,
    }
