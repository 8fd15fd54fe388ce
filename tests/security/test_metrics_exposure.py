"""/metrics is for the operator's network only, and no caller can blow up its series.

Attacks: scraping from the public internet, through the public reverse proxy, or with a forged
forwarding header; sending 10,000 distinct (valid) operation names, or long or odd ones, to
make one series each and exhaust the monitoring system's memory.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.harness import BASE_URL, RunningGateway
from tests.observability.support import (
    ONE_CITIZEN,
    own_metrics,
    scrape,
    series,
    server_process,
    value,
)

OPERATIONS = "darvazeh_graphql_operations_total"


def _from(gateway: RunningGateway, address: str) -> httpx.AsyncClient:
    """A client whose connection the app sees coming from `address`."""
    transport = httpx.ASGITransport(app=gateway.app, client=(address, 40000))
    return httpx.AsyncClient(transport=transport, base_url=BASE_URL)


@pytest.mark.parametrize("address", ["203.0.113.7", "10.1.2.3", "2001:db8::1", "::ffff:8.8.8.8"])
async def test_metrics_are_refused_to_other_addresses(
    gateway: RunningGateway, address: str
) -> None:
    async with _from(gateway, address) as outsider:
        response = await outsider.get("/metrics")
    assert response.status_code == 403
    assert response.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert "darvazeh_" not in response.text


@pytest.mark.parametrize("address", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
async def test_metrics_are_served_to_loopback_by_default(
    gateway: RunningGateway, address: str
) -> None:
    async with _from(gateway, address) as operator:
        response = await operator.get("/metrics")
    assert response.status_code == 200
    assert "darvazeh_http_requests_total" in response.text


@pytest.mark.parametrize(
    "header",
    [
        {"X-Forwarded-For": "127.0.0.1"},
        {"Forwarded": "for=127.0.0.1"},
        {"X-Real-IP": "127.0.0.1"},
    ],
)
async def test_a_request_relayed_by_a_proxy_is_refused(
    gateway: RunningGateway, header: dict[str, str]
) -> None:
    # The public reverse proxy connects from loopback; what it relays must not be served.
    async with _from(gateway, "127.0.0.1") as proxied:
        response = await proxied.get("/metrics", headers=header)
    assert response.status_code == 403


async def test_a_server_allowing_only_the_monitoring_network_refuses_loopback(
    shared_store: RunningGateway, tmp_path: Path
) -> None:
    settings = shared_store.gateway.settings
    env = {
        "GATEWAY_METRICS_ALLOW": "192.0.2.0/24",
        "GATEWAY_METRICS_DIR": str(tmp_path / "metrics"),
    }
    async with (
        server_process(
            Path(settings.var_dir), settings.store_url, env, tmp_path / "server.log"
        ) as server,
        httpx.AsyncClient() as http,
    ):
        assert (await http.get(f"{server.url}/metrics")).status_code == 403
        assert (await http.get(f"{server.url}/healthz")).status_code == 200


async def test_ten_thousand_operation_names_do_not_make_ten_thousand_series(
    gateway: RunningGateway, tmp_path: Path
) -> None:
    names = [f"Flood{index:05d}" for index in range(10_000)]
    # Ten operations to a document (the operations limit): each request runs one of them, by
    # name, so every name is one that passed validation (each document is checked once).
    per_document = 10
    documents = [
        " ".join(f"query {name} {{ __typename }}" for name in names[start : start + per_document])
        for start in range(0, len(names), per_document)
    ]
    async with own_metrics(
        gateway, tmp_path / "metrics", metrics_operations=("OneCitizen",), metrics_max_operations=50
    ):
        for index, name in enumerate(names):
            body = {"query": documents[index // per_document], "operationName": name}
            response = await gateway.http.post("/graphql", json=body)
            assert response.json() == {"data": {"__typename": "Query"}}, response.text
        # Longer than any label may be, and the safelisted name after the flood.
        long_name = "L" * 500
        await gateway.http.post("/graphql", json={"query": f"query {long_name} {{ __typename }}"})
        await gateway.post(ONE_CITIZEN, {"id": gateway.citizens["parent"]})
        samples = await scrape(gateway.http)

    operations = {labels["operation"] for labels in series(samples, OPERATIONS)}
    assert len(operations) <= 50 + 2, len(operations)  # the first 50, `other`, OneCitizen
    assert value(samples, OPERATIONS, operation="other", outcome="OK") == 10_000 - 50 + 1
    assert value(samples, OPERATIONS, operation="OneCitizen", outcome="OK") == 1
    assert long_name not in operations
    durations = series(samples, "darvazeh_graphql_operation_duration_seconds_count")
    assert len(durations) <= 52
    total = sum(v for (name, _), v in samples.items() if name == OPERATIONS)
    assert total == 10_002
