"""One query must not take the GraphQL edge down: the issue's attacks, each refused fast with its
own code and a message naming the limit, before anything is read or audited, with or without a
token, while the server keeps answering others."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query
from sqlalchemy import func, select

from bench.load import BATCH_QUERY
from store.audit_models import AuditRecord
from tests.harness import RunningGateway
from tests.resolvers.test_consent_tokens import consent_token
from tests.web.support import logged_in

FAST = 1.0  # seconds a refusal may take, on a shared two-core machine


def fan_out(levels: int, root: str) -> str:
    """The issue's 2.4 KB query: each fragment spreads the one before it twice, once a level
    down, so the expanded query doubles per level."""
    parts = ["fragment F0 on Citizen { nationalId }"]
    parts += [
        f"fragment F{n} on Citizen {{ ...F{n - 1} birth {{ father {{ ...F{n - 1} }} }} }}"
        for n in range(1, levels + 1)
    ]
    parts.append(f"{{ {root} {{ ...F{levels} }} }}")
    return "\n".join(parts)


async def audit_rows(gateway: RunningGateway) -> int:
    async with gateway.gateway.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(AuditRecord)) or 0)


class Watch:
    """Asserts that what runs inside reads nothing from any source and audits nothing."""

    def __init__(self, gateway: RunningGateway) -> None:
        self.gateway = gateway

    async def __aenter__(self) -> Watch:
        self.calls = self.gateway.source_calls()
        self.rows = await audit_rows(self.gateway)
        self.started = time.perf_counter()
        return self

    async def __aexit__(self, *exc: object) -> None:
        self.elapsed = time.perf_counter() - self.started
        assert self.gateway.source_calls() == self.calls, "a refused query read a source"
        assert await audit_rows(self.gateway) == self.rows, "a refused query was audited"


def refused(response: httpx.Response, code: str, limit: int | None = None) -> dict[str, Any]:
    assert response.status_code in {400, 413}, response.text[:500]
    body = response.json()
    assert "data" not in body, body
    (error,) = body["errors"]
    assert error["extensions"]["code"] == code, error
    if limit is not None:
        assert error["extensions"]["limit"] == limit
        assert f"{limit}" in error["message"], error["message"]
    return dict(error)


async def post(gateway: RunningGateway, query: str, **kw: Any) -> httpx.Response:
    return await gateway.post(query, **kw)


# -- 1. fragment fan-out ------------------------------------------------------------------------


@pytest.fixture
async def as_each_caller(
    gateway: RunningGateway,
) -> AsyncIterator[Callable[[str], Awaitable[list[httpx.Response]]]]:
    """Send a query as every kind of caller: statutory, consent, agency admin, a citizen's portal
    session, and nobody."""
    citizen = gateway.citizens["parent"]
    consent, _, _ = await consent_token(
        gateway, citizen=citizen, subject=citizen, datasets=["civil.identity", "civil.birth"]
    )
    async with logged_in(gateway, citizen) as portal:

        async def send(query: str) -> list[httpx.Response]:
            return [
                await post(gateway, query),
                await post(gateway, query, token=consent, case_reference=None),
                await post(gateway, query, role="agency_admin", case_reference=None),
                await portal.get("/graphql", params={"query": query}),
                await post(gateway, query, role=None, case_reference=None),
            ]

        yield send


async def test_the_fragment_fan_out_is_refused_at_once_for_every_caller(
    gateway: RunningGateway, as_each_caller: Callable[[str], Awaitable[list[httpx.Response]]]
) -> None:
    attack = fan_out(29, f'citizen(nationalId: "{gateway.citizens["parent"]}")')
    assert 1800 < len(attack) < 2500
    async with Watch(gateway) as watch:
        answers = await as_each_caller(attack)
    assert watch.elapsed < 5 * FAST
    for response in answers:
        error = refused(response, "QUERY_TOO_DEEP", limit=15)
        assert error["extensions"]["found"] == 60


async def test_a_fan_out_within_the_depth_limit_is_refused_on_its_cost(
    gateway: RunningGateway,
) -> None:
    ids = [person.national_id for person in gateway.world.people[:100]]
    attack = fan_out(6, "citizens(nationalIds: $ids)").replace(
        "{ citizens", "query($ids: [String!]!) { citizens", 1
    )
    async with Watch(gateway) as watch:
        response = await post(gateway, attack, variables={"ids": ids})
    assert watch.elapsed < FAST
    error = refused(response, "QUERY_TOO_COMPLEX", limit=10_000)
    assert error["extensions"]["found"] > 10_000
    assert "the budget is 10000" in error["message"]


async def test_a_fan_out_within_every_limit_runs_and_reads_through_its_fragments(
    gateway: RunningGateway,
) -> None:
    child = gateway.citizens["minor_child"]
    started = time.perf_counter()
    answer = (await post(gateway, fan_out(6, f'citizen(nationalId: "{child}")'))).json()
    assert time.perf_counter() - started < 5 * FAST
    assert "errors" not in answer, answer
    citizen = answer["data"]["citizen"]
    assert citizen["nationalId"] == child
    assert citizen["birth"]["father"]["nationalId"]  # read through two fragments


# -- 4. size and work, with or without a token ----------------------------------------------------


async def test_fifty_thousand_skip_directives_are_refused_before_parsing(
    gateway: RunningGateway,
) -> None:
    attack = "{ __typename" + " @skip(if: false)" * 50_000 + " }"
    async with Watch(gateway) as watch:
        response = await post(gateway, attack, role=None, case_reference=None)
    assert watch.elapsed < FAST
    refused(response, "BODY_TOO_LARGE", limit=256 * 1024)
    # Within the body limit: the directives' own limit.
    many = "{ __typename" + " @skip(if: false)" * 51 + " }"
    refused(await post(gateway, many, role=None), "TOO_MANY_DIRECTIVES", limit=50)


async def test_a_fifty_megabyte_body_is_refused_on_its_length(gateway: RunningGateway) -> None:
    body = b'{"query": "{ __typename }", "padding": "' + b"x" * (50 * 1024 * 1024) + b'"}'
    started = time.perf_counter()
    response = await gateway.http.post(
        "/graphql", content=body, headers={"Content-Type": "application/json"}
    )
    assert time.perf_counter() - started < FAST
    error = refused(response, "BODY_TOO_LARGE", limit=256 * 1024)
    assert error["extensions"]["found"] == len(body)


async def test_five_hundred_aliased_schemas_are_refused(gateway: RunningGateway) -> None:
    attack = "{ " + " ".join(f"s{n}: __schema {{ types {{ name }} }}" for n in range(500)) + " }"
    async with Watch(gateway) as watch:
        response = await post(gateway, attack, role=None)
    assert watch.elapsed < FAST
    refused(response, "QUERY_TOO_LARGE", limit=1000)
    aliases = "{ __schema { " + " ".join(f"t{n}: queryType {{ name }}" for n in range(31)) + " } }"
    refused(await post(gateway, aliases, role=None), "TOO_MANY_ALIASES", limit=30)
    roots = "{ " + " ".join(f"s{n}: __schema {{ queryType {{ name }} }}" for n in range(11)) + " }"
    refused(await post(gateway, roots, role=None), "TOO_MANY_ROOT_FIELDS", limit=10)
    # The introspection GraphiQL sends is within every limit.
    introspection = get_introspection_query(
        descriptions=True, specified_by_url=True, directive_is_repeatable=True,
        schema_description=True, input_value_deprecation=True,
    )  # fmt: skip
    answer = (await post(gateway, introspection, role=None)).json()
    assert "errors" not in answer and answer["data"]["__schema"]["types"]


async def test_ten_thousand_operations_are_refused(gateway: RunningGateway) -> None:
    attack = " ".join(f"query Q{n}{{__typename}}" for n in range(10_000))
    async with Watch(gateway) as watch:
        response = await post(gateway, attack, role=None)
    assert watch.elapsed < FAST
    refused(response, "QUERY_TOO_LARGE", limit=32 * 1024)  # the document's length comes first
    eleven = " ".join(f"query Q{n} {{ __typename }}" for n in range(11))
    refused(await post(gateway, eleven, role=None), "TOO_MANY_OPERATIONS", limit=10)


async def test_a_hundred_thousand_item_list_literal_is_refused(gateway: RunningGateway) -> None:
    code = gateway.citizens["parent"]
    items = ", ".join([f'"{code}"'] * 100_000)
    attack = f"{{ citizens(nationalIds: [{items}]) {{ nationalId }} }}"
    async with Watch(gateway) as watch:
        response = await post(gateway, attack)
    assert watch.elapsed < FAST
    refused(response, "BODY_TOO_LARGE")
    # Within the body and length limits, the tokens run out first.
    short = ", ".join(['"1"'] * 2100)
    refused(
        await post(gateway, f"{{ citizens(nationalIds: [{short}]) {{ nationalId }} }}"),
        "QUERY_TOO_LARGE",
        limit=1000,
    )


async def test_a_thousand_citizen_aliases_read_and_audit_nothing(gateway: RunningGateway) -> None:
    code = gateway.citizens["parent"]
    fields = "identity { firstName } birth { date } address { city } taxStatus { cleared }"

    def aliases(count: int) -> str:
        return (
            "{ "
            + " ".join(f'c{n}: citizen(nationalId: "{code}") {{ {fields} }}' for n in range(count))
            + " }"
        )

    async with Watch(gateway) as watch:
        response = await post(gateway, aliases(1000))
    assert watch.elapsed < FAST
    refused(response, "QUERY_TOO_LARGE")
    async with Watch(gateway):
        response = await post(gateway, aliases(11))
    refused(response, "TOO_MANY_ROOT_FIELDS", limit=10)
    # Ten are within the limits, and each is read and audited.
    answer = (await post(gateway, aliases(10))).json()
    assert "errors" not in answer and len(answer["data"]) == 10


async def test_a_list_variable_is_costed_by_its_length(gateway: RunningGateway) -> None:
    query = "query($ids: [String!]!) { citizens(nationalIds: $ids) { nationalId } }"
    async with Watch(gateway) as watch:
        response = await post(gateway, query, variables={"ids": ["0012345678"] * 15_000})
    assert watch.elapsed < FAST
    error = refused(response, "QUERY_TOO_COMPLEX", limit=10_000)
    assert error["extensions"]["found"] == 15_000


async def test_a_hundred_citizens_with_every_record_stay_within_the_default_budget(
    gateway: RunningGateway,
) -> None:
    ids = [person.national_id for person in gateway.world.people[:100]]
    response = await post(gateway, BATCH_QUERY, variables={"ids": ids})
    answer = response.json()
    assert response.status_code == 200 and "errors" not in answer, str(answer)[:500]
    assert len(answer["data"]["citizens"]) == 100


async def test_a_refused_document_stays_refused_from_the_cache(gateway: RunningGateway) -> None:
    attack = fan_out(29, f'citizen(nationalId: "{gateway.citizens["parent"]}")')
    first = refused(await post(gateway, attack), "QUERY_TOO_DEEP")
    again = refused(await post(gateway, attack), "QUERY_TOO_DEEP")
    assert first == again
