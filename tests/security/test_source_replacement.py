"""A second source never silently replaces the first: taking over a record type another of the
agency's sources serves must say so (`replaces`), on every way in; the dry run says what would be
replaced; a refusal names the source serving today. Over GraphQL and the command line, with the
demo's civil registry admin."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from auth.oauth.registration import create_client
from demo import mappings
from demo.seed import register_sources
from store.db import transaction
from store.models import DataSource
from tests.datasources.test_cli import Cli
from tests.harness import RunningGateway, running_gateway, serve

SOURCE = "id recordType enabled version"
REGISTER = f"mutation($r: DataSourceInput!) {{ registerDataSource(input: $r) {{ {SOURCE} }} }}"
TEST = """mutation($r: DataSourceInput!) {
  testDataSource(input: $r) { ok latencyMs problems replaces } }"""
ENABLE = f"""mutation($id: ID!, $r: ID) {{
  enableDataSource(id: $id, replaces: $r) {{ {SOURCE} }} }}"""
DISABLE = f"mutation($id: ID!) {{ disableDataSource(id: $id) {{ {SOURCE} }} }}"
RESTORE = f"""mutation($id: ID!, $v: Int!, $r: ID) {{
  restoreDataSource(id: $id, version: $v, replaces: $r) {{ {SOURCE} }} }}"""
UPDATE = f"""mutation($id: ID!, $c: DataSourceChanges!) {{
  updateDataSource(id: $id, changes: $c) {{ {SOURCE} }} }}"""
HISTORY = """query($id: ID!) { agencyRegistrations { dataSource(id: $id) {
  enabled history { version action changedBy } } } }"""
ADDRESS = """query($id: String!) { citizen(nationalId: $id) {
  address { city provenance { datasource } } } }"""


@pytest.fixture(scope="module")
async def gw(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[RunningGateway]:
    async with running_gateway(Path(tmp_path_factory.mktemp("replacement"))) as running:
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


def second_address(gw: RunningGateway, **more: Any) -> dict[str, Any]:
    return {
        "id": "civil-address-2",
        "recordType": "address",
        "kind": "sql",
        "connection": {"url": gw.urls.civil},
        "mapping": mappings.CIVIL["address"],
        **more,
    }


async def admin(gw: RunningGateway, query: str, variables: dict, role: str = "agency_admin") -> Any:
    return await gw.query(query, variables, role=role)


async def refused(gw: RunningGateway, query: str, variables: dict, **kw: Any) -> str:
    answer = await admin(gw, query, variables, **kw)
    [error] = answer["errors"]
    assert error["extensions"]["code"] == "REGISTRATION_REFUSED", error
    assert error["extensions"]["problems"] == [error["message"]]
    return str(error["message"])


async def served_by(gw: RunningGateway) -> str:
    answer = await gw.query(ADDRESS, {"id": gw.citizens["parent"]})
    return str(answer["data"]["citizen"]["address"]["provenance"]["datasource"])


async def enabled(gw: RunningGateway) -> dict[str, bool]:
    async with gw.gateway.sessions() as session:
        rows = await session.scalars(select(DataSource).where(DataSource.record_type == "address"))
        return {row.id: row.enabled for row in rows}


TODAY = (
    "address records are served today by data source 'civil-address'; to replace it, name it "
    "in `replaces` ('civil-address')"
)


async def test_a_second_source_is_refused_unless_it_says_what_it_replaces(
    gw: RunningGateway,
) -> None:
    assert await refused(gw, REGISTER, {"r": second_address(gw)}) == TODAY
    assert await served_by(gw) == "civil-address"
    assert await enabled(gw) == {"civil-address": True}  # nothing stored

    dry = (await admin(gw, TEST, {"r": second_address(gw)}))["data"]["testDataSource"]
    assert dry == {
        "ok": False,
        "latencyMs": None,
        "problems": [TODAY],
        "replaces": ["civil-address"],
    }
    said = second_address(gw, replaces="civil-address")
    dry = (await admin(gw, TEST, {"r": said}))["data"]["testDataSource"]
    assert dry["ok"] is True and dry["replaces"] == ["civil-address"]
    assert await enabled(gw) == {"civil-address": True}  # a dry run stores nothing

    answer = await admin(gw, REGISTER, {"r": said})
    assert answer["data"]["registerDataSource"]["enabled"] is True, answer
    assert await served_by(gw) == "civil-address-2"
    assert await enabled(gw) == {"civil-address": False, "civil-address-2": True}
    history = await admin(gw, HISTORY, {"id": "civil-address"})
    last = history["data"]["agencyRegistrations"]["dataSource"]["history"][0]
    assert (last["action"], last["changedBy"]) == ("disabled", "civil-registry-admin")


async def test_enable_and_restore_need_replaces_too(gw: RunningGateway) -> None:
    # civil-address-2 serves since the test above.
    today = TODAY.replace("'civil-address'", "'civil-address-2'")
    assert await refused(gw, ENABLE, {"id": "civil-address"}) == today
    assert await refused(gw, RESTORE, {"id": "civil-address", "v": 1}) == today
    assert await refused(gw, UPDATE, {"id": "civil-address", "c": {}}) == today
    assert await served_by(gw) == "civil-address-2"

    answer = await admin(gw, ENABLE, {"id": "civil-address", "r": "civil-address-2"})
    assert answer["data"]["enableDataSource"]["enabled"] is True, answer
    assert await served_by(gw) == "civil-address"
    assert await enabled(gw) == {"civil-address": True, "civil-address-2": False}

    assert await refused(gw, RESTORE, {"id": "civil-address-2", "v": 1}) == TODAY
    answer = await admin(gw, RESTORE, {"id": "civil-address-2", "v": 1, "r": "civil-address"})
    assert answer["data"]["restoreDataSource"]["enabled"] is True, answer
    assert await served_by(gw) == "civil-address-2"
    changes = {"replaces": "civil-address-2"}
    answer = await admin(gw, UPDATE, {"id": "civil-address", "c": changes})
    assert answer["data"]["updateDataSource"]["enabled"] is True, answer
    assert await served_by(gw) == "civil-address"


@pytest.mark.parametrize("named", ["civil-death", "no-such-source", "tax-status"])
async def test_replaces_must_name_the_source_serving_today(gw: RunningGateway, named: str) -> None:
    """Another of its sources, an unknown id and another agency's id are refused alike."""
    registration = second_address(gw, replaces=named, id="civil-address-3")
    message = await refused(gw, REGISTER, {"r": registration})
    assert message == (
        f"`replaces` names {named!r}, but address records are served today by 'civil-address'"
    )


