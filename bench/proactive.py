"""`make bench`, proactive section: a burst of births reported at once, then the time until every
case exists, with one and with two standalone workers on PostgreSQL.

    python -m bench.proactive [--events 100000] [--postgres URL]

Over the bench world (var/bench: the civil registry and social security as SQLite agencies; the
education service started for the registration), a PostgreSQL store is made afresh with the demo
catalogue; of its proactive cards only `newborn-health-insurance` is left enabled (civil.birth,
civil.family, social.coverage under the Social Security statute), so each birth makes one case:
reads of the birth record and insurance (and the birth record again as the engine's own read of
who the case is for), each logged. For each run the outbox is emptied, the births are inserted in
bulk as intake inserts them (1,000 rows a statement), and `python -m services.proactive
--until-idle` processes (1 or 2 of them) drain it. Measured from the store: the time from the
burst to the last case, events per second, and each event's lag (case created - event reported)
at p50 and p95; from the workers' reports, the calls made to each source per 100 events.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bench import report
from bench.servers import education_command, free_port, running
from bench.world import VAR_DIR, _seed, ensure_world, settings_for
from settings import ROOT, Settings, environment
from standard.life_events import LifeEvent
from store.db import create_engine, sessionmaker, transaction
from store.migrate import upgrade_async
from store.models import ServiceCard
from store.proactive_models import LifeEventRecord, ServiceCaseRecord

CARD = "newborn-health-insurance"
POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
DATABASE = "darvazeh_bench_proactive"
BEGIN = "<!-- proactive figures: written by `make bench` (bench/proactive.py) -->"
END = "<!-- end of proactive figures -->"


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000, help="births in the burst")
    parser.add_argument("--count", type=int, default=10_000, help="citizens in the bench world")
    parser.add_argument("--postgres", default=POSTGRES, help="a PostgreSQL server URL")
    parser.add_argument("--var-dir", type=Path, default=VAR_DIR)
    args = parser.parse_args()
    if not 100 <= args.events <= 1_000_000:
        parser.error("--events must be 100..1000000")
    return args


async def fresh_store(server: str) -> str:
    url = make_url(server)
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as connection:
        await connection.execute(text(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)'))
        await connection.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    await engine.dispose()
    store = url.set(database=DATABASE).render_as_string(hide_password=False)
    await upgrade_async(store)
    return store


async def only_the_insurance_card(store: str) -> None:
    engine = create_engine(store)
    async with transaction(sessionmaker(engine)) as session:
        await session.execute(
            update(ServiceCard)
            .where(ServiceCard.proactive.is_(True), ServiceCard.id != CARD)
            .values(enabled=False)
        )
    await engine.dispose()


async def burst(store: str, subjects: list[str], events: int) -> float:
    """Empty the outbox and cases, then report `events` births at once; the burst's moment."""
    engine = create_engine(store)
    sessions = sessionmaker(engine)
    async with transaction(sessions) as session:
        await session.execute(
            text("TRUNCATE case_deliveries, service_case_people, service_cases, life_events")
        )
    started = time.time()
    now = datetime.fromtimestamp(started, UTC)
    rows = [
        {
            "id": str(uuid.uuid4()),
            "agency_code": "civil-registry",
            "source_event_id": f"bench-birth-{number}",
            "kind": LifeEvent.BIRTH_REGISTERED.value,
            "national_id": subjects[number % len(subjects)],
            "occurred_at": now,
            "channel": "NATS",
            "reported_by": "bench",
            "reported_at": now,
        }
        for number in range(events)
    ]
    async with transaction(sessions) as session:
        for start in range(0, len(rows), 1000):
            await session.execute(insert(LifeEventRecord), rows[start : start + 1000])
    await engine.dispose()
    return started


async def lags(store: str) -> tuple[list[float], datetime]:
    """Each event's lag in seconds (its case made - it reported), and the last case's moment."""
    engine = create_engine(store)
    async with sessionmaker(engine)() as session:
        rows = await session.execute(
            select(ServiceCaseRecord.created_at, LifeEventRecord.reported_at).join(
                LifeEventRecord, LifeEventRecord.id == ServiceCaseRecord.event_id
            )
        )
        found = [(made, reported) for made, reported in rows]
        left = await session.scalar(
            select(func.count())
            .select_from(LifeEventRecord)
            .where(LifeEventRecord.status != "DONE")
        )
    await engine.dispose()
    if left:
        raise RuntimeError(f"{left} events were not done")
    return [(m - r).total_seconds() for m, r in found], max(m for m, _ in found)


