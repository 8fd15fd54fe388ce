"""The graphql adapter over real HTTP: the demo social security subgraph and a tax subgraph."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from datasources.base import MappedRecord, RecordError, RegistrationError, SourceError
from datasources.connections import display_connection
from datasources.graphql import GraphqlAdapter
from datasources.mapping import Mapping
from datasources.policy import SourcePolicy
from datasources.registry import Registry
from datasources.sql import SqlAdapter
from demo import mappings
from demo.agencies import load_agency
from demo.social_graphql import create_app as create_social_app
from demo.world import World, generate
from schema.records import record_specs
from store.models import DataSource
from store.secrets import SecretBox
from tests.datasources.conftest import TAX, make_policy, nid
from tests.datasources.graphql_agency import FAILING, MISFIT, TAX_MAPPING, Counting, tax_agency
from tests.harness import serve

INSURANCE = record_specs()["insurance"]
SOCIAL_KEY = "social-api-key-s3cret"
AUTH = {"Authorization": f"Bearer {SOCIAL_KEY}"}
BY_QUERY: dict[str, Any] = {
    **{k: v for k, v in mappings.SOCIAL_GRAPHQL.items() if k != "entities"},
    "query": {"field": "insuredPeople", "argument": "nationalCodes"},
}
TAX_BY_ENTITIES: dict[str, Any] = {
    **{k: v for k, v in TAX_MAPPING.items() if k != "query"},
    "entities": {"typename": "Taxpayer", "key_field": "code"},
}


@dataclass
class Service:
    endpoint: str
    counter: Counting


@dataclass
class Social(Service):
    db_url: str
    world: World


@pytest_asyncio.fixture(scope="module")
async def social(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Social]:
    world = generate(count=150, seed=7)
    db_url = f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('social') / 'social.db'}"
    await load_agency("social", db_url, world)
    counter = Counting(create_social_app(db_url, api_key=SOCIAL_KEY))
    async with serve(counter) as base:
        yield Social(f"{base}/graphql", counter, db_url, world)


@pytest_asyncio.fixture(scope="module")
async def tax() -> AsyncIterator[Service]:
    counter = Counting(tax_agency())
    async with serve(counter) as base:
        yield Service(base, counter)


def insurance(social: Social, raw: dict[str, Any], **kw: Any) -> GraphqlAdapter:
    mapping = Mapping.parse(raw, INSURANCE, "graphql")
    return GraphqlAdapter(social.endpoint, mapping, AUTH, name="social-graphql", **kw)


async def fetch_all(adapter: Any, ids: list[str]) -> dict[str, Any]:
    try:
        await adapter.probe()
        return await adapter.fetch(ids)
    finally:
        await adapter.close()


async def test_both_modes_read_what_the_sql_source_reads(social: Social) -> None:
    ids = [person.national_id for person in social.world.people[:100]]
    sql = SqlAdapter(social.db_url, Mapping.parse(mappings.SOCIAL, INSURANCE, "sql"))
    expected = await fetch_all(sql, ids)
    assert 10 < len(expected) < 100  # some of them hold no insurance: no record
    entities = await fetch_all(insurance(social, mappings.SOCIAL_GRAPHQL), ids)
    listed = await fetch_all(insurance(social, BY_QUERY), ids)
    assert entities == expected and listed == expected
    record = next(iter(entities.values()))
    assert isinstance(record, MappedRecord) and record.last_updated is not None
    assert set(record.values) == {
        "insuranceNumber",
        "status",
        "type",
        "since",
        "dependantNationalIds",
    }


async def test_a_hundred_ids_are_one_call_and_batch_size_splits(social: Social) -> None:
    ids = [person.national_id for person in social.world.people[:100]]
    for raw, batch_size, calls in (
        (mappings.SOCIAL_GRAPHQL, None, 1),
        (BY_QUERY, None, 1),
        ({**BY_QUERY, "batch_size": 30}, None, 4),
        (mappings.SOCIAL_GRAPHQL, 40, 3),
    ):
        adapter = insurance(social, raw, batch_size=batch_size)
        before = social.counter.requests
        try:
            found = await adapter.fetch([*ids, *ids[:10]])  # repeated ids are asked once
        finally:
            await adapter.close()
        assert social.counter.requests - before == calls, (raw, batch_size)
        assert set(found) <= set(ids) and found


@pytest.mark.parametrize("raw", [mappings.SOCIAL_GRAPHQL, BY_QUERY], ids=["entities", "query"])
async def test_probe_names_what_the_remote_schema_lacks(social: Social, raw: dict) -> None:
    renamed = copy.deepcopy(raw)
    renamed["fields"]["insuranceNumber"] = {"from": "insuranceNumber"}
    adapter = insurance(social, renamed)
    try:
        with pytest.raises(SourceError, match="Cannot query field 'insuranceNumber' on type"):
            await adapter.probe()
        with pytest.raises(SourceError, match="Cannot query field 'insuranceNumber'"):
            await adapter.fetch([social.world.people[0].national_id])
    finally:
        await adapter.close()
    wrong_type = copy.deepcopy(mappings.SOCIAL_GRAPHQL)
    wrong_type["entities"]["typename"] = "Insurd"
    adapter = insurance(social, wrong_type)
    try:
        with pytest.raises(SourceError, match="Unknown type 'Insurd'"):
            await adapter.probe()
    finally:
        await adapter.close()


async def test_missing_credentials_is_a_source_error(social: Social) -> None:
    mapping = Mapping.parse(mappings.SOCIAL_GRAPHQL, INSURANCE, "graphql")
    adapter = GraphqlAdapter(social.endpoint, mapping, name="social-graphql")
    try:
        with pytest.raises(SourceError, match=r"'social-graphql'.*answered HTTP 401"):
            await adapter.probe()
    finally:
        await adapter.close()


@pytest.mark.parametrize("raw", [TAX_MAPPING, TAX_BY_ENTITIES], ids=["query", "entities"])
async def test_integer_keys_and_one_citizen_s_failures(tax: Service, raw: dict) -> None:
    adapter = GraphqlAdapter(f"{tax.endpoint}/graphql", Mapping.parse(raw, TAX, "graphql"))
    ids = [nid(i) for i in range(1, 13)] + [nid(99)]  # the service knows codes 1 to 40
    found = await fetch_all(adapter, ids)
    assert set(found) == set(ids) - {nid(99)}
    failing, misfit = found[FAILING], found[MISFIT]
    assert isinstance(failing, RecordError) and failing.field == "taxpayerId"
    assert failing.column == "tin" and "the service answered an error" in str(failing)
    assert isinstance(misfit, RecordError) and misfit.field == "clearance"
    assert misfit.column == "status.flag" and "maybe" not in str(misfit)
    # The service keeps codes as numbers: 0000000043 is 43 there, and found again here.
    assert found[nid(4)] == MappedRecord(
        {"taxpayerId": f"TIN-{int(nid(4))}", "clearance": True, "lastFilingYear": 1404}
    )
    assert found[nid(3)].values["clearance"] is False


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/fail", "answered HTTP 500: internal error"),
        ("/notjson", "did not answer a JSON object"),
        ("/errors", r"answered errors: Variable '\$ids' got invalid value \*\*\*; TaxCode"),
        ("/nolist", "answered no list at 'taxpayers'"),
        ("/nowhere", "answered HTTP 404"),
    ],
)
async def test_failures_are_source_errors(tax: Service, path: str, message: str) -> None:
    adapter = GraphqlAdapter(tax.endpoint + path, Mapping.parse(TAX_MAPPING, TAX, "graphql"))
    try:
        with pytest.raises(SourceError, match=message) as caught:
            await adapter.fetch([nid(3), nid(4)])
        # The code sent (35 for 0000000035) is never repeated in the message.
        assert re.search(rf"(?<![0-9]){int(nid(3))}(?![0-9])", caught.value.reason) is None
        with pytest.raises(SourceError):
            await adapter.probe()
    finally:
        await adapter.close()
    # Several batches side by side fail as one source error, not as a group of them.
    mapping = Mapping.parse({**TAX_MAPPING, "batch_size": 1}, TAX, "graphql")
    adapter = GraphqlAdapter(tax.endpoint + path, mapping)
    try:
        with pytest.raises(SourceError, match=message):
            await adapter.fetch([nid(3), nid(4), nid(5)])
    finally:
        await adapter.close()


async def test_connection_refused_is_a_source_error() -> None:
    mapping = Mapping.parse(TAX_MAPPING, TAX, "graphql")
    adapter = GraphqlAdapter("http://127.0.0.1:1/graphql", mapping, name="maliat-graphql")
    try:
        with pytest.raises(SourceError, match="'maliat-graphql': the GraphQL request failed"):
            await adapter.fetch([nid(1)])
    finally:
        await adapter.close()


@pytest.fixture
def policy(tmp_path: Path, tax: Service) -> SourcePolicy:
    """The tax subgraph's port is allowed to maliat."""
    return make_policy(tmp_path, {"maliat": [tax.endpoint.removeprefix("http://")]})


