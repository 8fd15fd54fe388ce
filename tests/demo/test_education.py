"""The education ministry's HTTP service: batches in one query, limits, API key, a real server."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
import uvicorn
from sqlalchemy import event
from starlette.applications import Starlette

from demo.education import MAX_BATCH, create_app
from demo.world import World
from settings.tools import demo_settings

BATCH = "/api/v1/students:batch"


@pytest.fixture
async def app(agency_urls: dict[str, str]) -> AsyncIterator[Starlette]:
    app = create_app(agency_urls["education"], api_key="")
    yield app
    await app.state.engine.dispose()


@pytest.fixture
async def client(app: Starlette) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://education") as client:
        yield client


def _count_queries(app: Starlette) -> list[str]:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(app.state.engine.sync_engine, "before_cursor_execute", record)
    return statements


async def test_batch_answers_known_codes_in_one_query(
    app: Starlette, client: httpx.AsyncClient, world: World
) -> None:
    enrolled = world.enrollments[:40]
    unknown = [p.national_id for p in world.people if p.national_id not in
               {e.national_id for e in world.enrollments}][:40]  # fmt: skip
    statements = _count_queries(app)
    codes = [code for pair in zip(unknown, [e.national_id for e in enrolled], strict=True)
             for code in pair]  # fmt: skip
    response = await client.post(BATCH, json={"codes": codes})
    assert response.status_code == 200
    students = response.json()["students"]
    assert [s["code_melli"] for s in students] == [e.national_id for e in enrolled]
    first, record = students[0], enrolled[0]
    assert first == {
        "code_melli": record.national_id,
        "madrese": {"name": record.school_name, "code": record.school_code},
        "paye": record.grade,
        "sal_tahsili": record.academic_year,
        "vaziat": record.status.lower(),
        "updated": record.updated_at.isoformat(),
    }
    assert len(statements) == 1


async def test_a_full_batch_is_one_query(app: Starlette, client: httpx.AsyncClient, world: World):
    statements = _count_queries(app)
    codes = [p.national_id for p in world.people[:MAX_BATCH]]
    response = await client.post(BATCH, json={"codes": codes})
    assert response.status_code == 200 and response.json()["students"]
    assert len(statements) == 1


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"codes": ["0012345679"] * (MAX_BATCH + 1)}, "batch_too_large"),
        ({"codes": "0012345679"}, "invalid_request"),
        ({"codes": [12345]}, "invalid_request"),
        ([], "invalid_request"),
    ],
)
async def test_bad_batches_are_400(client: httpx.AsyncClient, body: object, error: str) -> None:
    response = await client.post(BATCH, json=body)
    assert response.status_code == 400
    assert response.json()["error"] == error


async def test_not_json_is_400(client: httpx.AsyncClient) -> None:
    response = await client.post(BATCH, content=b"{nope")
    assert response.status_code == 400


async def test_empty_batch_and_health(client: httpx.AsyncClient) -> None:
    assert (await client.post(BATCH, json={"codes": []})).json() == {"students": []}
    assert (await client.get("/healthz")).json() == {"status": "ok"}


async def test_api_key(agency_urls: dict[str, str], world: World) -> None:
    app = create_app(agency_urls["education"], api_key="s3cret")
    transport = httpx.ASGITransport(app=app)
    body = {"codes": [world.enrollments[0].national_id]}
    async with httpx.AsyncClient(transport=transport, base_url="http://education") as client:
        assert (await client.post(BATCH, json=body)).status_code == 401
        wrong = {"Authorization": "Bearer nope"}
        assert (await client.post(BATCH, json=body, headers=wrong)).status_code == 401
        right = {"Authorization": "Bearer s3cret"}
        response = await client.post(BATCH, json=body, headers=right)
        assert response.status_code == 200 and len(response.json()["students"]) == 1
        assert (await client.get("/healthz")).status_code == 200  # probes need no key
    await app.state.engine.dispose()


async def test_api_key_from_environment(
    agency_urls: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("EDUCATION_API_KEY", "from-env")
    app = create_app(agency_urls["education"], api_key=demo_settings().education_api_key)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://education") as client:
        assert (await client.post(BATCH, json={"codes": []})).status_code == 401
    await app.state.engine.dispose()


async def test_over_real_http(agency_urls: dict[str, str], world: World) -> None:
    app = create_app(agency_urls["education"], api_key="")
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        for _ in range(500):
            if server.started:
                break
            await asyncio.sleep(0.01)
        codes = [e.national_id for e in world.enrollments[:25]]
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:
            assert (await client.get("/healthz")).status_code == 200
            response = await client.post(BATCH, json={"codes": codes})
            assert response.status_code == 200
            assert [s["code_melli"] for s in response.json()["students"]] == codes
            too_many = await client.post(BATCH, json={"codes": ["1"] * (MAX_BATCH + 1)})
            assert too_many.status_code == 400 and "error" in too_many.json()
    finally:
        server.should_exit = True
        await task
        sock.close()
