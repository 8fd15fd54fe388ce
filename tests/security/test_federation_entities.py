"""Federation `_entities` with representations a router would never send: each bad one is
that item's BAD_USER_INPUT (found by the GraphQL fuzzer: a list, a string, a missing or foreign
`__typename`, or a `cls` key crashed Strawberry's resolver with a Python message)."""

from __future__ import annotations

import pytest

from tests.harness import RunningGateway

QUERY = """query($reps: [_Any!]!) {
  _entities(representations: $reps) { ... on Citizen { nationalId identity { firstName } } }
}"""


@pytest.mark.parametrize(
    "representation",
    [
        "Citizen",
        17,
        ["Citizen"],
        {},
        {"nationalId": "0012345679"},
        {"__typename": "Query"},
        {"__typename": "Identity", "nationalId": "0012345679"},
        {"__typename": 5, "nationalId": "0012345679"},
        {"__typename": "Citizen"},
        {"__typename": "Citizen", "cls": None},
        {"__typename": "Citizen", "nationalId": ["0012345679"]},
    ],
)
async def test_a_malformed_representation_costs_only_its_item(
    gateway: RunningGateway, representation: object
) -> None:
    good = gateway.world.people[0].national_id
    reps = [{"__typename": "Citizen", "nationalId": good}, representation]
    response = await gateway.post(QUERY, {"reps": reps})
    assert response.status_code == 200, response.text
    body = response.json()
    first, second = body["data"]["_entities"]
    assert first["nationalId"] == good and first["identity"]["firstName"]
    assert second is None
    [error] = body["errors"]
    assert error["path"] == ["_entities", 1]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    assert "Traceback" not in response.text and "object has no attribute" not in error["message"]


async def test_keys_beyond_the_entity_key_are_ignored(gateway: RunningGateway) -> None:
    """Only `nationalId` reaches resolve_reference: `cls`, `info` or `self` cannot collide with
    its parameters."""
    good = gateway.world.people[1].national_id
    reps = [{"__typename": "Citizen", "nationalId": good, "cls": 1, "info": 2, "self": 3}]
    body = (await gateway.post(QUERY, {"reps": reps})).json()
    assert "errors" not in body, body
    [entity] = body["data"]["_entities"]
    assert entity["nationalId"] == good and entity["identity"]["firstName"]
