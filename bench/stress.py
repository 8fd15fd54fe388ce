"""`make stress`: the gateway under load and faults, every part a real process on loopback.

    python -m bench.stress [--count 2000] [--fresh] [--clients 200] [--seconds 60]

(1) Soak: `--clients` keep-alive clients for `--seconds` against the gateway (uvicorn, one
    worker) reading one citizen's seven records each time: no errors, and the gateway's RSS
    (from /proc) in the last quarter within 10 % of the first quarter's (after a warm-up).
(2) Kill: SIGKILL the gateway mid-load and start it again: every request that was answered has
    its audit records in the store (by its Darvazeh-Request-Id), and `make audit-verify` passes.
(3) Outage: stop the education agency's HTTP service mid-load, start it again: the other
    agencies' fields answer throughout, the breaker opens, and education's fields come back
    within the breaker cool-down once the agency is back.

Prints a table, writes bench/stress.json; exits 1 if any criterion fails. The world (civil,
social, tax in SQLite, education over HTTP) is seeded once under var/stress/ and reused.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bench import checks, report, stress_report
from bench.servers import Server, education_command, free_port, running, uvicorn_command
from bench.world import BenchWorld, ensure_world, settings_for
from demo.seed import AgencyUrls, seed_gateway
from server import Gateway
from settings import ROOT, Settings, environment
from store.audit_models import AuditRecord
from store.db import create_engine, sessionmaker

VAR_DIR = ROOT / "var" / "stress"
ROLE = "statutory_all_datasets"
WARMUP_SECONDS = 5.0
SAMPLE_EVERY = 0.5  # seconds between RSS samples
BREAKER_COOLDOWN = 10.0  # the stress gateway's GATEWAY_BREAKER_COOLDOWN
RECOVERY_SLACK = 3.0  # a trial call needs a request to carry it, under load
# uvicorn's keep-alive (5 s by default) must outlast the clients' idle connections (httpx's
# keep-alive expiry is 5 s too): at equal timeouts a request sent on a connection the server is
# closing fails with a reset (a handful in 2,000 answers). Behind a load balancer, likewise: its
# idle timeout below the gateway's keep-alive.
KEEP_ALIVE_SECONDS = 75
KILL_CLIENTS, KILL_SECONDS, KILL_AFTER = 200, 20.0, 6.0
OUTAGE_CLIENTS, OUTAGE_BEFORE, OUTAGE_DOWN, OUTAGE_AFTER = 20, 6.0, 15.0, 20.0


def parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=2000, help="citizens in the stress world")
    parser.add_argument("--fresh", action="store_true", help="generate the world anew")
    parser.add_argument("--clients", type=int, default=200, help="clients in the soak")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the soak")
    parser.add_argument("--var-dir", type=Path, default=VAR_DIR)
    args = parser.parse_args()
    if not 1 <= args.clients <= 256 or not 10 <= args.seconds <= 180:
        parser.error("--clients must be 1..256 and --seconds 10..180")
    if not 100 <= args.count <= 100_000:
        parser.error("--count must be 100..100000")
    return args


def gateway_command(port: int) -> list[str]:
    return [*uvicorn_command("server:app", port), "--timeout-keep-alive", str(KEEP_ALIVE_SECONDS)]


def gateway_env(settings: Settings) -> dict[str, str]:
    return {
        "GATEWAY_HOST": "127.0.0.1",
        "GATEWAY_PORT": str(settings.port),
        "GATEWAY_PUBLIC_URL": settings.base_url,
        "GATEWAY_DATABASE_URL": "",  # the var dir's own store, whatever the shell says
        "GATEWAY_VAR_DIR": str(settings.var_dir),
        "GATEWAY_BREAKER_COOLDOWN": str(BREAKER_COOLDOWN),
    }


async def _seed(settings: Settings, education_url: str) -> dict[str, Any]:
    """Register the sources (education at this run's port) and the demo clients."""
    setup = await Gateway.start(settings)
    try:
        urls = AgencyUrls.embedded(settings.var_dir, education_url)
        return await seed_gateway(setup.sessions, setup.registry, urls)
    finally:
        await setup.close()


def rss_kb(pid: int) -> int | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


class Load:
    """One run of bench.stress_load in its own process, its answers in a JSON-lines file."""

    def __init__(
        self, url: str, token: str, ids_file: Path, out: Path, clients: int, seconds: float
    ):
        self.out = out
        self.seconds = seconds
        command = [
            sys.executable, "-m", "bench.stress_load", "--url", url, "--token", token,
            "--ids-file", str(ids_file), "--concurrency", str(clients),
            "--duration", str(seconds), "--out", str(out),
        ]  # fmt: skip
        self.process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)

    def running(self) -> bool:
        return self.process.poll() is None

    def wait(self) -> list[stress_report.Answer]:
        self.process.wait(timeout=self.seconds + 120)
        if self.process.returncode != 0:
            raise RuntimeError(f"bench.stress_load exited with {self.process.returncode}")
        return stress_report.read_answers(self.out)

    def stop(self) -> None:
        if self.running():
            self.process.terminate()
            self.process.wait(timeout=10)


