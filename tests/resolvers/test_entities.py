"""Federation `_entities`: a router hands Darvazeh citizens by key and gets their records under the
same access decision, batching and access log as the root fields."""

from __future__ import annotations

from typing import Any

from tests.harness import RunningGateway
from tests.resolvers.test_audit_notes import records_of
from tests.resolvers.test_records import person

ENTITIES = """query($representations: [_Any!]!) { _entities(representations: $representations) {
  __typename
  ... on Citizen {
    nationalId
    identity { firstName lastName provenance { agency status } }
    taxStatus { taxpayerId provenance { agency status } }
  }
} }"""


def citizens(*national_ids: str) -> dict[str, Any]:
    return {"representations": [{"__typename": "Citizen", "nationalId": i} for i in national_ids]}


async def test_a_router_reads_citizens_by_key_with_a_statutory_token(
    gateway: RunningGateway,
) -> None:
    parent, child = gateway.citizens["parent"], gateway.citizens["minor_child"]
    before = gateway.source_calls()
    response = await gateway.post(ENTITIES, citizens(parent, child), case_reference="CASE-7")
    after = gateway.source_calls()
    answer = response.json()
    assert response.status_code == 200 and "errors" not in answer, answer
    entities = answer["data"]["_entities"]
    assert [entity["nationalId"] for entity in entities] == [parent, child]
    for entity in entities:
        someone = person(gateway, entity["nationalId"])
        assert entity["__typename"] == "Citizen"
        assert entity["identity"]["firstName"] == someone.first_name
        assert entity["identity"]["lastName"] == someone.last_name
        provenance = entity["identity"]["provenance"]
        assert provenance == {"agency": "civil-registry", "status": "AVAILABLE"}
        assert entity["taxStatus"]["provenance"]["agency"] == "tax"
    tax = {r.national_id: r.taxpayer_id for r in gateway.world.tax_records}
    assert [entity["taxStatus"]["taxpayerId"] for entity in entities] == [
        tax.get(parent),
        tax.get(child),
    ]
    # The representations batch like `citizens`: one call per source asked, whatever the count.
    calls = {source: after[source] - before.get(source, 0) for source in after}
    assert {source: n for source, n in calls.items() if n} == {"civil-identity": 1, "tax-status": 1}
    # ... and leave their access-log records, with the case the router passed on.
    rows = await records_of(gateway, response.headers["Darvazeh-Request-Id"])
    agencies = ("civil-registry", "tax")
    assert {(row.subject, row.source_agency, row.outcome) for row in rows} == {
        (subject, agency, "GRANTED") for subject in (parent, child) for agency in agencies
    }
    assert {row.case_reference for row in rows} == {"CASE-7"}


async def test_entities_pass_the_same_access_decision(gateway: RunningGateway) -> None:
    # Newborn insurance's card names birth, family and coverage: the birth is read, the tax
    # status is refused, and only that field says so.
    query = """query($representations: [_Any!]!) { _entities(representations: $representations) {
      ... on Citizen { birth { date } taxStatus { cleared } } } }"""
    parent = person(gateway, gateway.citizens["parent"])
    answer = await gateway.query(query, citizens(parent.national_id), role="statutory")
    [entity] = answer["data"]["_entities"]
    assert entity["birth"] == {"date": parent.birth_date.isoformat()}
    assert entity["taxStatus"] is None
    assert [(e["path"], e["extensions"]["code"]) for e in answer["errors"]] == [
        (["_entities", 0, "taxStatus"], "FORBIDDEN")
    ]


async def test_entities_need_a_token_like_the_root_fields(gateway: RunningGateway) -> None:
    response = await gateway.post(ENTITIES, citizens(gateway.citizens["parent"]), role=None)
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    answer = response.json()
    assert answer["data"]["_entities"] == [None]
    assert [e["extensions"]["code"] for e in answer["errors"]] == ["UNAUTHENTICATED"]


async def test_a_malformed_key_costs_only_its_entity(gateway: RunningGateway) -> None:
    parent = gateway.citizens["parent"]
    variables = citizens(parent, "1234567890")
    variables["representations"].append({"__typename": "Citizen"})
    answer = await gateway.query(ENTITIES, variables)
    first, malformed, keyless = answer["data"]["_entities"]
    assert first["nationalId"] == parent and first["identity"] is not None
    assert malformed is None and keyless is None
    codes = {tuple(e["path"]): e["extensions"]["code"] for e in answer["errors"]}
    assert codes == {("_entities", 1): "INVALID_NATIONAL_ID", ("_entities", 2): "BAD_USER_INPUT"}
