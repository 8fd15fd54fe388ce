"""An agency's answer is not ours to trust: a source answering too much — too many bytes,
declared or streamed, a compressed bomb, too many records in a range, a range too wide — fails
that call with a coded source error; the gateway never holds more of it than its bounds."""

from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from datetime import date, timedelta

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from datasources.base import Fault, SourceError
from datasources.graphql import GraphqlAdapter
from datasources.http import HttpAdapter
from datasources.mapping import Mapping
from datasources.ranges import MAX_RANGE_DAYS, MAX_RANGE_ROWS, DateRange, RangeRefused
from tests.datasources.conftest import BIRTH, nid
from tests.harness import serve

LIMIT = 64 * 1024
FIELDS = {"date": {"from": "born", "transform": "solar_hijri_date"}}
HTTP_MAPPING = {
    "endpoint": "/people",
    "ids_field": "codes",
    "results": "data.people",
    "key": {"from": "code"},
    "fields": FIELDS,
    "range": {"field": "date", "endpoint": "/births", "format": "iso_date"},
}
GRAPHQL_MAPPING = {
    "query": {"field": "people", "argument": "codes"},
    "key": {"from": "code"},
    "fields": FIELDS,
}
ROW = {"code": nid(1), "born": "1398/07/01"}
# Far more than LIMIT once decoded, a few kilobytes on the wire.
BIG_ROWS = [ROW] * 20_000


def big_json() -> bytes:
    return JSONResponse({"data": {"people": BIG_ROWS}}).body


async def declared(request: Request) -> Response:
    return Response(big_json(), media_type="application/json")


async def streamed(request: Request) -> StreamingResponse:
    async def chunks() -> AsyncIterator[bytes]:
        body = big_json()
        for start in range(0, len(body), 4096):
            yield body[start : start + 4096]

    return StreamingResponse(chunks(), media_type="application/json")


async def bomb(request: Request) -> Response:
    packed = gzip.compress(big_json())
    assert len(packed) < LIMIT  # small on the wire: only its decoded size is over
    return Response(packed, media_type="application/json", headers={"Content-Encoding": "gzip"})


async def many_births(request: Request) -> JSONResponse:
    rows = [{"code": nid(n % 9000 + 1), "born": "1398/07/01"} for n in range(MAX_RANGE_ROWS + 1)]
    return JSONResponse({"data": {"people": rows}})


def agency() -> Starlette:
    return Starlette(
        routes=[
            Route("/declared/people", declared, methods=["POST"]),
            Route("/streamed/people", streamed, methods=["POST"]),
            Route("/bomb/people", bomb, methods=["POST"]),
            Route("/many/births", many_births, methods=["POST"]),
            Route("/graphql", declared, methods=["POST"]),
        ]
    )


@pytest.fixture(scope="module")
async def agency_url() -> AsyncIterator[str]:
    async with serve(agency()) as url:
        yield url


def http_adapter(url: str, answer_bytes: int = LIMIT) -> HttpAdapter:
    mapping = Mapping.parse(HTTP_MAPPING, BIRTH, "http")
    return HttpAdapter(url, mapping, name="agency-http", answer_bytes=answer_bytes)


@pytest.mark.parametrize("how", ["declared", "streamed", "bomb"])
async def test_an_answer_over_the_bound_fails_the_call(agency_url: str, how: str) -> None:
    adapter = http_adapter(f"{agency_url}/{how}")
    try:
        with pytest.raises(SourceError) as failed:
            await adapter.fetch([nid(1)])
    finally:
        await adapter.close()
    assert failed.value.fault is Fault.REFUSED
    assert f"at most {LIMIT} bytes" in str(failed.value)
    # Clients are told the kind of fault, never the agency's endpoint.
    assert "/people" not in failed.value.public


async def test_the_same_answer_under_a_larger_bound_is_read(agency_url: str) -> None:
    adapter = http_adapter(f"{agency_url}/bomb", answer_bytes=64 * 1024 * 1024)
    try:
        found = await adapter.fetch([nid(1)])
    finally:
        await adapter.close()
    assert set(found) == {nid(1)}


async def test_a_graphql_answer_over_the_bound_fails_the_call(agency_url: str) -> None:
    mapping = Mapping.parse(GRAPHQL_MAPPING, BIRTH, "graphql")
    adapter = GraphqlAdapter(f"{agency_url}/graphql", mapping, answer_bytes=LIMIT)
    try:
        with pytest.raises(SourceError) as failed:
            await adapter.fetch([nid(1)])
    finally:
        await adapter.close()
    assert failed.value.fault is Fault.REFUSED


async def test_a_range_answered_with_too_many_records_fails(agency_url: str) -> None:
    adapter = http_adapter(f"{agency_url}/many", answer_bytes=64 * 1024 * 1024)
    within = DateRange(date(2019, 9, 23), date(2019, 9, 23))
    try:
        with pytest.raises(SourceError) as failed:
            await adapter.keys_in_range("date", within)
    finally:
        await adapter.close()
    assert f"more than {MAX_RANGE_ROWS} records" in str(failed.value)


def test_a_range_is_never_inverted_nor_wider_than_a_month() -> None:
    with pytest.raises(RangeRefused):
        DateRange(date(2020, 1, 2), date(2020, 1, 1))
    with pytest.raises(RangeRefused):
        DateRange(date(2020, 1, 1), date(2020, 1, 1) + timedelta(days=MAX_RANGE_DAYS))