@contextlib.contextmanager
def load(*args: Any) -> Iterator[Load]:
    run = Load(*args)
    try:
        yield run
    finally:
        run.stop()


def soak(
    gateway: Server, token: str, world: BenchWorld, args: argparse.Namespace
) -> dict[str, Any]:
    logs = args.var_dir / "logs"
    clients, seconds = args.clients, args.seconds
    print(f"(1) soak: warm-up {WARMUP_SECONDS:g} s, then {clients} clients for {seconds:g} s")
    with load(gateway.url, token, world.ids_file, logs / "warmup.jsonl", args.clients,
              WARMUP_SECONDS) as warmup:  # fmt: skip
        warmup.wait()
    samples: list[tuple[float, int]] = []
    started = time.monotonic()
    with load(gateway.url, token, world.ids_file, logs / "soak.jsonl", args.clients,
              args.seconds) as run:  # fmt: skip
        while run.running():
            kb = rss_kb(gateway.process.pid)
            if kb is not None:
                samples.append((time.monotonic() - started, kb))
            time.sleep(SAMPLE_EVERY)
        answers = run.wait()
    seconds = time.monotonic() - started
    return stress_report.soak(answers, seconds, stress_report.rss_drift(samples))


async def _audited(settings: Settings, request_ids: list[str]) -> set[str]:
    engine = create_engine(settings.store_url)
    found: set[str] = set()
    try:
        async with sessionmaker(engine)() as session:
            for start in range(0, len(request_ids), 500):
                chunk = request_ids[start : start + 500]
                query = select(AuditRecord.request_id).where(AuditRecord.request_id.in_(chunk))
                found.update(await session.scalars(query.distinct()))
    finally:
        await engine.dispose()
    return found


def audit_verify(settings: Settings) -> dict[str, Any]:
    """`make audit-verify` on the stress world's store, as an operator would run it."""
    env = environment.for_child(
        {"GATEWAY_VAR_DIR": str(settings.var_dir), "GATEWAY_DATABASE_URL": ""}
    )
    done = subprocess.run(
        ["make", "-s", "audit-verify"], cwd=ROOT, env=env, capture_output=True, text=True,
        timeout=600, check=False,
    )  # fmt: skip
    lines = (done.stdout + done.stderr).strip().splitlines()
    return {"exit_code": done.returncode, "summary": lines[-1] if lines else ""}


