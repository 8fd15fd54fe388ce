"""Service cases over GraphQL on the running gateway: the agency's feed, acknowledge and close;
`me { serviceCases }` and the answers; the catalogue's delivery counts."""

from __future__ import annotations

from standard.statuses import ProactiveMode
from tests.harness import RunningGateway
from tests.services.proactive.support import add_case, fail_delivery
from tests.web.support import logged_in

FEED = """query($after: String, $status: ServiceCaseStatus, $card: String) {
  agencyServiceCases(first: 2, after: $after, status: $status, cardId: $card) {
    edges { cursor node { id status subject mode people { nationalId role } records
      explanation { fa en } } }
    pageInfo { hasNextPage endCursor } } }"""
ACK = "mutation($id: ID!) { acknowledgeServiceCase(id: $id) { id acknowledgedAt status } }"
CLOSE = "mutation($id: ID!) { closeServiceCase(id: $id) { id status closedAt } }"
MINE = """{ me { serviceCases { id status mode subject answerable
  people { nationalId role } explanation { fa en } } } }"""
CONFIRM = """mutation($id: ID!, $note: String) {
  confirmServiceCase(id: $id, note: $note) { id status answerNote } }"""
DECLINE = "mutation($id: ID!) { declineServiceCase(id: $id) { id status } }"
COUNTS = """{ catalogue { delivery { created executed confirmed
  withoutRequest { connected total share } cards { key created executed confirmed } } } }"""


async def test_the_agency_pages_its_feed_acknowledges_and_closes(gateway: RunningGateway) -> None:
    sessions = gateway.gateway.sessions
    child, mother = gateway.citizens["minor_child"], gateway.citizens["parent"]
    card = "p11-feed-card"
    made = [await add_case(sessions, subject=child, parents=[mother], card_id=card)
            for _ in range(3)]  # fmt: skip
    seen: list[str] = []
    after = None
    while True:
        answer = await gateway.query(FEED, {"after": after, "card": card}, role="agency_admin")
        assert "errors" not in answer, answer
        page = answer["data"]["agencyServiceCases"]
        seen += [edge["node"]["id"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == made
    node = page["edges"][-1]["node"]
    assert node["status"] == "EXECUTED" and node["mode"] == "NOTIFY"
    assert {"nationalId": mother, "role": "PARENT"} in node["people"]
    assert node["records"][0]["provenance"]["agency"] == "civil-registry"
    assert "recorded “Birth registered”" in node["explanation"][0]["en"]

    acked = await gateway.query(ACK, {"id": made[0]}, role="agency_admin")
    assert acked["data"]["acknowledgeServiceCase"]["acknowledgedAt"]
    closed = await gateway.query(CLOSE, {"id": made[0]}, role="agency_admin")
    assert closed["data"]["closeServiceCase"]["status"] == "CLOSED"
    only_closed = await gateway.query(FEED, {"status": "CLOSED", "card": card}, role="agency_admin")
    assert [e["node"]["id"] for e in only_closed["data"]["agencyServiceCases"]["edges"]] == made[:1]
    # A statutory client, not an agency admin, sees no feed.
    refused = await gateway.query(FEED, {"card": card})
    assert refused["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_parents_see_the_case_and_answer_where_the_mode_allows(
    gateway: RunningGateway,
) -> None:
    sessions = gateway.gateway.sessions
    child, mother = gateway.citizens["minor_child"], gateway.citizens["parent"]
    notice = await add_case(sessions, subject=child, parents=[mother])
    offer = await add_case(sessions, subject=child, parents=[mother], card_id="p11-school",
                           agency="education", mode=ProactiveMode.CONFIRM)  # fmt: skip
    async with logged_in(gateway, mother) as portal:
        answer = (await portal.get("/graphql", params={"query": MINE})).json()
        assert "errors" not in answer, answer
        mine = {case["id"]: case for case in answer["data"]["me"]["serviceCases"]}
        assert mine[notice]["subject"] == child and not mine[notice]["answerable"]
        assert any("ثبت ولادت" in s["fa"] for s in mine[notice]["explanation"])
        assert mine[offer]["answerable"] and mine[offer]["status"] == "OFFERED"
        csrf = (await portal.get("/me/session")).json()["csrfToken"]
        headers = {"Darvazeh-CSRF": csrf}

        async def post(query: str, **variables: object) -> dict:
            body = {"query": query, "variables": variables}
            return (await portal.post("/graphql", json=body, headers=headers)).json()

        refused = await post(DECLINE, id=notice)
        assert refused["errors"][0]["extensions"]["code"] == "CASE_NOT_ANSWERABLE"
        confirmed = await post(CONFIRM, id=offer, note="the school near home")
        assert confirmed["data"]["confirmServiceCase"] == {
            "id": offer, "status": "CONFIRMED", "answerNote": "the school near home"}  # fmt: skip
        again = await post(DECLINE, id=offer)
        assert again["errors"][0]["extensions"]["code"] == "CASE_NOT_ANSWERABLE"

    counts = (await gateway.query(COUNTS, role=None))["data"]["catalogue"]["delivery"]
    by_card = {row["key"]: row for row in counts["cards"]}
    assert by_card["p11-school"]["confirmed"] >= 1
    assert counts["created"] >= 2 and counts["executed"] >= 1
    share = counts["withoutRequest"]
    assert 0 < share["connected"] < share["total"] and 0 < share["share"] < 1


async def test_the_feed_filtered_by_failed_delivery(gateway: RunningGateway) -> None:
    sessions = gateway.gateway.sessions
    card = "p12-delivery-card"
    sent, failed = [await add_case(sessions, subject=gateway.citizens["minor_child"],
                                   card_id=card, deliver=True) for _ in range(2)]  # fmt: skip
    await fail_delivery(sessions, failed)
    query = """query($card: String, $delivery: WebhookDeliveryStatus) {
      agencyServiceCases(cardId: $card, delivery: $delivery) { edges { node { id delivery } } } }"""
    dead = await gateway.query(query, {"card": card, "delivery": "DEAD"}, role="agency_admin")
    pending = await gateway.query(query, {"card": card, "delivery": "PENDING"}, role="agency_admin")
    assert [e["node"] for e in dead["data"]["agencyServiceCases"]["edges"]] == [
        {"id": failed, "delivery": "DEAD"}]  # fmt: skip
    assert [e["node"]["id"] for e in pending["data"]["agencyServiceCases"]["edges"]] == [sent]
