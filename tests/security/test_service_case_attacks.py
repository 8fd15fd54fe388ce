"""Attacks on service cases: another agency's case ids, a citizen answering someone else's case,
oversized notes, webhook URLs that lead to the gateway itself, private or metadata addresses or
hosts not allow-listed, and WebSocket subscriptions with no token, a bad or foreign one, or too
many at once."""

from __future__ import annotations

import json
from ipaddress import ip_address

import pytest
from websockets.exceptions import ConnectionClosed

from datasources.addresses import IPAddress
from services.proactive.cases import MAX_NOTE
from services.proactive.webhooks import WebhookPolicy
from standard.errors import Refused
from standard.statuses import ProactiveMode
from tests.harness import RunningGateway, serve
from tests.schema.ws_client import init, receive, subscribe, ws_connection
from tests.services.proactive.support import add_case
from tests.web.support import logged_in

ACK = "mutation($id: ID!) { acknowledgeServiceCase(id: $id) { id } }"
CLOSE = "mutation($id: ID!) { closeServiceCase(id: $id) { id } }"
REPLAY = "mutation($id: ID!) { replayCaseDelivery(caseId: $id) { caseId } }"
DECLINE = "mutation($id: ID!, $note: String) { declineServiceCase(id: $id, note: $note) { id } }"
HOOK = "mutation($url: String!) { setAgencyWebhook(url: $url) { secret } }"
SUBSCRIPTION = "subscription($after: String) { serviceCases(after: $after) { id agency } }"


def codes(answer: dict) -> list[str]:
    return [error["extensions"]["code"] for error in answer.get("errors", [])]


async def test_another_agencys_case_is_an_unknown_id(gateway: RunningGateway) -> None:
    civil = await add_case(gateway.gateway.sessions, subject=gateway.citizens["minor_child"],
                           deliver=True)  # fmt: skip
    for mutation in (ACK, CLOSE, REPLAY):
        foreign = await gateway.query(mutation, {"id": civil}, role="education_admin")
        unknown = await gateway.query(mutation, {"id": "no-such-case"}, role="education_admin")
        assert codes(foreign) == codes(unknown) == ["NOT_FOUND"]
        assert foreign["errors"][0]["message"].replace(civil, "X") == unknown["errors"][0][
            "message"].replace("no-such-case", "X")  # fmt: skip


async def test_a_citizen_cannot_answer_someone_elses_case(gateway: RunningGateway) -> None:
    child, parent = gateway.citizens["minor_child"], gateway.citizens["parent"]
    stranger = next(p.national_id for p in gateway.world.people[60:]
                    if p.national_id not in (child, parent) and p.death_date is None)  # fmt: skip
    offer = await add_case(gateway.gateway.sessions, subject=child, parents=[parent],
                           card_id="p11-attack-offer", mode=ProactiveMode.MAY_DECLINE)  # fmt: skip
    async with logged_in(gateway, stranger) as portal:
        csrf = (await portal.get("/me/session")).json()["csrfToken"]
        body = {"query": DECLINE, "variables": {"id": offer}}
        answer = (await portal.post("/graphql", json=body, headers={"Darvazeh-CSRF": csrf})).json()
        assert codes(answer) == ["NOT_FOUND"]
        page = await portal.post(f"/me/services/{offer}/decline", data={"csrf_token": csrf})
        assert page.status_code == 404
    async with logged_in(gateway, parent) as portal:
        csrf = (await portal.get("/me/session")).json()["csrfToken"]
        # An oversized note is refused before anything changes; no CSRF token, no answer.
        big = {"query": DECLINE, "variables": {"id": offer, "note": "x" * (MAX_NOTE + 1)}}
        answer = (await portal.post("/graphql", json=big, headers={"Darvazeh-CSRF": csrf})).json()
        assert codes(answer) == ["BAD_USER_INPUT"]
        forged = await portal.post(f"/me/services/{offer}/decline", data={"csrf_token": "x"})
        assert forged.status_code == 403
    # A service client has no citizen: it answers nobody's case.
    assert codes(await gateway.query(DECLINE, {"id": offer})) == ["FORBIDDEN"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8000/graphql",  # the gateway itself
        "http://localhost:8000/hook",
        "http://169.254.169.254/latest/meta-data",  # cloud metadata
        "http://10.0.0.5/hook",  # private, not allow-listed
        "http://0x7f000001:9000/hook",  # loopback in disguise
        "https://agency.example/hook",  # not allow-listed
        "http://user:pw@agency.example/hook",
        "file:///etc/passwd",
        "http://agency.example/" + "a" * 600,
    ],
)
async def test_webhook_urls_outside_the_policy_are_refused(
    gateway: RunningGateway, url: str
) -> None:
    answer = await gateway.query(HOOK, {"url": url}, role="agency_admin")
    assert codes(answer) == ["REGISTRATION_REFUSED"], answer


