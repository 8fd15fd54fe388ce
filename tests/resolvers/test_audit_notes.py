"""Every access decision leaves a record, committed before the answer leaves."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from audit.entry import AuditEntry
from store.audit_models import AuditRecord
from tests.harness import RunningGateway

QUERY = """query($id: String!) { citizen(nationalId: $id) {
  identity { firstName } birth { date fatherNationalId } taxStatus { cleared } } }"""


async def records_of(gateway: RunningGateway, request_id: str) -> list[AuditRecord]:
    async with gateway.gateway.sessions() as session:
        rows = await session.scalars(
            select(AuditRecord).where(AuditRecord.request_id == request_id).order_by(AuditRecord.id)
        )
        return list(rows)


async def test_a_statutory_read_is_recorded_per_agency(gateway: RunningGateway) -> None:
    subject = gateway.citizens["minor_child"]
    response = await gateway.post(QUERY, {"id": subject}, case_reference="CASE-42")
    request_id = response.headers["Darvazeh-Request-Id"]
    rows = await records_of(gateway, request_id)
    by_agency = {row.source_agency: row for row in rows}
    assert set(by_agency) == {"civil-registry", "tax"}
    civil = by_agency["civil-registry"]
    assert civil.outcome == "GRANTED" and civil.subject == subject
    assert civil.datasets == ["civil.identity", "civil.birth", "civil.family"]
    assert civil.fields == ["birth.date", "birth.fatherNationalId", "identity.firstName"]
    assert civil.client_id == "subsidy-eligibility" and civil.client_agency == "welfare"
    assert civil.actor_kind == "service" and civil.actor == "subsidy-eligibility"
    assert civil.legal_basis == "statute" and civil.statute == "Targeted Subsidies Act, article 7"
    assert civil.case_reference == "CASE-42" and civil.purpose == "subsidy-eligibility"
    assert by_agency["tax"].datasets == ["tax.status"]
    assert by_agency["tax"].fields == ["taxStatus.cleared"]
    assert civil.token_id and civil.hash and civil.prev_hash


async def test_denials_are_recorded_with_their_reason(gateway: RunningGateway) -> None:
    subject = gateway.citizens["parent"]
    response = await gateway.post(QUERY, {"id": subject}, role="statutory")  # newborn insurance
    rows = await records_of(gateway, response.headers["Darvazeh-Request-Id"])
    outcomes = {dataset: (row.outcome, row.reason) for row in rows for dataset in row.datasets}
    assert outcomes["civil.identity"][0] == "DENIED"
    assert "FORBIDDEN" in outcomes["civil.identity"][1]
    assert outcomes["civil.birth"] == ("GRANTED", None)
    assert outcomes["civil.family"] == ("GRANTED", None)
    # A read refused for want of a case reference is on the record too.
    response = await gateway.post(QUERY, {"id": subject}, case_reference=None)
    rows = await records_of(gateway, response.headers["Darvazeh-Request-Id"])
    assert rows and all(row.outcome == "DENIED" for row in rows)
    assert all("Darvazeh-Case-Reference" in row.reason for row in rows)


async def test_a_hundred_citizens_are_recorded_in_one_go(gateway: RunningGateway) -> None:
    ids = [p.national_id for p in gateway.world.people[:100]]
    query = "query($ids: [String!]!) { citizens(nationalIds: $ids) { identity { lastName } } }"
    response = await gateway.post(query, {"ids": ids})
    rows = await records_of(gateway, response.headers["Darvazeh-Request-Id"])
    assert sorted(row.subject for row in rows) == sorted(ids)
    assert all(row.datasets == ["civil.identity"] for row in rows)


class FailingSink:
    """The edge under test: an access log that cannot be written."""

    async def record(self, entries: Sequence[AuditEntry]) -> None:
        raise OSError("disk full")


async def test_no_answer_leaves_without_its_records(gateway: RunningGateway) -> None:
    real = gateway.gateway.audit_sink
    gateway.gateway.audit_sink = FailingSink()
    try:
        response = await gateway.post(QUERY, {"id": gateway.citizens["parent"]})
    finally:
        gateway.gateway.audit_sink = real
    assert response.status_code == 503
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "AUDIT_UNAVAILABLE"


async def test_a_source_failure_is_recorded_after_the_grant(gateway: RunningGateway) -> None:
    from tests.harness import serve
    from tests.resolvers.test_access_rules import (
        _education_like,
        register_education,
        replaced_education,
        spare,
    )

    child = gateway.citizens["minor_child"]
    async with replaced_education(gateway):
        async with serve(_education_like(0), spare(gateway)) as url:  # registered, then gone
            await register_education(gateway, "education-enrollment-test", url)
        response = await gateway.post(
            "query($id: String!) { citizen(nationalId: $id) { schoolEnrollment { grade } } }",
            {"id": child},
        )
    rows = await records_of(gateway, response.headers["Darvazeh-Request-Id"])
    # The decision is recorded before the agency is called; its failure after.
    assert [(row.outcome, row.source_agency, row.datasets) for row in rows] == [
        ("GRANTED", "education", ["education.enrollment"]),
        ("SOURCE_ERROR", "education", ["education.enrollment"]),
    ]
    assert "education-enrollment-test" in rows[1].reason