async def test_replacing_the_serving_source_by_name_works(gw: RunningGateway) -> None:
    registration = second_address(gw, replaces="civil-address", id="civil-address-3")
    answer = await admin(gw, REGISTER, {"r": registration})
    assert "errors" not in answer, answer
    assert await served_by(gw) == "civil-address-3"
    answer = await admin(gw, ENABLE, {"id": "civil-address", "r": "civil-address-3"})
    assert "errors" not in answer, answer


async def test_nothing_to_replace_and_self_replacement_are_refused(gw: RunningGateway) -> None:
    disabled = await admin(gw, DISABLE, {"id": "civil-death"})
    assert disabled["data"]["disableDataSource"]["enabled"] is False
    try:
        death = {
            "id": "civil-death-2",
            "recordType": "death",
            "kind": "sql",
            "connection": {"url": gw.urls.civil},
            "mapping": mappings.CIVIL["death"],
            "replaces": "civil-death",
        }
        message = await refused(gw, REGISTER, {"r": death})
        assert message == (
            "`replaces` names 'civil-death', but death records are served today by no other source"
        )
    finally:
        assert "errors" not in await admin(gw, ENABLE, {"id": "civil-death"})
    itself = await refused(gw, ENABLE, {"id": "civil-death", "r": "civil-death"})
    assert itself == "a source does not replace itself: leave `replaces` out"


async def test_the_command_line_takes_replaces(gw: RunningGateway, tmp_path: Path) -> None:
    async with serve(gw.app, lifespan="off") as url:
        cli = Cli(url, gw, tmp_path)
        source = cli.write("second.json", second_address(gw, id="civil-address-cli"))
        code, _, err = await cli("sources", "register", source)
        assert code == 1 and "served today by data source 'civil-address'" in err
        code, tested, _ = await cli("sources", "test", source, "--replaces", "civil-address")
        assert code == 0 and tested["replaces"] == ["civil-address"]
        code, registered, err = await cli(
            "sources", "register", source, "--replaces", "civil-address"
        )
        assert code == 0, err
        assert registered["id"] == "civil-address-cli" and registered["enabled"] is True
        code, _, err = await cli("sources", "enable", "civil-address")
        assert code == 1 and "served today by data source 'civil-address-cli'" in err
        code, _, err = await cli("sources", "restore", "civil-address", "1")
        assert code == 1 and "served today by data source 'civil-address-cli'" in err
        code, back, err = await cli(
            "sources", "enable", "civil-address", "--replaces", "civil-address-cli"
        )
        assert code == 0 and back["enabled"] is True, err
    assert await served_by(gw) == "civil-address"


async def test_the_demo_seed_never_replaces_a_source(gw: RunningGateway) -> None:
    """The demo registers its sources again at every start: a record type the agency has since
    given to another of its sources stays with it."""
    answer = await admin(gw, REGISTER, {"r": second_address(gw, replaces="civil-address")})
    assert "errors" not in answer, answer
    try:
        await register_sources(gw.gateway.registry, gw.urls)
        assert await served_by(gw) == "civil-address-2"
        assert (await enabled(gw))["civil-address"] is False
    finally:
        answer = await admin(gw, ENABLE, {"id": "civil-address", "r": "civil-address-2"})
        assert "errors" not in answer, answer


async def test_replaces_is_bounded(gw: RunningGateway) -> None:
    message = await refused(gw, REGISTER, {"r": second_address(gw, replaces="x" * 10_000)})
    assert message == "`replaces` is a source id of 1 to 64 characters"
