"""Shared by the observability tests: reading a scrape, serving the gateway as real processes."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import sys
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.harness import BASE_URL, RunningGateway, free_port
from web import telemetry

ROOT = Path(__file__).resolve().parents[2]
ONE_CITIZEN = (
    "query OneCitizen($id: String!) { citizen(nationalId: $id) { identity { firstName } } }"
)
ALL_RECORDS = """query AllRecords($id: String!) { citizen(nationalId: $id) {
  identity { firstName } birth { date } death { date } address { city }
  insurance { status } schoolEnrollment { grade } taxStatus { cleared } } }"""

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


def parse(exposition: str) -> Samples:
    samples: Samples = {}
    for family in text_string_to_metric_families(exposition):
        for sample in family.samples:
            samples[(sample.name, frozenset(sample.labels.items()))] = sample.value
    return samples


def value(samples: Samples, name: str, **labels: str) -> float:
    """The sample's value; 0 when there is no such series (yet)."""
    return samples.get((name, frozenset(labels.items())), 0.0)


def series(samples: Samples, name: str) -> list[dict[str, str]]:
    return [dict(labels) for (sample, labels) in samples if sample == name]


async def scrape(http: httpx.AsyncClient, url: str = "/metrics") -> Samples:
    response = await http.get(url)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    return parse(response.text)


@contextlib.asynccontextmanager
async def own_metrics(
    gateway: RunningGateway, directory: Path, **changes: object
) -> AsyncIterator[Path]:
    """The in-process gateway's metrics in `directory` of their own (first-come operation
    names start afresh), with these settings changed; then back where they were."""
    settings = gateway.gateway.settings
    paths = [route.path for route in gateway.app.routes]  # type: ignore[attr-defined]
    observe = dataclasses.replace(settings.observability, metrics_dir=directory, **changes)
    changed = dataclasses.replace(settings, observability=observe)
    await telemetry.start(changed, paths)
    try:
        yield directory
    finally:
        await telemetry.start(settings, paths)


@dataclass
class ServerProcess:
    url: str
    process: asyncio.subprocess.Process
    output: Path

    def log_lines(self) -> list[str]:
        return self.output.read_text(errors="replace").splitlines()


@contextlib.asynccontextmanager
async def server_process(
    var_dir: Path, store_url: str, env: Mapping[str, str], output: Path, *args: str
) -> AsyncIterator[ServerProcess]:
    """`uvicorn server:app` as its own process on the shared store, its output in `output`."""
    port = free_port()
    environment = os.environ | {
        "GATEWAY_DATABASE_URL": store_url,
        "GATEWAY_VAR_DIR": str(var_dir),
        "GATEWAY_PUBLIC_URL": BASE_URL,
        **env,
    }
    with output.open("wb") as sink:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "uvicorn", "server:app", "--host", "127.0.0.1",
            "--port", str(port), *args,
            cwd=ROOT, env=environment, stdout=sink, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
    running = ServerProcess(f"http://127.0.0.1:{port}", process, output)
    try:
        async with httpx.AsyncClient() as client:
            deadline = time.monotonic() + 30
            while True:
                if process.returncode is not None:
                    tail = running.log_lines()[-20:]
                    raise RuntimeError(f"server exited with {process.returncode}: {tail}")
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"{running.url}/healthz")).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise TimeoutError("server did not start within 30 s")
                await asyncio.sleep(0.1)
        yield running
    finally:
        await stop(running)


async def stop(running: ServerProcess, *, kill: bool = False) -> None:
    process = running.process
    if process.returncode is not None:
        return
    if kill:
        process.kill()
    else:
        process.terminate()
    try:
        await asyncio.wait_for(process.wait(), 10)
    except TimeoutError:
        process.kill()
        await process.wait()
