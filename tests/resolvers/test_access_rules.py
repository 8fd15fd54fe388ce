"""Deny by default: tokens, scopes, case references, malformed codes, failing sources."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from demo import mappings
from tests.harness import RunningGateway, serve

IDENTITY_AND_BIRTH = """query($id: String!) { citizen(nationalId: $id) {
  identity { firstName } birth { date fatherNationalId father { nationalId } }
  insurance { status } } }"""


def codes(answer: dict) -> dict[tuple, str]:
    return {tuple(e["path"]): e["extensions"]["code"] for e in answer.get("errors", [])}


async def test_fields_outside_the_token_are_forbidden_the_rest_resolve(
    gateway: RunningGateway,
) -> None:
    # Newborn insurance reads birth, family and coverage; not identity.
    answer = await gateway.query(
        IDENTITY_AND_BIRTH, {"id": gateway.citizens["minor_child"]}, role="statutory"
    )
    citizen = answer["data"]["citizen"]
    assert citizen["identity"] is None
    assert codes(answer) == {("citizen", "identity"): "FORBIDDEN"}
    assert citizen["birth"]["date"] is not None
    assert citizen["birth"]["father"]["nationalId"] == citizen["birth"]["fatherNationalId"]
    assert citizen["insurance"] is not None


async def test_a_denied_record_reaches_no_source(gateway: RunningGateway) -> None:
    before = gateway.source_calls()
    await gateway.query(
        "query($id: String!) { citizen(nationalId: $id) { identity { firstName } } }",
        {"id": gateway.citizens["parent"]},
        role="statutory",
    )
    assert gateway.source_calls() == before


async def test_statutory_reads_need_a_case_reference(gateway: RunningGateway) -> None:
    answer = await gateway.query(
        IDENTITY_AND_BIRTH, {"id": gateway.citizens["parent"]}, case_reference=None
    )
    assert set(codes(answer).values()) == {"FORBIDDEN"}
    assert "Darvazeh-Case-Reference" in answer["errors"][0]["message"]


async def test_without_a_token_nothing_comes_back(gateway: RunningGateway) -> None:
    before = gateway.source_calls()
    response = await gateway.post(IDENTITY_AND_BIRTH, {"id": gateway.citizens["parent"]}, role=None)
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    body = response.json()
    assert body["data"] == {"citizen": None}
    assert codes(body) == {("citizen",): "UNAUTHENTICATED"}
    assert gateway.source_calls() == before


async def test_a_bad_token_is_refused_with_its_reason(gateway: RunningGateway) -> None:
    token = await gateway.token()
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    for bad in (tampered, "not-a-jwt"):
        response = await gateway.post(IDENTITY_AND_BIRTH, {"id": "0000000000"}, token=bad)
        assert response.status_code == 401
        assert 'error="invalid_token"' in response.headers["www-authenticate"]
        assert codes(response.json()) == {("citizen",): "UNAUTHENTICATED"}


async def test_a_malformed_national_code_reaches_no_source(gateway: RunningGateway) -> None:
    before = gateway.source_calls()
    for bad in ("123", "1234567890", "1111111111", "12345678ab"):
        answer = await gateway.query(IDENTITY_AND_BIRTH, {"id": bad})
        assert answer["data"]["citizen"] is None
        assert codes(answer) == {("citizen",): "INVALID_NATIONAL_ID"}
    assert gateway.source_calls() == before


async def test_one_malformed_code_in_a_list_nulls_only_its_entry(gateway: RunningGateway) -> None:
    good = gateway.citizens["parent"]
    answer = await gateway.query(
        "query($ids: [String!]!) {"
        " citizens(nationalIds: $ids) { nationalId identity { lastName } } }",
        {"ids": [good, "0012345678", good]},
    )
    citizens = answer["data"]["citizens"]
    assert citizens[0]["nationalId"] == good and citizens[2]["nationalId"] == good
    assert citizens[1] is None
    assert codes(answer) == {("citizens", 1): "INVALID_NATIONAL_ID"}


async def test_more_than_a_hundred_citizens_is_refused(gateway: RunningGateway) -> None:
    ids = [p.national_id for p in gateway.world.people[:101]]
    answer = await gateway.query(
        "query($ids: [String!]!) { citizens(nationalIds: $ids) { nationalId } }", {"ids": ids}
    )
    assert answer["data"]["citizens"] is None
    assert codes(answer) == {("citizens",): "BAD_USER_INPUT"}


async def test_me_needs_a_citizen_token(gateway: RunningGateway) -> None:
    answer = await gateway.query("{ me { nationalId } }")
    assert codes(answer) == {("me",): "FORBIDDEN"}


def _education_like(delay: float) -> Starlette:
    """An education API that answers its probe (an empty batch) at once and real batches late."""

    async def batch(request: Request) -> JSONResponse:
        if (await request.json())["codes"]:
            await asyncio.sleep(delay)
        return JSONResponse({"students": []})

    return Starlette(routes=[Route("/api/v1/students:batch", batch, methods=["POST"])])


async def register_education(gateway: RunningGateway, source_id: str, base_url: str, **kw) -> None:
    """Register an education source in place of the one serving now (`replaces` says so)."""
    await gateway.gateway.registry.register(
        source_id=source_id,
        agency="education",
        record_type="schoolEnrollment",
        kind="http",
        connection={"base_url": base_url},
        mapping=mappings.EDUCATION,
        replaces=gateway.serving("schoolEnrollment", source_id),
        **kw,
    )


def spare(gateway: RunningGateway) -> int:
    """The loopback port the education agency's sources may reach besides its real service."""
    return gateway.spare_ports["education"]


@contextlib.asynccontextmanager
async def replaced_education(gateway: RunningGateway) -> AsyncIterator[None]:
    """Let a test swap the education source; the real one is back afterwards."""
    try:
        yield
    finally:
        await register_education(gateway, "education-enrollment", gateway.urls.education)


ALL = """query($id: String!) { citizen(nationalId: $id) {
  identity { firstName } schoolEnrollment { grade } taxStatus { provenance { status } } } }"""


async def test_a_source_that_went_down_nulls_only_its_fields(gateway: RunningGateway) -> None:
    async with replaced_education(gateway):
        # Registration probes the source, so it is registered while up, then goes down.
        async with serve(_education_like(0), spare(gateway)) as url:
            await register_education(gateway, "education-enrollment-test", url)
        answer = await gateway.query(ALL, {"id": gateway.citizens["minor_child"]})
    citizen = answer["data"]["citizen"]
    assert citizen["schoolEnrollment"] is None
    assert codes(answer) == {("citizen", "schoolEnrollment"): "SOURCE_UNAVAILABLE"}
    assert citizen["identity"]["firstName"]
    assert citizen["taxStatus"]["provenance"]["status"] in {"AVAILABLE", "NO_RECORD"}


async def test_a_slow_source_times_out_and_the_rest_arrives(gateway: RunningGateway) -> None:
    async with replaced_education(gateway), serve(_education_like(1.5), spare(gateway)) as url:
        await register_education(gateway, "education-enrollment-test", url, timeout=0.3)
        started = asyncio.get_running_loop().time()
        answer = await gateway.query(ALL, {"id": gateway.citizens["minor_child"]})
        elapsed = asyncio.get_running_loop().time() - started
    assert elapsed < 2.0
    assert codes(answer) == {("citizen", "schoolEnrollment"): "SOURCE_UNAVAILABLE"}
    # The kind of fault, not the agency's address or its path.
    message = answer["errors"][0]["message"]
    assert message == "data source 'education-enrollment-test' did not answer in time"
    assert answer["data"]["citizen"]["identity"]["firstName"]
