"""Agency admins register, update, test, disable and restore their data sources over GraphQL."""

from __future__ import annotations

import copy
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from auth.oauth.registration import create_client
from demo import mappings
from store.db import transaction
from tests.harness import RunningGateway, running_gateway

SOURCE_FIELDS = "id recordType kind connection mapping enabled version updatedBy"
UPDATE = f"""
mutation($id: ID!, $changes: DataSourceChanges!) {{
  updateDataSource(id: $id, changes: $changes) {{ {SOURCE_FIELDS} }}
}}"""
REGISTER = f"""
mutation($input: DataSourceInput!) {{ registerDataSource(input: $input) {{ {SOURCE_FIELDS} }} }}"""
TEST = """
mutation($input: DataSourceInput!) {
  testDataSource(input: $input) { ok latencyMs problems replaces } }"""
DISABLE = "mutation($id: ID!) { disableDataSource(id: $id) { id enabled version } }"
ENABLE = "mutation($id: ID!) { enableDataSource(id: $id) { id enabled version } }"
RESTORE = """
mutation($id: ID!, $v: Int!) { restoreDataSource(id: $id, version: $v) { id version mapping } }"""
HISTORY = """
query($id: ID!) { agencyRegistrations { dataSource(id: $id) {
  version history { version action changedBy kind connection mapping enabled } } } }"""
LIST = "{ agencyRegistrations { agency { code } dataSources { id recordType connection } } }"
FIRST_NAME = "query($id: String!) { citizen(nationalId: $id) { identity { firstName } } }"


@pytest.fixture(scope="module")
async def gw(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningGateway]:
    """A gateway of this module's own: these tests change registrations and agency tables."""
    async with running_gateway(Path(tmp_path_factory.mktemp("registrations"))) as running:
        async with transaction(running.gateway.sessions) as session:
            _, secret = await create_client(
                session,
                client_id="tax-admin",
                name="Tax administrators",
                agency_code="tax",
                role="agency_admin",
                scopes=["agency.admin"],
                grant_types=["client_credentials"],
            )
        running.clients["tax_admin"] = {"client_id": "tax-admin", "client_secret": secret}
        yield running


async def admin(gw: RunningGateway, query: str, variables: dict | None = None, **kw: Any) -> dict:
    return await gw.query(query, variables, role=kw.pop("role", "agency_admin"), **kw)


def identity_mapping(**field_changes: dict[str, Any]) -> dict[str, Any]:
    mapping = copy.deepcopy(mappings.CIVIL["identity"])
    mapping["fields"].update(field_changes)
    return mapping


def civil_db(gw: RunningGateway) -> Path:
    return Path(gw.urls.civil.split("///", 1)[1])


async def test_an_agency_lists_only_its_own_sources_with_credentials_masked(
    gw: RunningGateway,
) -> None:
    civil = await admin(gw, LIST)
    assert civil["data"]["agencyRegistrations"]["agency"]["code"] == "civil-registry"
    ids = {source["id"] for source in civil["data"]["agencyRegistrations"]["dataSources"]}
    assert {"civil-identity", "civil-birth", "civil-death", "civil-address"} <= ids
    assert "tax-status" not in ids and "social-insurance" not in ids

    tax = await admin(gw, LIST, role="tax_admin")
    assert [s["id"] for s in tax["data"]["agencyRegistrations"]["dataSources"]] == ["tax-status"]


