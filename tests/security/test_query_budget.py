"""A client's registration may give it its own query cost budget, within the gateway's ceiling; its
tokens carry it, and its queries are held to it instead of the default."""

from __future__ import annotations

from typing import Any

import pytest

from store.db import transaction
from store.models import ServiceCard
from tests.harness import RunningGateway

CARD = "query-budget-census"
REGISTER = """
mutation($input: ServiceClientInput!) {
  registerServiceClient(input: $input) { clientSecret client { clientId queryCostBudget } }
}"""
RECORDS = "identity { firstName lastName } birth { date place }"
# About 100 x 40 = 4,000 for the records, and as much again for each father's: above the
# default budget of 10,000, within 20,000.
HEAVY = f"""query($ids: [String!]!) {{ citizens(nationalIds: $ids) {{
  {RECORDS} address {{ city }} taxStatus {{ cleared }} insurance {{ status }}
  birth {{ father {{ {RECORDS} address {{ city }} taxStatus {{ cleared }} }} }} }} }}"""


@pytest.fixture(scope="module")
async def census_card(gateway: RunningGateway) -> str:
    async with transaction(gateway.gateway.sessions) as session:
        session.add(
            ServiceCard(
                id=CARD,
                agency_code="education",
                name_fa="سرشماری",
                name_en="Census with a large budget",
                datasets=["civil.birth", "civil.identity"],
                legal_basis="statute",
                statute="Education Act, article 12",
            )
        )
    return CARD


async def register(gateway: RunningGateway, client_id: str, **spec: Any) -> dict[str, Any]:
    payload = {"serviceCard": CARD, "name": client_id, "clientId": client_id}
    payload |= {"grantTypes": ["client_credentials"], **spec}
    return await gateway.query(REGISTER, {"input": payload}, role="education_admin")


async def token_of(gateway: RunningGateway, client_id: str, secret: str) -> str:
    response = await gateway.http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


async def test_a_registered_budget_replaces_the_default(
    gateway: RunningGateway, census_card: str
) -> None:
    answer = await register(gateway, "census-large-budget", queryCostBudget=20_000)
    assert "errors" not in answer, answer
    made = answer["data"]["registerServiceClient"]
    assert made["client"]["queryCostBudget"] == 20_000
    token = await token_of(gateway, "census-large-budget", made["clientSecret"])
    ids = [person.national_id for person in gateway.world.people[:100]]

    held = (await gateway.post(HEAVY, {"ids": ids}, token=token)).json()
    assert "data" in held and all(held["data"]["citizens"]), str(held)[:300]
    assert "QUERY_TOO_COMPLEX" not in str(held)

    default = await gateway.post(HEAVY, {"ids": ids})
    assert default.status_code == 400
    error = default.json()["errors"][0]
    assert error["extensions"] == {
        "code": "QUERY_TOO_COMPLEX",
        "limit": 10_000,
        "found": error["extensions"]["found"],
    }
    assert 10_000 < error["extensions"]["found"] <= 20_000


@pytest.mark.parametrize("budget", [0, -5, 100_001])
async def test_a_budget_outside_1_to_the_ceiling_is_refused(
    gateway: RunningGateway, census_card: str, budget: int
) -> None:
    answer = await register(gateway, f"census-budget-{budget}", queryCostBudget=budget)
    error = answer["errors"][0]
    assert error["extensions"]["code"] == "REGISTRATION_REFUSED"
    assert "1..100000" in error["message"]


async def test_without_a_budget_a_client_has_the_default(
    gateway: RunningGateway, census_card: str
) -> None:
    answer = await register(gateway, "census-default-budget")
    made = answer["data"]["registerServiceClient"]
    assert made["client"]["queryCostBudget"] is None
    token = await token_of(gateway, "census-default-budget", made["clientSecret"])
    ids = [person.national_id for person in gateway.world.people[:100]]
    refused = (await gateway.post(HEAVY, {"ids": ids}, token=token)).json()
    assert refused["errors"][0]["extensions"]["limit"] == 10_000
