"""`catalogue` over GraphQL on the demo gateway: public, coverage overall and per agency, the
cards with their reasons, pages and filters, one card, the life events."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from schema.catalogue import ServiceLegalBasis
from services.cards import CARD_BASES, PLANNED_DATASETS
from tests.harness import RunningGateway

CARD = """id nameFa nameEn purposeEn agency { code nameFa nameEn } datasets legalBasis statute
  proactive lifeEvent enabled version connected missing { dataset reason detail }"""
CARDS = f"""query($agency: String, $connected: Boolean, $first: Int!, $after: String) {{
  catalogue {{ cards(agency: $agency, connected: $connected, first: $first, after: $after) {{
    totalCount edges {{ cursor node {{ {CARD} }} }} pageInfo {{ hasNextPage endCursor }} }} }} }}"""
SUMMARY = """{ catalogue { coverage { connected total share }
  agencies { code nameFa nameEn connected total share } } }"""


async def ask(gateway: RunningGateway, query: str, **variables: Any) -> dict[str, Any]:
    """The query with no token at all: the catalogue is public."""
    response = await gateway.post(query, variables, role=None, case_reference=None)
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def data(answer: dict[str, Any]) -> dict[str, Any]:
    assert "errors" not in answer, answer
    return answer["data"]["catalogue"]  # type: ignore[no-any-return]


async def every_card(gateway: RunningGateway, **filters: Any) -> list[dict[str, Any]]:
    nodes: list[dict[str, Any]] = []
    after = None
    while True:
        found = data(await ask(gateway, CARDS, first=100, after=after, **filters))["cards"]
        nodes += [edge["node"] for edge in found["edges"]]
        if not found["pageInfo"]["hasNextPage"]:
            assert len(nodes) == found["totalCount"]
            return nodes
        after = found["pageInfo"]["endCursor"]


@pytest.fixture
async def healthy(gateway: RunningGateway) -> RunningGateway:
    """Every demo source probed just now (the gateway's own first probe may still be running)."""
    results = await gateway.gateway.registry.probe_all()
    assert all(result.ok for result in results.values()), results
    return gateway


async def test_the_catalogue_needs_no_token(healthy: RunningGateway) -> None:
    summary = data(await ask(healthy, SUMMARY))
    assert summary["coverage"]["total"] >= 300
    # A token, even a bad one, changes nothing: nothing here depends on who asks.
    response = await healthy.post(SUMMARY, token="not-a-token", case_reference=None)
    assert response.status_code == 200 and response.json()["data"]["catalogue"] == summary
    assert data(await healthy.query(SUMMARY, role="statutory")) == summary


async def test_coverage_adds_up_and_only_planned_datasets_are_missing(
    healthy: RunningGateway,
) -> None:
    summary = data(await ask(healthy, SUMMARY))
    cards = await every_card(healthy)
    coverage = summary["coverage"]
    assert coverage["total"] == len(cards)
    assert coverage["connected"] == sum(card["connected"] for card in cards)
    assert coverage["share"] == pytest.approx(coverage["connected"] / coverage["total"])
    assert 0.6 <= coverage["share"] <= 0.7
    for card in cards:
        planned = sorted(set(card["datasets"]) & PLANNED_DATASETS)
        assert card["connected"] is not planned, card["id"]
        assert [gap["dataset"] for gap in card["missing"]] == planned
        assert {gap["reason"] for gap in card["missing"]} <= {"NOT_IN_STANDARD"}
    agencies = summary["agencies"]
    assert len(agencies) == 30 and [a["code"] for a in agencies] == sorted(
        a["code"] for a in agencies
    )
    assert sum(a["total"] for a in agencies) == coverage["total"]
    assert sum(a["connected"] for a in agencies) == coverage["connected"]
    civil = next(a for a in agencies if a["code"] == "civil-registry")
    assert civil["nameFa"] == "سازمان ثبت احوال کشور"
    assert civil["total"] == len([c for c in cards if c["agency"]["code"] == "civil-registry"])


async def test_pages_and_filters(healthy: RunningGateway) -> None:
    cards = await every_card(healthy)
    ids = [card["id"] for card in cards]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    unconnected = await every_card(healthy, connected=False)
    assert [c["id"] for c in unconnected] == [c["id"] for c in cards if not c["connected"]]
    police = await every_card(healthy, agency="traffic-police", connected=False)
    assert police and all(
        c["agency"]["code"] == "traffic-police" and not c["connected"] for c in police
    )
    assert await every_card(healthy, agency="no-such-agency") == []
    first = data(await ask(healthy, CARDS, first=7))["cards"]
    assert [e["node"]["id"] for e in first["edges"]] == ids[:7]
    assert first["pageInfo"] == {"hasNextPage": True, "endCursor": first["edges"][-1]["cursor"]}
    second = data(await ask(healthy, CARDS, first=7, after=first["pageInfo"]["endCursor"]))
    assert [e["node"]["id"] for e in second["cards"]["edges"]] == ids[7:14]


@pytest.mark.parametrize(
    "variables",
    [
        {"first": 0},
        {"first": 101},
        {"first": 5, "after": "nope!"},
        {"first": 5, "after": ""},
        {"first": 5, "after": base64.urlsafe_b64encode(b"x1.card").decode()},
        {"first": 5, "after": "x" * 500},
    ],
)
async def test_bad_pages_are_bad_input(healthy: RunningGateway, variables: dict[str, Any]) -> None:
    answer = await ask(healthy, CARDS, **variables)
    assert answer["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT", answer


async def test_one_card_and_the_life_events(healthy: RunningGateway) -> None:
    query = f"""query($id: ID!) {{ catalogue {{ card(id: $id) {{ {CARD} }}
      lifeEvents {{ id nameFa nameEn }} }} }}"""
    found = data(await ask(healthy, query, id="newborn-health-insurance"))
    card = found["card"]
    assert card["agency"] == {
        "code": "social-security",
        "nameFa": "سازمان تأمین اجتماعی",
        "nameEn": "Social Security Organization",
    }
    assert card["datasets"] == ["civil.birth", "civil.family", "social.coverage"]
    assert (card["legalBasis"], card["statute"]) == (
        "STATUTE", "Universal Health Insurance Act, article 3"
    )  # fmt: skip
    assert card["proactive"] is True and card["lifeEvent"] == "birth.registered"
    assert card["connected"] is True and card["missing"] == [] and card["enabled"] is True
    events = {event["id"]: event for event in found["lifeEvents"]}
    assert events["age.reached.6"]["nameEn"] == "Turned 6"
    planned = data(await ask(healthy, query, id="driving-licence-issue"))["card"]
    assert planned["connected"] is False
    assert planned["missing"] == [
        {
            "dataset": "health.records",
            "reason": "NOT_IN_STANDARD",
            "detail": "health.records is planned; the data standard does not define it yet",
        }
    ]
    assert data(await ask(healthy, query, id="no-such-card"))["card"] is None


def test_the_graphql_legal_bases_are_those_a_card_may_name() -> None:
    assert [basis.value for basis in ServiceLegalBasis] == [basis.value for basis in CARD_BASES]
