"""A registration made through one server process takes effect on another within seconds: two
real uvicorn processes sharing a PostgreSQL store, no restart."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from demo import mappings
from tests.conftest import fresh_database
from tests.harness import BASE_URL, CASE, RunningGateway, free_port, running_gateway

ROOT = Path(__file__).resolve().parent.parent
RELOAD_INTERVAL = 1.0
PROPAGATION_LIMIT = 10.0  # seconds; a change normally lands within one reload interval


@contextlib.asynccontextmanager
async def server_process(var_dir: Path, store_url: str, allowlist: str) -> AsyncIterator[str]:
    """`uvicorn server:app` as its own process on the shared store; its base URL."""
    port = free_port()
    env = os.environ | {
        "GATEWAY_SOURCE_ALLOWLIST": allowlist,  # the deployment's one connection policy
        "GATEWAY_DATABASE_URL": store_url,
        "DARVAZEH_VAR_DIR": str(var_dir),  # the same sealing key as every other worker
        "GATEWAY_PUBLIC_URL": BASE_URL,  # one issuer and audience for the whole deployment
        "GATEWAY_RELOAD_INTERVAL": str(RELOAD_INTERVAL),
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "uvicorn", "server:app", "--host", "127.0.0.1",
        "--port", str(port), "--log-level", "warning",
        cwd=ROOT, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        async with httpx.AsyncClient() as client:
            deadline = time.monotonic() + 30
            while True:
                if process.returncode is not None:
                    raise RuntimeError(f"server exited with {process.returncode}")
                with contextlib.suppress(httpx.TransportError):
                    if (await client.get(f"{url}/healthz")).status_code == 200:
                        break
                if time.monotonic() > deadline:
                    raise TimeoutError("server did not start within 30 s")
                await asyncio.sleep(0.1)
        yield url
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


@pytest.fixture(scope="module")
async def shared_store(
    postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningGateway]:
    store = await fresh_database(postgres_url, "darvazeh_workers_test")
    async with running_gateway(
        Path(tmp_path_factory.mktemp("workers")), store_url=store
    ) as running:
        yield running


async def until(check: Callable[[], Awaitable[bool]], limit: float) -> float:
    """Seconds until `check` holds; fails after `limit`."""
    started = time.monotonic()
    while not await check():
        if time.monotonic() - started > limit:
            pytest.fail(f"not seen within {limit:g} s")
        await asyncio.sleep(0.1)
    return time.monotonic() - started


async def test_a_change_on_one_worker_reaches_the_other(shared_store: RunningGateway) -> None:
    gateway = shared_store
    var_dir = Path(gateway.gateway.settings.var_dir)
    store_url = gateway.gateway.settings.store_url
    allowlist = gateway.gateway.settings.source_allowlist
    admin = {"Authorization": f"Bearer {await gateway.token('agency_admin')}"}
    reader = {
        "Authorization": f"Bearer {await gateway.token()}",
        "Darvazeh-Case-Reference": CASE,
    }
    citizen = gateway.citizens["parent"]
    first_name = "query($id: String!) { citizen(nationalId: $id) { identity { firstName } } }"
    death = "query($id: String!) { citizen(nationalId: $id) { death { date } } }"

    async with (
        server_process(var_dir, store_url, allowlist) as one,
        server_process(var_dir, store_url, allowlist) as two,
        httpx.AsyncClient(timeout=10) as http,
    ):

        async def ask(url: str, query: str, national_id: str) -> dict[str, Any]:
            body = {"query": query, "variables": {"id": national_id}}
            return (await http.post(f"{url}/graphql", json=body, headers=reader)).json()

        before = await ask(two, first_name, citizen)
        mistaken = copy.deepcopy(mappings.CIVIL["identity"])
        mistaken["fields"]["firstName"] = {"from": "nam_pedar"}
        update = {
            "query": "mutation($id: ID!, $c: DataSourceChanges!) "
            "{ updateDataSource(id: $id, changes: $c) { version } }",
            "variables": {"id": "civil-identity", "c": {"mapping": mistaken}},
        }
        changed = (await http.post(f"{one}/graphql", json=update, headers=admin)).json()
        assert changed["data"]["updateDataSource"]["version"] == 2, changed

        async def two_sees_the_update() -> bool:
            return await ask(two, first_name, citizen) != before

        seconds = await until(two_sees_the_update, PROPAGATION_LIMIT)
        print(f"update seen by the other worker after {seconds:.2f} s")

        deceased = gateway.citizens["deceased"]
        assert (await ask(one, death, deceased))["data"]["citizen"]["death"]
        disable = {
            "query": "mutation($id: ID!) { disableDataSource(id: $id) { enabled } }",
            "variables": {"id": "civil-death"},
        }
        disabled = (await http.post(f"{two}/graphql", json=disable, headers=admin)).json()
        assert disabled["data"]["disableDataSource"]["enabled"] is False

        async def one_stops_serving() -> bool:
            answer = await ask(one, death, deceased)
            codes = [error["extensions"]["code"] for error in answer.get("errors", [])]
            return answer["data"]["citizen"]["death"] is None and "SOURCE_UNAVAILABLE" in codes

        await until(one_stops_serving, PROPAGATION_LIMIT)