def kill_and_restart(
    stack: contextlib.ExitStack, gateway: Server, token: str, world: BenchWorld, settings: Settings
) -> tuple[Server, dict[str, Any]]:
    logs = settings.var_dir / "logs"
    print(f"(2) kill: {KILL_CLIENTS} clients; SIGKILL the gateway after {KILL_AFTER:g} s")
    with load(gateway.url, token, world.ids_file, logs / "kill.jsonl", KILL_CLIENTS,
              KILL_SECONDS) as run:  # fmt: skip
        time.sleep(KILL_AFTER)
        killed_at = time.time()
        os.killpg(gateway.process.pid, signal.SIGKILL)
        gateway.process.wait(timeout=10)
        restarted = stack.enter_context(
            running("gateway-restarted", gateway_command(settings.port),
                    settings.port, gateway_env(settings), logs)
        )  # fmt: skip
        back_at = time.time()
        answers = run.wait()
    audited = asyncio.run(_audited(settings, stress_report.answered_ids(answers)))
    verify = audit_verify(settings)
    return restarted, stress_report.kill(answers, killed_at, back_at, audited, verify)


def agency_outage(
    gateway: Server, education: Server, token: str, world: BenchWorld, settings: Settings
) -> dict[str, Any]:
    logs = settings.var_dir / "logs"
    seconds = OUTAGE_BEFORE + OUTAGE_DOWN + OUTAGE_AFTER
    print(f"(3) outage: {OUTAGE_CLIENTS} clients; education down for {OUTAGE_DOWN:g} s")
    with load(gateway.url, token, world.ids_file, logs / "outage.jsonl", OUTAGE_CLIENTS,
              seconds) as run:  # fmt: skip
        time.sleep(OUTAGE_BEFORE)
        down_at = time.time()
        education.process.send_signal(signal.SIGTERM)
        education.process.wait(timeout=10)
        time.sleep(OUTAGE_DOWN)
        with running("education-restarted", education_command(settings.var_dir, education.port),
                     education.port, {}, logs):  # fmt: skip
            back_at = time.time()
            answers = run.wait()
    return stress_report.outage(answers, down_at, back_at, BREAKER_COOLDOWN, RECOVERY_SLACK)


def stress(args: argparse.Namespace, world: BenchWorld) -> dict[str, Any]:
    world.ids_file.write_text(json.dumps(world.ids))
    logs = args.var_dir / "logs"
    gateway_port, education_port = free_port(), free_port()
    settings = settings_for(args.var_dir, gateway_port)
    with contextlib.ExitStack() as stack:
        education = stack.enter_context(
            running("education", education_command(args.var_dir, education_port),
                    education_port, {}, logs)
        )  # fmt: skip
        clients = asyncio.run(_seed(settings, education.url))
        gateway = stack.enter_context(
            running("gateway", gateway_command(gateway_port), gateway_port,
                    gateway_env(settings), logs)
        )  # fmt: skip
        token = checks.token(gateway.url, clients[ROLE])  # lives 300 s: enough for the run
        soaked = soak(gateway, token, world, args)
        gateway, killed = kill_and_restart(stack, gateway, token, world, settings)
        outage = agency_outage(gateway, education, token, world, settings)
    return {
        "machine": report.machine(),
        "command": "make stress",
        "setup": {
            "citizens": world.count,
            "soak_clients": args.clients,
            "soak_seconds": args.seconds,
            "warmup_seconds": WARMUP_SECONDS,
            "query": "one citizen, all seven records (bench.load.SINGLE_QUERY), statutory token",
            "servers": "gateway: uvicorn server:app, one worker, "
            f"keep-alive {KEEP_ALIVE_SECONDS} s; education: demo.education; "
            "civil, social, tax: SQLite; the load generator its own process; loopback HTTP",
            "breaker_cooldown_s": BREAKER_COOLDOWN,
            "kill": {"clients": KILL_CLIENTS, "seconds": KILL_SECONDS, "after_s": KILL_AFTER},
            "outage": {"clients": OUTAGE_CLIENTS, "down_s": OUTAGE_DOWN},
        },
        "soak": soaked,
        "kill": killed,
        "outage": outage,
        "ok": soaked["ok"] and killed["ok"] and outage["ok"],
    }


def main() -> None:
    args = parse()
    world = ensure_world(args.var_dir, args.count, fresh=args.fresh)
    summary = stress(args, world)
    stress_report.print_table(summary)
    stress_report.save(summary)
    sys.exit(0 if summary["ok"] else 1)


if __name__ == "__main__":
    main()
