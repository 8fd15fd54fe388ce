"""Everything that records reads depends on the `AuditSink` protocol, not on `AuditWriter`: a
second, real sink (JSON lines appended to a file and fsynced) takes a GraphQL request's records
and a system read's, and the writer's store sees none of them."""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from audit.entry import AuditEntry
from auth.core.system_checks import CitizenCheck
from demo.world import age
from resolvers.system_reads import CivilDeathCheck
from store.audit_models import AuditRecord
from tests.harness import RunningGateway

QUERY = """query($id: String!) { citizen(nationalId: $id) {
  identity { firstName } taxStatus { cleared } } }"""
STATUTE = "Civil Registration Act, article 1"


class JsonLinesSink:
    """An access log of one JSON object per line in a file: durable before record() returns."""

    def __init__(self, path: Path) -> None:
        self.path = path

    async def record(self, entries: Sequence[AuditEntry]) -> None:
        text = "".join(json.dumps(entry.row(), default=str) + "\n" for entry in entries)
        await asyncio.to_thread(self._append, text)

    def _append(self, text: str) -> None:
        with self.path.open("a", encoding="utf-8") as file:
            file.write(text)
            file.flush()
            os.fsync(file.fileno())

    def lines(self) -> list[dict[str, Any]]:
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text("utf-8").splitlines()]


@pytest.fixture
async def file_sink(gateway: RunningGateway, tmp_path: Path) -> AsyncIterator[JsonLinesSink]:
    """The gateway's requests recorded in a file instead of its store, for one test."""
    sink = JsonLinesSink(tmp_path / "access-log.jsonl")
    real = gateway.gateway.audit_sink
    gateway.gateway.audit_sink = sink
    try:
        yield sink
    finally:
        gateway.gateway.audit_sink = real


async def _stored(gateway: RunningGateway, request_id: str) -> int:
    async with gateway.gateway.sessions() as session:
        count = await session.scalar(
            select(func.count()).where(AuditRecord.request_id == request_id)
        )
    return int(count or 0)


async def test_a_request_records_into_any_sink(
    gateway: RunningGateway, file_sink: JsonLinesSink
) -> None:
    subject = gateway.citizens["minor_child"]
    response = await gateway.post(QUERY, {"id": subject}, case_reference="CASE-SINK-1")
    assert response.status_code == 200, response.text
    assert response.json()["data"]["citizen"]["identity"]["firstName"]
    request_id = response.headers["Darvazeh-Request-Id"]
    mine = [line for line in file_sink.lines() if line["request_id"] == request_id]
    by_agency = {line["source_agency"]: line for line in mine}
    assert set(by_agency) == {"civil-registry", "tax"}
    civil = by_agency["civil-registry"]
    assert civil["subject"] == subject and civil["outcome"] == "GRANTED"
    assert civil["datasets"] == ["civil.identity"] and civil["case_reference"] == "CASE-SINK-1"
    assert civil["legal_basis"] == "statute" and civil["actor_kind"] == "service"
    assert await _stored(gateway, request_id) == 0  # the writer was not used


async def test_a_failing_sink_withholds_the_answer(gateway: RunningGateway, tmp_path: Path) -> None:
    """A sink that cannot write (its directory is gone) fails the request, whatever the sink."""
    sink = JsonLinesSink(tmp_path / "missing" / "access-log.jsonl")
    real = gateway.gateway.audit_sink
    gateway.gateway.audit_sink = sink
    try:
        response = await gateway.post(QUERY, {"id": gateway.citizens["parent"]})
    finally:
        gateway.gateway.audit_sink = real
    assert response.status_code == 503
    assert response.json()["data"] is None
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["AUDIT_UNAVAILABLE"]


async def test_a_system_read_records_into_any_sink(gateway: RunningGateway, tmp_path: Path) -> None:
    sink = JsonLinesSink(tmp_path / "system.jsonl")
    running = gateway.gateway
    deaths = CivilDeathCheck(running.registry, running.sessions, sink, statute=STATUTE)
    taken = set(gateway.citizens.values())
    living = next(
        person.national_id
        for person in gateway.world.people[200:]
        if person.death_date is None
        and person.national_id not in taken
        and 30 <= age(person.birth_date) <= 60
    )
    assert await deaths.deceased([living], CitizenCheck.LOGIN) == frozenset()
    (line,) = sink.lines()
    assert line["subject"] == living and line["outcome"] == "GRANTED"
    assert (line["actor_kind"], line["legal_basis"]) == ("system", "system")
    assert (line["statute"], line["case_reference"]) == (STATUTE, CitizenCheck.LOGIN.value)
    assert line["datasets"] == ["civil.identity"] and line["source_agency"] == "civil-registry"
    assert await _stored(gateway, line["request_id"]) == 0
