"""The four agencies' subgraphs (bench/subgraphs/): what the router would join from them is what
the gateway answers, and each request reads its citizens in one batch."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.checks import strip_retrieved_at
from bench.load import BATCH_QUERY
from bench.subgraphs.agencies import AGENCIES
from bench.subgraphs.service import Agency, create_app
from demo.agencies import agency_urls
from standard.national_id import with_check_digit
from tests.harness import RunningGateway

P = "provenance { agency datasource retrievedAt lastUpdated status }"
CIVIL = f"""query($ids: [String!]!) {{ citizens(nationalIds: $ids) {{ nationalId
    identity {{ firstName lastName fatherName gender {P} }}
    birth {{ date place fatherNationalId motherNationalId {P} }}
    death {{ date place {P} }}
    address {{ province city postalCode {P} }} }} }}"""
UNKNOWN = with_check_digit("000000012")  # a well-formed code no agency knows
# What a router's query plan asks the other three for, by the civil registry's keys.
ENTITIES = "query($r: [_Any!]!) { _entities(representations: $r) { ... on Citizen { %s } } }"
RECORDS = {
    "social": f"insurance {{ insuranceNumber status type since dependantNationalIds {P} }}",
    "education": f"schoolEnrollment {{ school schoolCode grade academicYear status {P} }}",
    "tax": f"taxStatus {{ taxpayerId cleared lastFilingYear {P} }}",
}  # fmt: skip


@contextlib.asynccontextmanager
async def serving(
    var_dir: Path, agencies: dict[str, Agency]
) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    """Each agency's subgraph in-process over the test world's databases."""
    urls = agency_urls(var_dir / "agencies")
    async with contextlib.AsyncExitStack() as stack:
        clients = {}
        for name, agency in agencies.items():
            app = create_app(agency, urls[agency.database])
            await stack.enter_async_context(app.router.lifespan_context(app))
            clients[name] = await stack.enter_async_context(
                httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://sub")
            )
        yield clients


async def ask(client: httpx.AsyncClient, query: str, variables: dict[str, Any]) -> Any:
    answer = (await client.post("/graphql", json={"query": query, "variables": variables})).json()
    assert "errors" not in answer, answer["errors"]
    return answer["data"]


async def test_joined_as_a_router_joins_them_they_answer_what_the_gateway_answers(
    gateway: RunningGateway,
) -> None:
    ids = [*gateway.citizens.values(), UNKNOWN]
    async with serving(gateway.gateway.settings.var_dir, AGENCIES) as clients:
        joined = (await ask(clients["civil"], CIVIL, {"ids": ids}))["citizens"]
        keys = [{"__typename": "Citizen", "nationalId": c["nationalId"]} for c in joined]
        for name, selection in RECORDS.items():
            found = await ask(clients[name], ENTITIES % selection, {"r": keys})
            for citizen, entity in zip(joined, found["_entities"], strict=True):
                citizen.update(entity)
    ours = await gateway.query(BATCH_QUERY, {"ids": ids})
    assert strip_retrieved_at(ours["data"]["citizens"]) == strip_retrieved_at(joined)
    assert joined[-1]["taxStatus"]["provenance"]["status"] == "NO_RECORD"


async def test_a_request_reads_its_citizens_in_one_batch(gateway: RunningGateway) -> None:
    batches: list[list[str]] = []
    tax = AGENCIES["tax"]

    async def counted(engine: AsyncEngine, ids: list[str]) -> Sequence[Any]:
        batches.append(ids)
        return await tax.load(engine, ids)

    ids = list(gateway.citizens.values())
    keys = [{"__typename": "Citizen", "nationalId": i} for i in ids]
    agencies = {"tax": Agency(tax.schema, tax.database, counted)}
    async with serving(gateway.gateway.settings.var_dir, agencies) as clients:
        found = await ask(clients["tax"], ENTITIES % RECORDS["tax"], {"r": keys})
        assert len(found["_entities"]) == len(ids)
        assert batches == [ids]
        await ask(clients["tax"], ENTITIES % RECORDS["tax"], {"r": keys[:1]})
        assert batches == [ids, ids[:1]]  # a loader per request: nothing kept between them


async def test_the_root_fields_refuse_bad_codes_and_too_many(gateway: RunningGateway) -> None:
    async with serving(gateway.gateway.settings.var_dir, {"civil": AGENCIES["civil"]}) as clients:
        civil = clients["civil"]
        for ids in (["123"], ["0000000001"], [UNKNOWN] * 101):
            body = {"query": CIVIL, "variables": {"ids": ids}}
            answer = (await civil.post("/graphql", json=body)).json()
            assert answer["errors"] and answer["data"] is None
