"""Subscription.serviceCases over graphql-transport-ws, with a real WebSocket client against the
gateway served on loopback: an agency admin receives its new cases as they are made."""

from __future__ import annotations

import base64
import json
import time

from auth.core.access_tokens import REQUIRED_CLAIMS, issue_access_token
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


async def short_lived(gateway: RunningGateway, role: str, seconds: int) -> str:
    """The role's token as the gateway would sign it, but valid for `seconds` only."""
    payload = (await gateway.token(role)).split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    key = await gateway.gateway.keyring.current()
    token, _jti, _exp = issue_access_token(
        key, issuer=claims["iss"], audience=claims["aud"], client_id=claims["client_id"],
        subject=claims["sub"], scopes=claims["scope"].split(), ttl=seconds,
        claims={k: v for k, v in claims.items() if k not in {*REQUIRED_CLAIMS, "nbf"}},
    )  # fmt: skip
    return token


async def test_a_feed_ends_when_its_token_expires(gateway: RunningGateway) -> None:
    after = await end_cursor(gateway, "agency_admin")
    async with serve(gateway.app, lifespan="off") as url, ws_connection(url) as socket:
        ack = await init(socket, await short_lived(gateway, "agency_admin", 2))
        assert ack["type"] == "connection_ack"
        started = time.monotonic()
        await subscribe(socket, "1", SUBSCRIPTION, after=after)
        ended = await receive(socket, within=10)
        assert ended["type"] == "next" and ended["id"] == "1"
        (error,) = ended["payload"]["errors"]
        assert error["extensions"]["code"] == "UNAUTHENTICATED" and "expired" in error["message"]
        assert await receive(socket) == {"id": "1", "type": "complete"}
        # Within the poll interval of the expiry, not at some later sweep.
        assert time.monotonic() - started < 2 + 3
