"""The case reference a statutory read names (`Darvazeh-Case-Reference`) is checked against the
configured pattern and length before anything is read: a bad one is refused with
INVALID_CASE_REFERENCE, calls no source and leaves no audit record (today a 201-character value
failed inside the audit entry, after the sources had been read)."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from auth.resource.case_reference import CaseReferencePolicy, InvalidCaseReference
from settings import get_settings
from store.audit_models import AuditRecord
from tests.harness import RunningGateway

QUERY = """query($id: String!) { citizen(nationalId: $id) { identity { firstName } } }"""


async def audit_rows(gateway: RunningGateway, request_id: str) -> int:
    async with gateway.gateway.sessions() as session:
        count = await session.scalar(
            select(func.count())
            .select_from(AuditRecord)
            .where(AuditRecord.request_id == request_id)
        )
    return int(count or 0)


@pytest.mark.parametrize(
    "reference",
    [
        "x" * 201,  # longer than the access log keeps
        "A" * 65,  # longer than the default maximum (64)
        "CASE 42",
        "<script>alert(1)</script>",
        "../../etc/passwd",
        "-starts-with-a-dash",
        "پرونده-۴۲".encode(),  # UTF-8 bytes in the header
        "CASE-42;DROP",
    ],
)
async def test_a_bad_case_reference_is_refused_before_any_read(
    gateway: RunningGateway, reference: str | bytes
) -> None:
    before = gateway.source_calls()
    token = await gateway.token()
    response = await gateway.http.post(
        "/graphql",
        json={"query": QUERY, "variables": {"id": gateway.citizens["parent"]}},
        headers={"Authorization": f"Bearer {token}", "Darvazeh-Case-Reference": reference},
    )
    answer = response.json()
    assert response.status_code == 400, answer
    assert answer["data"] == {"citizen": None}
    assert [e["extensions"]["code"] for e in answer["errors"]] == ["INVALID_CASE_REFERENCE"]
    assert gateway.source_calls() == before
    assert await audit_rows(gateway, response.headers["Darvazeh-Request-Id"]) == 0


@pytest.mark.parametrize("reference", ["EDU-1405/000123", "TEST-CASE-1", "a", "7.1_b-c/d"])
async def test_a_good_case_reference_is_read_and_recorded(
    gateway: RunningGateway, reference: str
) -> None:
    response = await gateway.post(
        QUERY, {"id": gateway.citizens["parent"]}, case_reference=reference
    )
    answer = response.json()
    assert response.status_code == 200 and "errors" not in answer, answer
    async with gateway.gateway.sessions() as session:
        found = set(
            await session.scalars(
                select(AuditRecord.case_reference).where(
                    AuditRecord.request_id == response.headers["Darvazeh-Request-Id"]
                )
            )
        )
    assert found == {reference}


async def test_a_portal_request_with_a_bad_reference_is_refused_too(
    gateway: RunningGateway,
) -> None:
    # Whoever sends it: the header is refused, not ignored.
    response = await gateway.post(
        "{ me { nationalId } }", role="statutory", case_reference="bad reference"
    )
    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID_CASE_REFERENCE"


def test_the_policy_checks_the_length_before_the_pattern() -> None:
    policy = CaseReferencePolicy(r"^(a+)+$", 64)  # a pattern that backtracks badly
    with pytest.raises(InvalidCaseReference, match="longer than 64"):
        policy.check("a" * 10_000 + "b")
    assert policy.check("  aaa  ") == "aaa"
    assert policy.check("   ") is None and policy.check(None) is None


def test_the_format_is_a_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GATEWAY_CASE_REFERENCE_PATTERN", r"^EDU-[0-9]{4}/[0-9]{6}$")
    monkeypatch.setenv("GATEWAY_CASE_REFERENCE_MAX_LENGTH", "15")
    settings = get_settings()
    policy = CaseReferencePolicy(
        settings.case_reference_pattern, settings.case_reference_max_length
    )
    assert policy.check("EDU-1405/000123") == "EDU-1405/000123"
    with pytest.raises(InvalidCaseReference):
        policy.check("TAX-1405/000123")
    monkeypatch.setenv("GATEWAY_CASE_REFERENCE_MAX_LENGTH", "201")
    with pytest.raises(ValueError, match="1 to 200"):
        get_settings()
    monkeypatch.setenv("GATEWAY_CASE_REFERENCE_MAX_LENGTH", "64")
    monkeypatch.setenv("GATEWAY_CASE_REFERENCE_PATTERN", "([")
    with pytest.raises(ValueError, match="not a regex"):
        get_settings()