async def register_tax(registry: Registry, endpoint: str, **changes: Any) -> Any:
    args: dict[str, Any] = {
        "source_id": "maliat-graphql",
        "agency": "maliat",
        "record_type": "taxStatus",
        "kind": "graphql",
        "connection": {"endpoint": endpoint},
        "mapping": TAX_MAPPING,
    }
    return await registry.register(**{**args, **changes})


async def stored(sessions: async_sessionmaker[AsyncSession]) -> list[DataSource]:
    async with sessions() as session:
        return list((await session.scalars(select(DataSource))).all())


async def test_registration_refuses_a_field_the_remote_schema_lacks(
    registry: Registry, tax: Service, sessions: async_sessionmaker[AsyncSession]
) -> None:
    mapping = copy.deepcopy(TAX_MAPPING)
    mapping["fields"]["lastFilingYear"] = {"from": "status.lastYear"}
    with pytest.raises(SourceError, match="Cannot query field 'lastYear' on type 'Standing'"):
        await register_tax(registry, f"{tax.endpoint}/graphql", mapping=mapping)
    assert registry.source_for("taxStatus") is None and await stored(sessions) == []


async def test_registered_connection_is_sealed_and_shown_masked(
    registry: Registry, tax: Service, sessions: async_sessionmaker[AsyncSession], box: SecretBox
) -> None:
    endpoint = tax.endpoint.replace("://", "://maliat:Pa55word@") + "/graphql?api_key=k3y&v=2"
    connection = {"endpoint": endpoint, "headers": {"Authorization": "Bearer t0ken"}}
    source = await register_tax(registry, endpoint, connection=connection)
    assert source.kind == "graphql"
    assert nid(4) in await registry.fetch(source, [nid(4)])
    [row] = await stored(sessions)
    for secret in ("Pa55word", "k3y", "t0ken"):
        assert secret not in row.connection_sealed and secret not in row.connection_display
    assert json.loads(row.connection_display) == {
        "endpoint": f"{tax.endpoint}/graphql?api_key=***&v=2",
        "headers": {"Authorization": "***"},
    }
    assert json.loads(box.open(row.connection_sealed)) == connection


def test_display_connection_masks_graphql_credentials() -> None:
    shown = json.loads(
        display_connection(
            "graphql",
            {
                "endpoint": "https://svc:hunter2@social.example/graphql?access_token=abc",
                "headers": {"X-Api-Key": "k", "Authorization": "Bearer xyz"},
            },
        )
    )
    assert shown == {
        "endpoint": "https://social.example/graphql?access_token=***",
        "headers": {"X-Api-Key": "***", "Authorization": "***"},
    }


async def test_bad_connections_are_refused(registry: Registry, tax: Service) -> None:
    for connection in ({"url": tax.endpoint}, {"endpoint": "http://[::1"}, {"endpoint": "/gql"}):
        with pytest.raises(RegistrationError, match=r'needs \{"endpoint"'):
            await register_tax(registry, "", connection=connection)
    with pytest.raises(RegistrationError, match="graphql connection headers must map text"):
        await register_tax(
            registry, tax.endpoint, connection={"endpoint": tax.endpoint, "headers": {"a": 1}}
        )
