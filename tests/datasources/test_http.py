from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from datasources.base import SourceError
from datasources.http import HttpAdapter
from datasources.mapping import Mapping
from datasources.registry import Registry
from tests.datasources.conftest import API_KEY, SCHOOL, STUDENTS_MAPPING, agency_app, nid

HEADERS = {"X-Api-Key": API_KEY}


def students(endpoint: str | None = None) -> Mapping:
    raw: dict[str, Any] = copy.deepcopy(STUDENTS_MAPPING)
    if endpoint:
        raw["endpoint"] = endpoint
    return Mapping.parse(raw, SCHOOL, "http")


async def test_fetch_over_real_http(agency_api: str) -> None:
    adapter = HttpAdapter(agency_api, students(), HEADERS, name="amoozesh-school")
    try:
        await adapter.probe()
        found = await adapter.fetch([nid(1), nid(2), nid(999)])
    finally:
        await adapter.close()
    assert set(found) == {nid(1), nid(2)}
    assert found[nid(1)].values == {
        "school": "Madrese 1",
        "grade": 2,
        "academicYear": "1402-1403",
        "status": "GRADUATED",
    }
    assert found[nid(1)].last_updated == datetime(2024, 1, 2, 6, 30, tzinfo=UTC)


async def test_missing_credentials_is_a_source_error(agency_api: str) -> None:
    adapter = HttpAdapter(agency_api + "/", students(), name="amoozesh-school")
    try:
        with pytest.raises(SourceError, match=r"'amoozesh-school'.*answered HTTP 401"):
            await adapter.fetch([nid(1)])
    finally:
        await adapter.close()


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("/api/v1/fail:batch", "answered HTTP 500"),
        ("/api/v1/notjson:batch", "did not answer JSON"),
        ("/api/v1/shape:batch", "answered no list at 'students'"),
        ("/api/v1/nowhere:batch", "answered HTTP 404"),
    ],
)
async def test_failures_are_source_errors(agency_api: str, endpoint: str, message: str) -> None:
    adapter = HttpAdapter(agency_api, students(endpoint), HEADERS)
    try:
        with pytest.raises(SourceError, match=message):
            await adapter.fetch([nid(1)])
        with pytest.raises(SourceError, match=message):
            await adapter.probe()
    finally:
        await adapter.close()


async def test_connection_refused_is_a_source_error() -> None:
    adapter = HttpAdapter("http://127.0.0.1:1", students(), HEADERS)
    try:
        with pytest.raises(SourceError, match="POST /api/v1/students:batch failed"):
            await adapter.fetch([nid(1)])
    finally:
        await adapter.close()


async def test_given_client_over_asgi_is_used_and_left_open() -> None:
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=agency_app()))
    adapter = HttpAdapter("http://agency", students(), HEADERS, client=client)
    assert len(await adapter.fetch([nid(i) for i in range(1, 60)])) == 50
    await adapter.close()
    assert not client.is_closed
    await client.aclose()


async def test_slow_source_times_out_through_the_registry(
    registry: Registry, agency_api: str
) -> None:
    source = await registry.register(
        source_id="amoozesh-slow",
        agency="amoozesh",
        record_type="schoolEnrollment",
        kind="http",
        connection={"base_url": agency_api},
        mapping={**STUDENTS_MAPPING, "endpoint": "/api/v1/slow:batch"},
        timeout=0.2,
    )
    with pytest.raises(SourceError, match=r"'amoozesh-slow': did not answer within 0\.2s"):
        await registry.fetch(source, [nid(1)])
    assert source.calls == 1
