"""The whole gateway with a real education service that goes down and comes back: reads fail,
the circuit opens and shields the service, other agencies' fields still resolve, a trial call
after the cool-down lets data flow again, and /readyz shows it all (via the maintenance loop's
flush, as another worker would see it)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from starlette.types import ASGIApp, Receive, Scope, Send

from demo import mappings
from demo.agencies import agency_file
from demo.education import create_app as create_education_app
from tests.harness import RunningGateway, running_gateway, serve

COOLDOWN = 3.0
FAILURES = 3
SOURCE = "education-enrollment"
ALL = """query($id: String!) { citizen(nationalId: $id) {
  identity { firstName } schoolEnrollment { grade } taxStatus { provenance { status } } } }"""


class CountingApp:
    """The education service as it is, counting the batch requests that reach it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.requests = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/api/"):
            self.requests += 1
        await self.app(scope, receive, send)


@pytest_asyncio.fixture(scope="module")
async def health_gateway(
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[RunningGateway]:
    async with running_gateway(
        Path(tmp_path_factory.mktemp("health")),
        count=120,
        breaker_failures=FAILURES,
        breaker_cooldown=COOLDOWN,
        health_flush_interval=0.2,
    ) as running:
        yield running


def education(gateway: RunningGateway) -> CountingApp:
    database = agency_file(gateway.gateway.settings.agencies_folder, "education")
    return CountingApp(create_education_app(f"sqlite+aiosqlite:///{database}"))


def errors(answer: dict[str, Any]) -> dict[str, tuple[str, str]]:
    return {
        ".".join(map(str, e["path"])): (e["extensions"]["code"], e["message"])
        for e in answer.get("errors", [])
    }


async def readyz_until(gateway: RunningGateway, breaker: str, calls: int) -> dict[str, Any]:
    """/readyz once the maintenance loop has flushed this state (a second at most)."""
    for _ in range(50):
        body = (await gateway.http.get("/readyz")).json()
        shown = body["sources"][SOURCE]
        if (shown["breaker"], shown["calls"]) == (breaker, calls):
            return body
        await asyncio.sleep(0.05)
    pytest.fail(f"/readyz never showed the breaker {breaker} after {calls} calls: {body}")


async def test_the_breaker_shields_a_service_that_went_down_and_lets_it_back(
    health_gateway: RunningGateway,
) -> None:
    gateway = health_gateway
    registry = gateway.gateway.registry
    child = gateway.citizens["minor_child"]
    port = gateway.spare_ports["education"]

    first = education(gateway)
    async with serve(first, port) as url:
        await registry.register(
            source_id=SOURCE,
            agency="education",
            record_type="schoolEnrollment",
            kind="http",
            connection={"base_url": url},
            mapping=mappings.EDUCATION,
            replaces=gateway.serving("schoolEnrollment", SOURCE),
        )
        answer = await gateway.query(ALL, {"id": child})
        assert answer["data"]["citizen"]["schoolEnrollment"]["grade"] is not None, answer
    assert first.requests == 2  # the registration's probe and the read

    # The service is down: its fields fail, the others resolve.
    for _ in range(FAILURES):
        answer = await gateway.query(ALL, {"id": child})
        citizen = answer["data"]["citizen"]
        assert citizen["schoolEnrollment"] is None and citizen["identity"]["firstName"]
        assert citizen["taxStatus"]["provenance"]["status"] in {"AVAILABLE", "NO_RECORD"}
        [(code, message)] = errors(answer).values()
        assert code == "SOURCE_UNAVAILABLE" and "circuit open" not in message
    calls = gateway.source_calls()[SOURCE]

    second = education(gateway)
    async with serve(second, port):  # back on the same port within the cool-down
        for _ in range(3):
            answer = await gateway.query(ALL, {"id": child})
            assert answer["data"]["citizen"]["identity"]["firstName"]
            [(code, message)] = errors(answer).values()
            assert code == "SOURCE_UNAVAILABLE"
            assert "circuit open" in message and "next trial call after" in message
        # Refused at the gateway: neither the adapter nor the service saw these reads.
        assert gateway.source_calls()[SOURCE] == calls
        assert second.requests == 0

        body = await readyz_until(gateway, "open", calls=1 + FAILURES)
        assert body["status"] == "degraded" and body["store"] == "ok"
        shown = body["sources"][SOURCE]
        assert shown["status"] == "DOWN" and shown["probe_ok"] is True
        assert shown["error_rate"] == pytest.approx(FAILURES / (1 + FAILURES))
        assert shown["last_error"] == f"data source {SOURCE!r} could not be reached"
        assert shown["last_success_at"] and shown["last_failure_at"]
        assert shown["latency_p50_ms"] is not None and shown["latency_p95_ms"] is not None
        assert body["sources"]["civil-identity"]["status"] == "HEALTHY"

        # After the cool-down one trial read goes through, succeeds and closes the circuit.
        await asyncio.sleep(COOLDOWN)
        answer = await gateway.query(ALL, {"id": child})
        assert "errors" not in answer, answer
        assert answer["data"]["citizen"]["schoolEnrollment"]["grade"] is not None
        assert second.requests >= 1
        answer = await gateway.query(ALL, {"id": child})
        assert answer["data"]["citizen"]["schoolEnrollment"]["grade"] is not None

        body = await readyz_until(gateway, "closed", calls=FAILURES + 3)
        # The failures are still in the last minute's calls: degraded, no longer down.
        assert body["sources"][SOURCE]["status"] == "DEGRADED"
