"""Social security registered as a `graphql` source (its demo subgraph over the same database)
answers the gateway's citizens exactly as its sql source does, in one call per request."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest

from datasources.base import SourceError
from demo import mappings
from demo.social_graphql import create_app as create_social_app
from tests.datasources.graphql_agency import Counting
from tests.harness import RunningGateway, serve

INSURANCE = """query($ids: [String!]!) { citizens(nationalIds: $ids) { nationalId
  identity { firstName }
  insurance { insuranceNumber status type since dependantNationalIds
              provenance { agency datasource status lastUpdated } } } }"""
BY_QUERY: dict[str, Any] = {
    **{k: v for k, v in mappings.SOCIAL_GRAPHQL.items() if k != "entities"},
    "query": {"field": "insuredPeople", "argument": "nationalCodes"},
}


async def register_social(
    gateway: RunningGateway, source_id: str, kind: str, connection: dict, mapping: dict
) -> None:
    """Register an insurance source in place of the one serving now (`replaces` says so)."""
    await gateway.gateway.registry.register(
        source_id=source_id,
        agency="social-security",
        record_type="insurance",
        kind=kind,
        connection=connection,
        mapping=mapping,
        replaces=gateway.serving("insurance", source_id),
    )


@contextlib.asynccontextmanager
async def sql_source_restored(gateway: RunningGateway) -> AsyncIterator[None]:
    """Let a test swap the insurance source; the demo's sql source is back afterwards."""
    try:
        yield
    finally:
        await register_social(
            gateway, "social-insurance", "sql", {"url": gateway.urls.social}, mappings.SOCIAL
        )


@contextlib.asynccontextmanager
async def social_subgraph(gateway: RunningGateway) -> AsyncIterator[tuple[str, Counting]]:
    """The agency's subgraph over the gateway world's social database, requests counted."""
    counter = Counting(create_social_app(gateway.urls.social, api_key=""))
    port = gateway.spare_ports["social-security"]
    async with sql_source_restored(gateway), serve(counter, port) as base:
        yield f"{base}/graphql", counter


def without_datasource(answer: dict) -> list[dict]:
    assert "errors" not in answer, answer["errors"][:2]
    citizens = answer["data"]["citizens"]
    for citizen in citizens:
        if citizen["insurance"] is not None:
            citizen["insurance"]["provenance"].pop("datasource")
    return citizens


@pytest.mark.parametrize("mapping", [mappings.SOCIAL_GRAPHQL, BY_QUERY], ids=["entities", "query"])
async def test_graphql_source_answers_as_the_sql_source(
    gateway: RunningGateway, mapping: dict
) -> None:
    ids = [person.national_id for person in gateway.world.people[:100]]
    from_sql = await gateway.query(INSURANCE, {"ids": ids})
    sources = {c["insurance"]["provenance"]["datasource"] for c in from_sql["data"]["citizens"]}
    assert sources == {"social-insurance"}
    statuses = {c["insurance"]["provenance"]["status"] for c in from_sql["data"]["citizens"]}
    assert statuses == {"AVAILABLE", "NO_RECORD"}
    async with social_subgraph(gateway) as (endpoint, counter):
        await register_social(gateway, "social-graphql", "graphql", {"endpoint": endpoint}, mapping)
        before = counter.requests
        from_graphql = await gateway.query(INSURANCE, {"ids": ids})
        assert counter.requests - before == 1  # 100 citizens: one call to the agency
    citizens = from_graphql["data"]["citizens"]
    assert {c["insurance"]["provenance"]["datasource"] for c in citizens} == {"social-graphql"}
    assert without_datasource(from_graphql) == without_datasource(from_sql)


async def test_registration_refuses_a_mapping_the_subgraph_does_not_match(
    gateway: RunningGateway,
) -> None:
    stale = {**mappings.SOCIAL_GRAPHQL, "fields": dict(mappings.SOCIAL_GRAPHQL["fields"])}
    stale["fields"]["insuranceNumber"] = {"from": "insuranceNumber"}  # the agency renamed it
    async with social_subgraph(gateway) as (endpoint, _):
        with pytest.raises(SourceError, match="Cannot query field 'insuranceNumber' on type"):
            await register_social(
                gateway, "social-graphql", "graphql", {"endpoint": endpoint}, stale
            )
        source = gateway.gateway.registry.source_for("insurance")
        assert source is not None and source.id == "social-insurance"


async def test_subgraph_down_nulls_only_insurance(gateway: RunningGateway) -> None:
    ids = [gateway.citizens["parent"], gateway.citizens["minor_child"]]
    async with sql_source_restored(gateway):
        port = gateway.spare_ports["social-security"]
        async with serve(create_social_app(gateway.urls.social, api_key=""), port) as base:
            # Registration probes the source, so it is registered while up; then it goes down.
            connection = {"endpoint": f"{base}/graphql"}
            await register_social(
                gateway, "social-graphql", "graphql", connection, mappings.SOCIAL_GRAPHQL
            )
        answer = await gateway.query(INSURANCE, {"ids": ids})
    errors = {tuple(e["path"]): e["extensions"]["code"] for e in answer["errors"]}
    assert errors == {
        ("citizens", 0, "insurance"): "SOURCE_UNAVAILABLE",
        ("citizens", 1, "insurance"): "SOURCE_UNAVAILABLE",
    }
    # The kind of fault only: the endpoint and the client library's words stay in the log.
    assert answer["errors"][0]["message"] == "data source 'social-graphql' could not be reached"
    for citizen in answer["data"]["citizens"]:
        assert citizen["insurance"] is None and citizen["identity"]["firstName"]
