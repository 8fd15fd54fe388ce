"""Every access decision leaves a record, committed before the answer leaves."""

from __future__ import annotations

from sqlalchemy import select

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


async def test_a_statutory_read_is_recorded_per_dataset(gateway: RunningGateway) -> None:
    subject = gateway.citizens["minor_child"]
    response = await gateway.post(QUERY, {"id": subject}, case_reference="CASE-42")
    request_id = response.headers["Darvazeh-Request-Id"]
    rows = await records_of(gateway, request_id)
    by_dataset = {row.datasets[0]: row for row in rows}
    assert set(by_dataset) == {"civil.identity", "civil.birth", "civil.family", "tax.status"}
    birth = by_dataset["civil.birth"]
    assert birth.outcome == "GRANTED" and birth.subject == subject
    assert birth.fields == ["birth.date"]
    assert by_dataset["civil.family"].fields == ["birth.fatherNationalId"]
    assert birth.client_id == "subsidy-eligibility" and birth.client_agency == "welfare"
    assert birth.actor_kind == "service" and birth.actor == "subsidy-eligibility"
    assert birth.legal_basis == "statute" and birth.statute == "Targeted Subsidies Act, article 7"
    assert birth.case_reference == "CASE-42" and birth.purpose == "subsidy-eligibility"
    assert birth.source_agency == "civil-registry"
    assert by_dataset["tax.status"].source_agency == "tax"
    assert birth.token_id and birth.hash and birth.prev_hash


async def test_denials_are_recorded_with_their_reason(gateway: RunningGateway) -> None:
    subject = gateway.citizens["parent"]
    response = await gateway.post(QUERY, {"id": subject}, role="statutory")  # newborn insurance
    rows = await records_of(gateway, response.headers["Darvazeh-Request-Id"])
    outcomes = {row.datasets[0]: (row.outcome, row.reason) for row in rows}
    assert outcomes["civil.identity"][0] == "DENIED"
    assert "FORBIDDEN" in outcomes["civil.identity"][1]
    assert outcomes["civil.birth"] == ("GRANTED", None)
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
    assert {row.datasets[0] for row in rows} == {"civil.identity"}


class FailingWriter:
    """The edge under test: an access log that cannot be written."""

    async def record(self, entries: object) -> None:
        raise OSError("disk full")


async def test_no_answer_leaves_without_its_records(gateway: RunningGateway) -> None:
    real = gateway.gateway.audit_writer
    gateway.gateway.audit_writer = FailingWriter()  # type: ignore[assignment]
    try:
        response = await gateway.post(QUERY, {"id": gateway.citizens["parent"]})
    finally:
        gateway.gateway.audit_writer = real
    assert response.status_code == 503
    body = response.json()
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "AUDIT_UNAVAILABLE"
