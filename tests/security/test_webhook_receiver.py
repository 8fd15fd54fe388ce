"""Attacks on the demo agency's webhook receiver: forged, replayed, oversized or malformed
deliveries are refused and nothing of them is kept."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from demo.webhook_receiver import MAX_BODY, PATH, Received, routes, sign
from tests.demo.test_webhook_receiver import KEY, signed


@pytest.fixture
async def http(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    received = Received(tmp_path / "received.jsonl")
    app = Starlette(routes=routes(KEY, received))
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://social"
    ) as client:
        yield client


async def kept(http: httpx.AsyncClient) -> list[str]:
    return [entry["id"] for entry in (await http.get(PATH)).json()["received"]]


async def test_forged_and_replayed_deliveries_keep_nothing(http: httpx.AsyncClient) -> None:
    body = json.dumps({"id": "case-1", "status": "EXECUTED"}).encode()
    wrong_key = sign(b"x" * 32, "case-1", int(time.time()), body)
    forged = signed(body) | {"webhook-signature": wrong_key}
    assert (await http.post(PATH, content=body, headers=forged)).status_code == 401
    stale = signed(body, at=time.time() - 301)  # a captured delivery, sent again later
    assert (await http.post(PATH, content=body, headers=stale)).status_code == 401
    early = signed(body, at=time.time() + 301)
    assert (await http.post(PATH, content=body, headers=early)).status_code == 401
    # The signature of one moment does not carry over to a fresh timestamp.
    moved = signed(body) | {"webhook-timestamp": str(int(time.time()) + 1)}
    assert (await http.post(PATH, content=body, headers=moved)).status_code == 401
    assert (await http.post(PATH, content=body)).status_code == 400  # unsigned
    assert await kept(http) == []


async def test_oversized_and_malformed_deliveries(http: httpx.AsyncClient) -> None:
    huge = b'{"x": "' + b"a" * MAX_BODY + b'"}'
    assert (await http.post(PATH, content=huge, headers=signed(huge))).status_code == 413

    async def chunks() -> AsyncIterator[bytes]:  # no content-length: counted as it comes
        for _ in range(MAX_BODY // 4096 + 2):
            yield b"a" * 4096

    streamed = await http.post(PATH, content=chunks(), headers=signed(b""))
    assert streamed.status_code == 413
    not_json = b"<xml/>"
    assert (await http.post(PATH, content=not_json, headers=signed(not_json))).status_code == 400
    long_id = "c" * 10_000
    headers = signed(b"{}", long_id)
    assert (await http.post(PATH, content=b"{}", headers=headers)).status_code == 400
    many = signed(b"{}") | {"webhook-signature": "v1,AAAA " * 1000}
    assert (await http.post(PATH, content=b"{}", headers=many)).status_code == 400
    for limit in ("-1", "1001", "1e3", "９"):
        assert (await http.get(PATH, params={"limit": limit})).status_code == 400
    assert await kept(http) == []
