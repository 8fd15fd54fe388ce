"""A client that leaves before its body arrives (thousands at once when a load generator stops)
is no error of the gateway's: nothing is answered, nothing raised, and no traceback is logged —
an attacker cannot flood the log by opening requests and hanging up."""

from __future__ import annotations

import logging

import pytest
from starlette.types import Message

from tests.harness import RunningGateway


async def test_a_client_gone_before_its_body_leaves_no_traceback(
    gateway: RunningGateway, caplog: pytest.LogCaptureFixture
) -> None:
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
        "scheme": "http", "path": "/graphql", "raw_path": b"/graphql", "query_string": b"",
        "root_path": "", "server": ("127.0.0.1", 8000), "client": ("192.0.2.9", 5000),
        "headers": [(b"content-type", b"application/json"), (b"content-length", b"40")],
        "state": {},
    }  # fmt: skip
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    with caplog.at_level(logging.ERROR):
        for _ in range(50):
            await gateway.app(scope, receive, send)
    assert not [m for m in sent if m["type"] == "http.response.start"]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
