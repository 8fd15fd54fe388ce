"""Subscription.serviceCases over graphql-transport-ws, with a real WebSocket client against the
gateway served on loopback: an agency admin receives its new cases as they are made."""

from __future__ import annotations

from tests.harness import RunningGateway, serve
from tests.schema.ws_client import init, receive, subscribe, ws_connection
from tests.services.proactive.support import add_case

SUBSCRIPTION = """subscription($after: String) {
  serviceCases(after: $after) { id seq status subject explanation { en } } }"""


async def end_cursor(gateway: RunningGateway, role: str) -> str | None:
    after = None
    while True:
        page = (await gateway.query(
            "query($a: String) { agencyServiceCases(first: 100, after: $a) "
            "{ pageInfo { endCursor hasNextPage } } }", {"a": after}, role=role,
        ))["data"]["agencyServiceCases"]["pageInfo"]  # fmt: skip
        after = page["endCursor"] or after
        if not page["hasNextPage"]:
            return after


async def test_an_agency_receives_its_new_cases(gateway: RunningGateway) -> None:
    sessions = gateway.gateway.sessions
    child = gateway.citizens["minor_child"]
    after = await end_cursor(gateway, "agency_admin")
    async with serve(gateway.app, lifespan="off") as url, ws_connection(url) as socket:
        ack = await init(socket, await gateway.token("agency_admin"))
        assert ack["type"] == "connection_ack"
        await subscribe(socket, "1", SUBSCRIPTION, after=after)
        made = [await add_case(sessions, subject=child) for _ in range(2)]
        got = [await receive(socket), await receive(socket)]
        assert [m["type"] for m in got] == ["next", "next"]
        cases = [m["payload"]["data"]["serviceCases"] for m in got]
        assert [c["id"] for c in cases] == made
        assert "Birth registered" in cases[0]["explanation"][0]["en"]
        # Resuming from the first case's cursor gives the second, and nothing twice.
        await subscribe(socket, "2", SUBSCRIPTION, after=cases[0]["seq"])
        resumed = await receive(socket)
        assert resumed["id"] == "2" and resumed["payload"]["data"]["serviceCases"]["id"] == made[1]
        await socket.send('{"id": "1", "type": "complete"}')
        await socket.send('{"id": "2", "type": "complete"}')
