"""A registration made through one server process takes effect on another within seconds: two
real uvicorn processes sharing a PostgreSQL store, no restart."""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from demo import mappings
from tests.conftest import fresh_database
from tests.harness import CASE, RunningGateway, running_gateway, server_process

RELOAD_INTERVAL = 1.0
PROPAGATION_LIMIT = 10.0  # seconds; a change normally lands within one reload interval


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
    allowlist = gateway.gateway.settings.sources.allowlist
    reload = str(RELOAD_INTERVAL)
    admin = {"Authorization": f"Bearer {await gateway.token('agency_admin')}"}
    reader = {
        "Authorization": f"Bearer {await gateway.token()}",
        "Darvazeh-Case-Reference": CASE,
    }
    citizen = gateway.citizens["parent"]
    first_name = "query($id: String!) { citizen(nationalId: $id) { identity { firstName } } }"
    death = "query($id: String!) { citizen(nationalId: $id) { death { date } } }"

    async with (
        server_process(
            var_dir, store_url, GATEWAY_RELOAD_INTERVAL=reload, GATEWAY_SOURCE_ALLOWLIST=allowlist
        ) as one,
        server_process(
            var_dir, store_url, GATEWAY_RELOAD_INTERVAL=reload, GATEWAY_SOURCE_ALLOWLIST=allowlist
        ) as two,
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
