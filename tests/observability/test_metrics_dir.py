"""prometheus_client's multiprocess mode: real uvicorn processes sharing one metrics directory
add up in one scrape; a dead worker's counts stay while the server runs; a fresh start begins at
zero."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from tests.harness import CASE, RunningGateway
from tests.observability.support import (
    ONE_CITIZEN,
    ServerProcess,
    scrape,
    series,
    server_process,
    stop,
    value,
)

OPERATIONS = "darvazeh_graphql_operations_total"
WORKERS = "darvazeh_worker_start_time_seconds"


async def _ask(
    http: httpx.AsyncClient, server: ServerProcess, times: int, gateway: RunningGateway
) -> None:
    headers = {"Authorization": f"Bearer {await gateway.token()}", "Darvazeh-Case-Reference": CASE}
    body = {"query": ONE_CITIZEN, "variables": {"id": gateway.citizens["parent"]}}
    for _ in range(times):
        # A new connection each time, so a multi-worker server may hand it to any worker.
        async with httpx.AsyncClient(timeout=10) as fresh:
            response = await fresh.post(f"{server.url}/graphql", json=body, headers=headers)
        assert response.status_code == 200 and "errors" not in response.json(), response.text


def _worker_pids(samples: dict) -> set[str]:  # type: ignore[type-arg]
    return {labels["pid"] for labels in series(samples, WORKERS)}


async def test_two_processes_add_up_and_a_dead_worker_keeps_its_counts(
    shared_store: RunningGateway, tmp_path: Path
) -> None:
    gateway = shared_store
    var_dir = Path(gateway.gateway.settings.var_dir)
    store = gateway.gateway.settings.store_url
    env = {
        "GATEWAY_METRICS_DIR": str(tmp_path / "metrics"),
        "GATEWAY_METRICS_OPERATIONS": "OneCitizen",
    }

    def start(name: str):  # type: ignore[no-untyped-def]
        return server_process(var_dir, store, env, tmp_path / f"{name}.log", "--no-access-log")

    async with httpx.AsyncClient(timeout=10) as http:
        async with start("one") as one:
            async with start("two") as two:
                await _ask(http, one, 3, gateway)
                await _ask(http, two, 5, gateway)
                for server in (one, two):  # any worker's scrape shows everyone's counts
                    samples = await scrape(http, f"{server.url}/metrics")
                    assert value(samples, OPERATIONS, operation="OneCitizen", outcome="OK") == 8
                    source = {"source": "civil-identity", "outcome": "ok"}
                    assert value(samples, "darvazeh_source_calls_total", **source) == 8
                    assert _worker_pids(samples) == {str(one.process.pid), str(two.process.pid)}
                await stop(two, kill=True)  # a worker dies without cleaning up

            async with start("three") as three:
                samples = await scrape(http, f"{three.url}/metrics")
                # Its counter stays (totals never go backwards while the server runs); its
                # live-only gauge went when the next worker started.
                assert value(samples, OPERATIONS, operation="OneCitizen", outcome="OK") == 8
                assert _worker_pids(samples) == {str(one.process.pid), str(three.process.pid)}
                await _ask(http, three, 1, gateway)
                samples = await scrape(http, f"{one.url}/metrics")
                assert value(samples, OPERATIONS, operation="OneCitizen", outcome="OK") == 9

        # Every worker is gone: the next one starts a new server run, from zero.
        async with start("four") as four:
            samples = await scrape(http, f"{four.url}/metrics")
            assert value(samples, OPERATIONS, operation="OneCitizen", outcome="OK") == 0
            assert _worker_pids(samples) == {str(four.process.pid)}


async def test_uvicorn_workers_started_together_both_count(
    shared_store: RunningGateway, tmp_path: Path
) -> None:
    gateway = shared_store
    settings = gateway.gateway.settings
    env = {"GATEWAY_METRICS_DIR": str(tmp_path / "metrics")}
    output = tmp_path / "workers.log"
    async with (
        server_process(
            Path(settings.var_dir), settings.store_url, env, output, "--workers", "2"
        ) as server,
        httpx.AsyncClient(timeout=10) as http,
    ):
        # Both workers register, even though they start at the same moment (neither wipes
        # the other's files).
        for _ in range(100):
            samples = await scrape(http, f"{server.url}/metrics")
            if len(_worker_pids(samples)) == 2:
                break
            await asyncio.sleep(0.1)
        pids = _worker_pids(samples)
        assert len(pids) == 2 and str(server.process.pid) not in pids, pids
        await _ask(http, server, 20, gateway)
        samples = await scrape(http, f"{server.url}/metrics")
        assert value(samples, "darvazeh_http_requests_total", route="/graphql", status="200") == 20
