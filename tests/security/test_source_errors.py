"""A failing source tells clients which source failed and what kind of fault it was, never how
it is reached: no URL, host, port, path, database name or driver message reaches a GraphQL
answer, for any adapter. The details go to the log, once per call.

The civil registry is on the real PostgreSQL server here, so its driver's own words (which name
the server and the database) are there to leak.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from demo import mappings
from tests.conftest import fresh_database
from tests.harness import RunningGateway, running_gateway, serve

DSN = "postgresql://svc:hunter2@10.20.30.40:5432/students"
IDENTITY = "query($id: String!) { citizen(nationalId: $id) { identity { firstName } } }"
SCHOOL = "query($id: String!) { citizen(nationalId: $id) { schoolEnrollment { grade } } }"
INSURANCE = "query($id: String!) { citizen(nationalId: $id) { insurance { status } } }"
HEALTH = """query($id: ID!) { agencyRegistrations { dataSource(id: $id) {
  health { lastError } } } }"""
TEST = "mutation($r: DataSourceInput!) { testDataSource(input: $r) { ok problems } }"


@pytest.fixture(scope="module")
async def gw(
    postgres_url: str, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[RunningGateway]:
    civil = await fresh_database(postgres_url, "darvazeh_errors_civil")
    async with running_gateway(
        Path(tmp_path_factory.mktemp("errors")),
        agency_urls={"civil": civil},
        health_flush_interval=0.1,
    ) as running:
        yield running


def leaks(message: str, *details: str) -> list[str]:
    """The connection details found in a message meant for clients."""
    always = ("127.0.0.1", "localhost", "sqlite", "postgresql", "asyncpg", "Errno", "://", "/api/")
    return [detail for detail in (*always, *details) if detail and detail in message]


def only_error(answer: dict[str, Any]) -> str:
    [error] = answer["errors"]
    assert error["extensions"]["code"] == "SOURCE_UNAVAILABLE", error
    return str(error["message"])


async def last_error(gw: RunningGateway, source_id: str) -> str:
    """The source's last error as its agency's admin sees it, once the workers flushed it."""
    role = {"civil": "agency_admin", "education": "education_admin"}[source_id.split("-")[0]]
    for _ in range(50):
        await gw.gateway.registry.flush_health()
        answer = await gw.query(HEALTH, {"id": source_id}, role=role)
        health = answer["data"]["agencyRegistrations"]["dataSource"]["health"]
        if health and health["lastError"]:
            return str(health["lastError"])
    pytest.fail(f"no last error for {source_id}")


async def test_a_database_that_refuses_connections(
    gw: RunningGateway, caplog: pytest.LogCaptureFixture
) -> None:
    server = make_url(gw.urls.civil)
    database = str(server.database)
    admin = create_async_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS false'))
            await connection.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"),
                {"d": database},
            )
        with caplog.at_level(logging.WARNING, logger="datasources.registry"):
            message = only_error(await gw.query(IDENTITY, {"id": gw.citizens["parent"]}))
    finally:
        async with admin.connect() as connection:
            await connection.execute(text(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS true'))
        await admin.dispose()
    assert message == "data source 'civil-identity' could not be reached"
    assert leaks(message, database, str(server.port)) == []
    assert leaks(await last_error(gw, "civil-identity"), database, str(server.port)) == []
    # The operator still learns everything, from the log.
    assert any(database in record.getMessage() for record in caplog.records)


async def test_an_agency_api_that_is_down_or_failing(gw: RunningGateway) -> None:
    port = gw.spare_ports["education"]

    async def failing(request: Request) -> Response:
        if (await request.json())["codes"]:
            return JSONResponse({"error": f"cannot open {DSN}"}, status_code=500)
        return JSONResponse({"students": []})

    app = Starlette(routes=[Route("/api/v1/students:batch", failing, methods=["POST"])])
    registry = gw.gateway.registry
    child = gw.citizens["minor_child"]
    try:
        async with serve(app, port) as url:
            await registry.register(
                source_id="education-errors",
                agency="education",
                record_type="schoolEnrollment",
                kind="http",
                connection={"base_url": url},
                mapping=mappings.EDUCATION,
                replaces="education-enrollment",
            )
            failed = only_error(await gw.query(SCHOOL, {"id": child}))
        down = only_error(await gw.query(SCHOOL, {"id": child}))
    finally:
        await registry.register(
            source_id="education-enrollment",
            agency="education",
            record_type="schoolEnrollment",
            kind="http",
            connection={"base_url": gw.urls.education},
            mapping=mappings.EDUCATION,
            replaces="education-errors",
        )
    assert failed == "data source 'education-errors' answered with an error"
    assert down == "data source 'education-errors' could not be reached"
    for message in (failed, down):
        assert leaks(message, str(port), DSN, "students:batch") == []


async def test_a_graphql_service_whose_errors_name_its_database(gw: RunningGateway) -> None:
    port = gw.spare_ports["social-security"]

    async def graphql(request: Request) -> Response:
        body = await request.json()
        if body["variables"]["representations"][0]["nationalCode"] == "0000000000":
            return JSONResponse({"data": {"_entities": [None]}})  # the probe
        return JSONResponse({"errors": [{"message": f"connection to {DSN} failed"}]})

    app = Starlette(routes=[Route("/graphql", graphql, methods=["POST"])])
    registry = gw.gateway.registry
    try:
        async with serve(app, port) as url:
            await registry.register(
                source_id="social-errors",
                agency="social-security",
                record_type="insurance",
                kind="graphql",
                connection={"endpoint": f"{url}/graphql"},
                mapping=mappings.SOCIAL_GRAPHQL,
                replaces="social-insurance",
            )
            message = only_error(await gw.query(INSURANCE, {"id": gw.citizens["parent"]}))
    finally:
        await registry.register(
            source_id="social-insurance",
            agency="social-security",
            record_type="insurance",
            kind="sql",
            connection={"url": gw.urls.social},
            mapping=mappings.SOCIAL,
            replaces="social-errors",
        )
    assert message == "data source 'social-errors' answered with an error"
    assert leaks(message, str(port), DSN, "10.20.30.40", "hunter2") == []


async def test_a_registration_refusal_names_no_connection_detail(gw: RunningGateway) -> None:
    """The agency's own dry run: the allowed server is not there; the driver's words (host,
    port, errno) stay in the log."""
    port = gw.spare_ports["civil-registry"]
    registration = {
        "id": "civil-identity-next",
        "recordType": "identity",
        "kind": "sql",
        "connection": {"url": f"postgresql+asyncpg://postgres@127.0.0.1:{port}/civil"},
        "mapping": mappings.CIVIL["identity"],
        "replaces": "civil-identity",
    }
    answer = await gw.query(TEST, {"r": registration}, role="agency_admin")
    result = answer["data"]["testDataSource"]
    assert result == {
        "ok": False,
        "problems": ["data source 'civil-identity-next' could not be reached"],
    }