async def test_only_agency_admins_reach_registrations(gw: RunningGateway) -> None:
    statutory = await gw.query(LIST, role="statutory_all_datasets")
    assert statutory["data"] is None or statutory["data"]["agencyRegistrations"] is None
    assert statutory["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    anonymous = await gw.post(LIST, role=None)
    assert anonymous.status_code == 401
    mutation = await gw.query(DISABLE, {"id": "civil-death"}, role="statutory_all_datasets")
    assert mutation["errors"][0]["extensions"]["code"] == "FORBIDDEN"


async def test_an_update_takes_effect_is_versioned_and_can_be_undone(gw: RunningGateway) -> None:
    citizen = gw.citizens["parent"]
    before = (await gw.query(FIRST_NAME, {"id": citizen}))["data"]["citizen"]["identity"]

    # The agency maps firstName from its father's-name column, by mistake.
    mistaken = identity_mapping(firstName={"from": "nam_pedar"})
    changed = await admin(gw, UPDATE, {"id": "civil-identity", "changes": {"mapping": mistaken}})
    assert "errors" not in changed, changed
    updated = changed["data"]["updateDataSource"]
    assert updated["version"] == 2 and updated["updatedBy"] == "civil-registry-admin"
    after = (await gw.query(FIRST_NAME, {"id": citizen}))["data"]["citizen"]["identity"]
    assert after != before

    history = (await admin(gw, HISTORY, {"id": "civil-identity"}))["data"]
    versions = history["agencyRegistrations"]["dataSource"]["history"]
    assert [(v["version"], v["action"]) for v in versions] == [(2, "updated"), (1, "registered")]
    assert versions[0]["changedBy"] == "civil-registry-admin"
    first_name_from = [v["mapping"]["fields"]["firstName"]["from"] for v in versions]
    assert first_name_from == ["nam_pedar", "nam"]

    restored = await admin(gw, RESTORE, {"id": "civil-identity", "v": 1})
    assert restored["data"]["restoreDataSource"]["version"] == 3
    again = (await gw.query(FIRST_NAME, {"id": citizen}))["data"]["citizen"]["identity"]
    assert again == before
    history = (await admin(gw, HISTORY, {"id": "civil-identity"}))["data"]
    actions = [v["action"] for v in history["agencyRegistrations"]["dataSource"]["history"]]
    assert actions == ["restored", "updated", "registered"]


async def test_a_refused_registration_names_every_problem_and_changes_nothing(
    gw: RunningGateway,
) -> None:
    citizen = gw.citizens["parent"]
    before = await gw.query(FIRST_NAME, {"id": citizen})
    version_before = (await admin(gw, HISTORY, {"id": "civil-identity"}))["data"]
    bad = identity_mapping(firstName={"from": "no_such_column"}, shoeSize={"from": "nam"})
    answer = await admin(gw, UPDATE, {"id": "civil-identity", "changes": {"mapping": bad}})
    error = answer["errors"][0]
    assert error["extensions"]["code"] == "REGISTRATION_REFUSED"
    problems = " ".join(error["extensions"]["problems"])
    assert "shoeSize" in problems
    assert await gw.query(FIRST_NAME, {"id": citizen}) == before
    assert (await admin(gw, HISTORY, {"id": "civil-identity"}))["data"] == version_before

    # A mapping that passes validation but names a column the table lacks fails the live probe.
    probe_fails = identity_mapping(firstName={"from": "no_such_column"})
    answer = await admin(gw, UPDATE, {"id": "civil-identity", "changes": {"mapping": probe_fails}})
    assert answer["errors"][0]["extensions"]["code"] == "REGISTRATION_REFUSED"
    assert "no_such_column" in answer["errors"][0]["message"]
    assert await gw.query(FIRST_NAME, {"id": citizen}) == before


async def test_a_dry_run_reports_without_storing(gw: RunningGateway) -> None:
    registration = {
        "id": "civil-identity-next",
        "recordType": "identity",
        "kind": "sql",
        "connection": {"url": gw.urls.civil},
        "mapping": identity_mapping(),
        "replaces": "civil-identity",
    }
    good = (await admin(gw, TEST, {"input": registration}))["data"]["testDataSource"]
    assert good["ok"] is True and good["problems"] == [] and good["latencyMs"] >= 0
    assert good["replaces"] == ["civil-identity"]
    broken = {**registration, "mapping": identity_mapping(lastName={"from": "gone"})}
    bad = (await admin(gw, TEST, {"input": broken}))["data"]["testDataSource"]
    assert bad["ok"] is False and "gone" in " ".join(bad["problems"])
    listed = await admin(gw, LIST)
    ids = {s["id"] for s in listed["data"]["agencyRegistrations"]["dataSources"]}
    assert "civil-identity-next" not in ids


async def test_an_agency_cannot_touch_another_agencys_registrations(gw: RunningGateway) -> None:
    before = (await admin(gw, HISTORY, {"id": "civil-death"}))["data"]
    for query, variables in (
        (DISABLE, {"id": "civil-death"}),
        (ENABLE, {"id": "civil-death"}),
        (RESTORE, {"id": "civil-death", "v": 1}),
        (UPDATE, {"id": "civil-death", "changes": {"mapping": mappings.CIVIL["death"]}}),
        (
            REGISTER,
            {
                "input": {
                    "id": "civil-death",
                    "recordType": "death",
                    "kind": "sql",
                    "connection": {"url": gw.urls.tax},
                    "mapping": mappings.CIVIL["death"],
                }
            },
        ),
        (
            # A new id for a record type another agency serves.
            REGISTER,
            {
                "input": {
                    "id": "tax-death",
                    "recordType": "death",
                    "kind": "sql",
                    "connection": {"url": gw.urls.civil},
                    "mapping": mappings.CIVIL["death"],
                }
            },
        ),
    ):
        answer = await admin(gw, query, variables, role="tax_admin")
        assert answer["errors"][0]["extensions"]["code"] == "REGISTRATION_REFUSED", answer
    seen = await admin(gw, HISTORY, {"id": "civil-death"}, role="tax_admin")
    assert seen["data"]["agencyRegistrations"]["dataSource"] is None
    assert (await admin(gw, HISTORY, {"id": "civil-death"}))["data"] == before


async def test_disable_and_enable(gw: RunningGateway) -> None:
    query = """query($id: String!) {
      citizen(nationalId: $id) { death { date } identity { lastName } } }"""
    deceased = gw.citizens["deceased"]
    assert (await gw.query(query, {"id": deceased}))["data"]["citizen"]["death"]["date"]

    disabled = await admin(gw, DISABLE, {"id": "civil-death"})
    assert disabled["data"]["disableDataSource"]["enabled"] is False
    answer = await gw.query(query, {"id": deceased})
    assert answer["data"]["citizen"]["death"] is None
    assert answer["errors"][0]["extensions"]["code"] == "SOURCE_UNAVAILABLE"
    assert answer["data"]["citizen"]["identity"]["lastName"]  # the rest still resolves

    enabled = await admin(gw, ENABLE, {"id": "civil-death"})
    assert enabled["data"]["enableDataSource"]["enabled"] is True
    assert (await gw.query(query, {"id": deceased}))["data"]["citizen"]["death"]["date"]


async def test_a_changed_table_is_caught_and_the_agency_remaps(gw: RunningGateway) -> None:
    """The agency renames a column: the probe names it, reads fail cleanly, a new mapping heals."""
    citizen = gw.citizens["parent"]
    query = "query($id: String!) { citizen(nationalId: $id) { address { city postalCode } } }"
    good = (await gw.query(query, {"id": citizen}))["data"]["citizen"]["address"]
    mapping = copy.deepcopy(mappings.CIVIL["address"])
    city_column = mapping["fields"]["city"]["from"]
    with sqlite3.connect(civil_db(gw)) as db:
        db.execute(f"ALTER TABLE {mapping['table']} RENAME COLUMN {city_column} TO shahr_jadid")
    try:
        probes = await gw.gateway.registry.probe_all()
        assert probes["civil-address"].ok is False
        assert city_column in (probes["civil-address"].error or "")
        assert (await address_health(gw))["status"] == "DOWN"
        answer = await gw.query(query, {"id": citizen})
        assert answer["data"]["citizen"]["address"] is None
        assert answer["errors"][0]["extensions"]["code"] == "SOURCE_UNAVAILABLE"

        mapping["fields"]["city"]["from"] = "shahr_jadid"
        fixed = await admin(gw, UPDATE, {"id": "civil-address", "changes": {"mapping": mapping}})
        assert "errors" not in fixed, fixed
        assert (await gw.query(query, {"id": citizen}))["data"]["citizen"]["address"] == good
        healed = await address_health(gw)
        assert healed["status"] in {"HEALTHY", "DEGRADED"} and healed["probeOk"] is True
    finally:
        with sqlite3.connect(civil_db(gw)) as db:
            db.execute(f"ALTER TABLE {mapping['table']} RENAME COLUMN shahr_jadid TO {city_column}")


async def test_connection_and_mapping_must_be_objects(gw: RunningGateway) -> None:
    answer = await admin(gw, UPDATE, {"id": "civil-death", "changes": {"mapping": "table=x"}})
    assert answer["errors"][0]["extensions"]["code"] == "REGISTRATION_REFUSED"
    assert answer["errors"][0]["extensions"]["problems"] == ["mapping must be a JSON object"]


async def address_health(gw: RunningGateway) -> dict[str, Any]:
    query = """query { agencyRegistrations { dataSource(id: "civil-address") {
      health { status breaker probeOk probedAt calls errorRate lastError } } } }"""
    answer = await admin(gw, query)
    return answer["data"]["agencyRegistrations"]["dataSource"]["health"]


async def test_health_is_shown_and_disabled_sources_have_none(gw: RunningGateway) -> None:
    query = "{ agencyRegistrations { dataSources { id enabled health { status breaker } } } }"
    answer = await admin(gw, query)
    sources = {s["id"]: s for s in answer["data"]["agencyRegistrations"]["dataSources"]}
    identity = sources["civil-identity"]
    assert identity["health"]["status"] == "HEALTHY" and identity["health"]["breaker"] == "closed"
    assert all((s["health"] is None) == (not s["enabled"]) for s in sources.values())


async def test_registering_a_source_again_unchanged_is_no_new_version(gw: RunningGateway) -> None:
    """The demo re-registers its sources at every start: that must not grow the history."""
    history = await admin(gw, HISTORY, {"id": "civil-birth"})
    again = {
        "id": "civil-birth",
        "recordType": "birth",
        "kind": "sql",
        "connection": {"url": gw.urls.civil},
        "mapping": mappings.CIVIL["birth"],
    }
    answer = await admin(gw, REGISTER, {"input": again})
    assert "errors" not in answer, answer
    assert await admin(gw, HISTORY, {"id": "civil-birth"}) == history
