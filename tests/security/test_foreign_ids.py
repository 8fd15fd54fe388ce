"""Registration errors never tell another agency's id from one nobody holds: the same code and
the same message (but for the id) for data sources, service cards and service clients, on every
operation that names one."""

from __future__ import annotations

from typing import Any

import pytest

from tests.harness import RunningGateway

UNKNOWN = "no-such-thing-anywhere"
SOURCE = "id enabled"
CARD = "id enabled"
CLIENT = "clientId enabled"
SOURCES = [
    f"mutation($id: ID!) {{ disableDataSource(id: $id) {{ {SOURCE} }} }}",
    f"mutation($id: ID!) {{ enableDataSource(id: $id) {{ {SOURCE} }} }}",
    f"mutation($id: ID!) {{ restoreDataSource(id: $id, version: 1) {{ {SOURCE} }} }}",
    f"""mutation($id: ID!) {{ updateDataSource(id: $id, changes: {{ timeoutSeconds: 2 }})
      {{ {SOURCE} }} }}""",
]
CARDS = [
    f"mutation($id: ID!) {{ disableServiceCard(id: $id) {{ {CARD} }} }}",
    f"mutation($id: ID!) {{ enableServiceCard(id: $id) {{ {CARD} }} }}",
    f"mutation($id: ID!) {{ restoreServiceCard(id: $id, version: 1) {{ {CARD} }} }}",
    "query($id: ID!) { serviceCardHistory(id: $id) { version } }",
]
CLIENTS = [
    f"mutation($id: String!) {{ disableServiceClient(clientId: $id) {{ {CLIENT} }} }}",
    f"""mutation($id: String!) {{ registerServiceClient(input: {{
      serviceCard: $id, name: "x", grantTypes: ["client_credentials"] }})
      {{ client {{ {CLIENT} }} }} }}""",
]


def shape(answer: dict[str, Any], object_id: str) -> tuple[Any, ...]:
    """What the answer says, with the id asked about blanked out."""
    [error] = answer["errors"]
    extensions = error["extensions"]
    problems = [p.replace(object_id, "<id>") for p in extensions.get("problems", [])]
    return (
        answer["data"],
        extensions["code"],
        error["message"].replace(object_id, "<id>"),
        problems,
    )


async def alike(gateway: RunningGateway, query: str, foreign: str) -> tuple[Any, ...]:
    """The civil registry admin asks about another agency's id and about an unknown one."""
    theirs = await gateway.query(query, {"id": foreign}, role="agency_admin")
    nobodys = await gateway.query(query, {"id": UNKNOWN}, role="agency_admin")
    said = shape(theirs, foreign)
    assert said == shape(nobodys, UNKNOWN), (theirs, nobodys)
    assert said[1] == "REGISTRATION_REFUSED"
    return said


@pytest.mark.parametrize("query", SOURCES)
async def test_another_agencys_data_source_is_refused_as_unknown(
    gateway: RunningGateway, query: str
) -> None:
    said = await alike(gateway, query, "tax-status")
    assert said[2] == "agency 'civil-registry' has no data source '<id>'"
    seen = await gateway.query(
        "query($id: ID!) { agencyRegistrations { dataSource(id: $id) { id } } }",
        {"id": "tax-status"},
        role="agency_admin",
    )
    assert seen == {"data": {"agencyRegistrations": {"dataSource": None}}}


@pytest.mark.parametrize("query", CARDS)
async def test_another_agencys_service_card_is_refused_as_unknown(
    gateway: RunningGateway, query: str
) -> None:
    said = await alike(gateway, query, "school-enrolment")
    assert said[2] == "agency 'civil-registry' has no service card '<id>'"


async def test_another_agencys_service_client_is_refused_as_unknown(
    gateway: RunningGateway,
) -> None:
    client = gateway.clients["statutory"]["client_id"]
    said = await alike(gateway, CLIENTS[0], client)
    assert said[2] == "agency 'civil-registry' has no service client '<id>'"


async def test_a_client_for_another_agencys_card_is_refused_as_for_an_unknown_card(
    gateway: RunningGateway,
) -> None:
    said = await alike(gateway, CLIENTS[1], "school-enrolment")
    assert said[2] == "agency 'civil-registry' has no service card '<id>'"
