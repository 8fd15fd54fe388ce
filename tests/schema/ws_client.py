"""A graphql-transport-ws client over a real WebSocket (the `websockets` package), for tests."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

from websockets.asyncio.client import ClientConnection, connect

PROTOCOL = "graphql-transport-ws"


@contextlib.asynccontextmanager
async def ws_connection(base_url: str) -> AsyncIterator[ClientConnection]:
    url = base_url.replace("http://", "ws://") + "/graphql"
    async with connect(url, subprotocols=[PROTOCOL], open_timeout=5) as socket:  # type: ignore[list-item]
        yield socket


async def init(socket: ClientConnection, token: str | None) -> dict[str, Any]:
    payload = {"Authorization": f"Bearer {token}"} if token else {}
    await socket.send(json.dumps({"type": "connection_init", "payload": payload}))
    return await receive(socket)


async def subscribe(socket: ClientConnection, op_id: str, query: str, **variables: Any) -> None:
    message = {"id": op_id, "type": "subscribe",
               "payload": {"query": query, "variables": variables}}  # fmt: skip
    await socket.send(json.dumps(message))


async def receive(socket: ClientConnection, within: float = 10.0) -> dict[str, Any]:
    """The next message that is not a ping."""
    while True:
        async with asyncio.timeout(within):
            raw = await socket.recv(decode=True)
        message = json.loads(raw)
        if message.get("type") != "ping":
            return message
        await socket.send(json.dumps({"type": "pong"}))