async def test_the_webhook_policy_even_when_allow_listed() -> None:
    async def resolver(host: str, port: int) -> list[IPAddress]:
        return [ip_address("127.0.0.1")] if host == "sneaky.example" else [ip_address("10.1.2.3")]

    allow = {"civil-registry": ["127.0.0.1:8000", "sneaky.example:80", "intranet.example:443"]}
    policy = WebhookPolicy.build(json.dumps(allow), ["http://127.0.0.1:8000"], resolver)
    with pytest.raises(Refused, match="gateway's own"):
        await policy.admit("civil-registry", "http://127.0.0.1:8000/hook")
    with pytest.raises(Refused, match="leads to this machine"):
        await policy.admit("civil-registry", "http://sneaky.example/hook")
    with pytest.raises(Refused, match="allow-list"):
        await policy.admit("tax", "https://intranet.example/hook")  # another agency's entry
    reach = await policy.admit("civil-registry", "https://intranet.example/hook")
    assert [str(e) for e in reach.endpoints] == ["intranet.example:443"]
    with pytest.raises(ValueError, match="never a data source"):
        WebhookPolicy.build(json.dumps({"x": ["169.254.169.254:80"]}), [])


async def test_subscriptions_need_a_token_see_only_their_agency_and_are_bounded(
    gateway: RunningGateway,
) -> None:
    child = gateway.citizens["minor_child"]
    async with serve(gateway.app, lifespan="off") as url:
        for token in (None, "not-a-token"):
            async with ws_connection(url) as socket:
                await socket.send(json.dumps({"type": "connection_init",
                                              "payload": {"Authorization": f"Bearer {token}"}
                                              if token else {}}))  # fmt: skip
                with pytest.raises(ConnectionClosed) as closed:
                    await receive(socket)
                assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403
        # A cookie is no credential for a WebSocket: without connection_init's token, nothing.
        async with ws_connection(url) as socket:
            await subscribe(socket, "early", SUBSCRIPTION)
            with pytest.raises(ConnectionClosed) as closed:
                await receive(socket)
            assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401
        # Education's admin, subscribed from the start, never receives the civil registry's.
        async with ws_connection(url) as socket:
            assert (await init(socket, await gateway.token("education_admin")))["type"] == (
                "connection_ack")  # fmt: skip
            await subscribe(socket, "1", SUBSCRIPTION)
            await add_case(gateway.gateway.sessions, subject=child)
            own = await add_case(gateway.gateway.sessions, subject=child, agency="education",
                                 card_id="p11-edu-card")  # fmt: skip
            seen: list[str] = []
            while own not in seen:
                message = await receive(socket)
                assert message["type"] == "next", message
                case = message["payload"]["data"]["serviceCases"]
                assert case["agency"] == "education"
                seen.append(case["id"])
            # A statutory client is no agency admin: its subscription is refused.
        async with ws_connection(url) as socket:
            await init(socket, await gateway.token())
            await subscribe(socket, "s", SUBSCRIPTION)
            refused = await receive(socket)
            assert refused["type"] in ("next", "error")
            errors = (
                refused["payload"]["errors"] if refused["type"] == "next" else refused["payload"]
            )
            assert errors[0]["extensions"]["code"] == "FORBIDDEN"
        # Too many at once on one connection: the one over the bound is refused.
        limit = gateway.gateway.settings.proactive.subscriptions_per_connection
        async with ws_connection(url) as socket:
            await init(socket, await gateway.token("agency_admin"))
            after = "czEuOTk5OTk5OTk5"  # s1.999999999: after every case, so all stay open
            for index in range(limit):
                await subscribe(socket, str(index), SUBSCRIPTION, after=after)
            await subscribe(socket, "over", SUBSCRIPTION, after=after)
            over = await receive(socket)
            assert over["type"] == "error" and over["id"] == "over"
            assert "limit" in over["payload"][0]["message"]


async def test_subscriptions_over_the_limits_are_refused_with_their_codes_and_log_nothing(
    gateway: RunningGateway, caplog: pytest.LogCaptureFixture
) -> None:
    """The query limits hold over WebSocket as over HTTP: a document refused before it runs is an
    `error` message naming its code (not a bare `complete`), and writes no traceback."""
    after = "czEuOTk5OTk5OTk5"
    refused = {
        "TOO_MANY_DIRECTIVES": "subscription { serviceCases { id"
        + " @skip(if: false)" * 51
        + " } }",
        "QUERY_TOO_LARGE": "subscription { serviceCases { " + "id " * 12_000 + "} }",
        "TOO_MANY_ALIASES": "subscription { serviceCases { "
        + " ".join(f"a{n}: id" for n in range(31))
        + " } }",
        "GRAPHQL_PARSE_FAILED": "subscription { ",
        "BAD_REQUEST": "subscription A { serviceCases { id } } "
        "subscription B { serviceCases { id } }",
    }
    async with serve(gateway.app, lifespan="off") as url, ws_connection(url) as socket:
        assert (await init(socket, await gateway.token("agency_admin")))["type"] == "connection_ack"
        for code, document in refused.items():
            with caplog.at_level("ERROR"):
                await subscribe(socket, code, document, after=after)
                answer = await receive(socket)
            assert answer["type"] == "error" and answer["id"] == code, answer
            assert [e["extensions"]["code"] for e in answer["payload"]] == [code]
        # The connection still serves a document within the limits.
        await subscribe(socket, "fine", SUBSCRIPTION)
        await add_case(gateway.gateway.sessions, subject=gateway.citizens["minor_child"])
        assert (await receive(socket))["type"] == "next"
    assert not [r for r in caplog.records if r.levelname == "ERROR" or r.exc_info], caplog.text
