"""Overload: a worker runs at most GATEWAY_MAX_CONCURRENT_REQUESTS GraphQL requests at once and
queues the rest (found by `make stress`: at 200 concurrent clients the event loop delayed every
source call past its timeout, so healthy agencies answered SOURCE_UNAVAILABLE and their circuits
opened)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from starlette.types import Receive, Scope, Send

from tests.harness import running_gateway
from web.admission import AdmissionLimit

QUERY = """query($id: String!) { citizen(nationalId: $id) {
  identity { firstName } birth { date } death { date } address { city }
  insurance { status } schoolEnrollment { grade } taxStatus { cleared } } }"""


class _Counting:
    """Stands in for the app behind the middleware: counts how many run at once."""

    def __init__(self) -> None:
        self.now = 0
        self.most = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        self.now += 1
        self.most = max(self.most, self.now)
        await asyncio.sleep(0.01)
        self.now -= 1


def _http(path: str) -> Scope:
    return {"type": "http", "path": path}


async def _noop_receive() -> dict[str, object]:
    return {}


async def _noop_send(message: object) -> None:
    return None


async def test_graphql_requests_beyond_the_limit_wait_their_turn() -> None:
    inner = _Counting()
    limited = AdmissionLimit(inner, limit=3)
    await asyncio.gather(
        *(limited(_http("/graphql"), _noop_receive, _noop_send) for _ in range(20))
    )
    assert inner.most == 3


async def test_other_paths_are_never_queued() -> None:
    inner = _Counting()
    limited = AdmissionLimit(inner, limit=1)
    await asyncio.gather(*(limited(_http("/healthz"), _noop_receive, _noop_send) for _ in range(5)))
    assert inner.most == 5


def test_a_negative_limit_is_refused() -> None:
    with pytest.raises(ValueError):
        AdmissionLimit(_Counting(), limit=-1)


async def test_a_flood_of_requests_reads_every_agency(tmp_path: Path) -> None:
    """300 concurrent seven-record reads on one worker: every field is read, none times out
    (unbounded, the loop's backlog alone outlasts the 2 s source timeout)."""
    async with running_gateway(tmp_path, max_concurrent_requests=8) as gateway:
        people = [person.national_id for person in gateway.world.people[:300]]
        await gateway.token()
        responses = await asyncio.gather(*(gateway.post(QUERY, {"id": p}) for p in people))
    assert all(response.status_code == 200 for response in responses)
    failures = [r.json()["errors"] for r in responses if "errors" in r.json()]
    assert not failures, f"{len(failures)} of {len(responses)} answers had errors: {failures[0]}"
