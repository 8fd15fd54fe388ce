"""Idle WebSockets are work (each subscription polls the store): one address cannot hold more
than its share of a worker's connections, and a connection over the bound is refused before it
is accepted, without disturbing the ones already open."""

from __future__ import annotations

import contextlib

import pytest
from websockets.exceptions import InvalidStatus

from tests.harness import RunningGateway, serve
from tests.schema.ws_client import init, ws_connection
from web.graphql_http import GraphQLEdge
from web.websocket_slots import WebSocketSlots


def graphql_view(gateway: RunningGateway) -> GraphQLEdge:
    for route in gateway.app.routes:
        endpoint = getattr(route, "endpoint", None)
        if isinstance(endpoint, GraphQLEdge):
            return endpoint
    raise AssertionError("no GraphQL view among the routes")


async def test_one_address_cannot_open_more_than_its_connections(gateway: RunningGateway) -> None:
    view = graphql_view(gateway)
    kept = view.websocket_slots
    view.websocket_slots = slots = WebSocketSlots(total=10, per_address=2)
    token = await gateway.token("agency_admin")
    try:
        async with serve(gateway.app, lifespan="off") as url, contextlib.AsyncExitStack() as held:
            sockets = [await held.enter_async_context(ws_connection(url)) for _ in range(2)]
            for socket in sockets:
                assert (await init(socket, token))["type"] == "connection_ack"
            with pytest.raises(InvalidStatus) as refused:
                async with ws_connection(url):
                    pass
            assert refused.value.response.status_code == 403
            # The open ones still answer.
            await sockets[0].ping()
            assert slots.open == 2
        # Closed connections give their slots back.
        async with serve(gateway.app, lifespan="off") as url, ws_connection(url) as socket:
            assert (await init(socket, token))["type"] == "connection_ack"
    finally:
        view.websocket_slots = kept
