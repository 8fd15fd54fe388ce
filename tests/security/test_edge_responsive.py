"""One heavy request never holds the event loop: a real uvicorn process keeps answering /healthz
within 100 ms while the issue's attacks, and a large query it does run, are sent to it at once."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx

from tests.harness import CASE, RunningGateway, server_process
from tests.security.test_query_limits import fan_out

HEALTHZ_WITHIN = 0.1
ANSWERED_WITHIN = 2.0  # each attack, sent all at once to one worker on a shared machine
BIG = 50 * 1024 * 1024


async def streamed(total: int) -> AsyncIterator[bytes]:
    """A body with no Content-Length (sent chunked)."""
    yield b'{"query": "{ __typename }", "padding": "'
    chunk = b"x" * 65536
    for _ in range(total // len(chunk)):
        yield chunk
    yield b'"}'


async def test_healthz_answers_while_heavy_queries_are_refused_or_running(
    gateway: RunningGateway,
) -> None:
    settings = gateway.gateway.settings
    token = await gateway.token()
    headers = {"Authorization": f"Bearer {token}", "Darvazeh-Case-Reference": CASE}
    code = gateway.citizens["parent"]
    citizen_fields = "identity { firstName } birth { date } taxStatus { cleared }"
    documents = {
        "fan-out": fan_out(29, f'citizen(nationalId: "{code}")'),
        "skip": "{ __typename" + " @skip(if: false)" * 50_000 + " }",
        "aliases": "{ "
        + " ".join(
            f'c{n}: citizen(nationalId: "{code}") {{ {citizen_fields} }}' for n in range(1000)
        )
        + " }",
        # Within every limit, and work for the validator (every pair of same-named fields).
        "large": f'{{ citizen(nationalId: "{code}") {{ ' + "nationalId " * 1900 + "} }",
    }
    body = b'{"query": "{ __typename }", "padding": "' + b"x" * BIG + b'"}'

    async with (
        server_process(settings.var_dir, settings.store_url) as url,
        httpx.AsyncClient(base_url=url, timeout=10) as attacker,
        httpx.AsyncClient(base_url=url, timeout=5) as prober,
    ):
        latencies: list[float] = []
        done = asyncio.Event()

        async def probe() -> None:
            while not done.is_set():
                started = time.perf_counter()
                assert (await prober.get("/healthz")).status_code == 200
                latencies.append(time.perf_counter() - started)
                await asyncio.sleep(0.01)

        def graphql(query: str) -> Callable[[], Awaitable[httpx.Response]]:
            return lambda: attacker.post("/graphql", json={"query": query}, headers=headers)

        attacks: dict[str, Callable[[], Awaitable[httpx.Response]]] = {
            name: graphql(query) for name, query in documents.items()
        }
        attacks["50 MB"] = lambda: attacker.post(
            "/graphql", content=body, headers={"Content-Type": "application/json"}
        )
        attacks["50 MB streamed"] = lambda: attacker.post(
            "/graphql", content=streamed(BIG), headers={"Content-Type": "application/json"}
        )

        async def timed(send: Callable[[], Awaitable[httpx.Response]]) -> tuple[int, float]:
            started = time.perf_counter()
            response = await send()
            return response.status_code, time.perf_counter() - started

        prober_task = asyncio.create_task(probe())
        await asyncio.sleep(0.3)
        outcomes = dict(
            zip(
                attacks,
                await asyncio.gather(*(timed(send) for send in attacks.values())),
                strict=True,
            )
        )
        await asyncio.sleep(0.3)
        done.set()
        await prober_task

    assert outcomes["fan-out"][0] == 400
    assert outcomes["skip"][0] == 413
    assert outcomes["aliases"][0] == 400
    assert outcomes["large"][0] == 200
    assert outcomes["50 MB"][0] == 413
    assert outcomes["50 MB streamed"][0] == 413
    slow = {name: seconds for name, (_, seconds) in outcomes.items() if seconds > ANSWERED_WITHIN}
    assert not slow, slow
    assert len(latencies) > 20
    assert max(latencies) < HEALTHZ_WITHIN, sorted(latencies)[-5:]