def drain(settings: Settings, store: str, workers: int, log_dir: Path) -> list[dict[str, Any]]:
    """`workers` standalone worker processes until nothing is due; their reports."""
    env = {
        "GATEWAY_DATABASE_URL": store,
        "GATEWAY_VAR_DIR": str(settings.var_dir),
        "GATEWAY_AGENCIES_DIR": str(settings.agencies_folder),
        "GATEWAY_SOURCE_ALLOWLIST": settings.sources.allowlist,
        "GATEWAY_LOG_LEVEL": "WARNING",
    }
    reports = [log_dir / f"proactive-worker-{n}.json" for n in range(workers)]
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "services.proactive", "--until-idle", "--report", str(path)],
            cwd=ROOT,
            env=environment.for_child(env),
        )
        for path in reports
    ]
    for process in processes:
        if process.wait(timeout=3600) != 0:
            raise RuntimeError(f"a worker exited with {process.returncode}")
    return [json.loads(path.read_text()) for path in reports]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(args: argparse.Namespace) -> dict[str, Any]:
    world = ensure_world(args.var_dir, args.count, fresh=False)
    log_dir = args.var_dir / "logs"
    education_port = free_port()
    store = asyncio.run(fresh_store(args.postgres))
    settings = dataclasses.replace(
        settings_for(args.var_dir, free_port(), education_port), database_url=store
    )
    with running(
        "education", education_command(args.var_dir, education_port), education_port, {}, log_dir
    ) as education:
        asyncio.run(_seed(settings, education.url))
    asyncio.run(only_the_insurance_card(store))
    runs = []
    for workers in (1, 2):
        started = asyncio.run(burst(store, world.ids, args.events))
        reports = drain(settings, store, workers, log_dir)
        waits, last = asyncio.run(lags(store))
        seconds = last.timestamp() - started
        calls = sum(sum(r["source_calls"].values()) for r in reports)
        events = sum(r["events"] for r in reports)
        run = {
            "workers": workers,
            "events": args.events,
            "seconds_to_last_case": round(seconds, 1),
            "events_per_second": round(args.events / seconds, 1),
            "lag_p50_s": round(percentile(waits, 0.5), 1),
            "lag_p95_s": round(percentile(waits, 0.95), 1),
            "lag_mean_s": round(statistics.fmean(waits), 1),
            "source_calls": calls,
            "source_calls_per_100_events": round(calls * 100 / max(1, events), 2),
            "batches": sum(r["batches"] for r in reports),
            # The machine is shared: how busy it was says how far the figures can be trusted.
            "load_average_1m": round(os.getloadavg()[0], 1),
        }
        print(json.dumps(run))
        runs.append(run)
    return {
        "machine": report.machine(),
        "setup": {
            "store": "PostgreSQL (fresh database)",
            "card": CARD,
            "citizens": world.count,
            "subjects": len(world.ids),
            "batch": settings.proactive.batch_size,
            "workers": "python -m services.proactive --until-idle, one process each",
        },
        "runs": runs,
    }


def update_readme(section: dict[str, Any], readme: Path = report.README) -> None:
    page = readme.read_text(encoding="utf-8")
    head, begun, rest = page.partition(BEGIN + "\n")
    _, ended, tail = rest.partition(END)
    if not begun or not ended:
        print(f"{readme.name} has no proactive figures markers; left unchanged", file=sys.stderr)
        return
    m, setup = section["machine"], section["setup"]
    lines = [
        f"`{section['command']}`, measured {m['date'][:10]} "
        f"({m['cpu_count']} CPUs, Python {m['python']}; "
        f"PostgreSQL store; {section['runs'][0]['events']:,} births in one burst, one case each "
        f"(`{setup['card']}`); batches of {setup['batch']}):",
        "",
        "| workers | time to the last case | events/s | lag p50 | lag p95 "
        "| source calls / 100 events | load average after |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| {r['workers']} | {r['seconds_to_last_case']:,} s | {r['events_per_second']:,} | "
            f"{r['lag_p50_s']} s | {r['lag_p95_s']} s | {r['source_calls_per_100_events']} | "
            f"{r.get('load_average_1m', '')} |"
            for r in section["runs"]
        ),
    ]
    readme.write_text(head + BEGIN + "\n" + "\n".join(lines) + "\n" + END + tail, encoding="utf-8")


def main() -> None:
    args = parse()
    section = measure(args)
    summary = report.load_results()
    section["command"] = (
        "make bench"
        if args.events == 100_000
        else f"python -m bench.proactive --events {args.events}"
    )
    summary["proactive"] = section
    report.write_results(summary)
    update_readme(section)
    with contextlib.suppress(ValueError):
        print(
            f"wrote {report.RESULTS.relative_to(ROOT)} and the proactive figures in bench/README.md"
        )


if __name__ == "__main__":
    main()
