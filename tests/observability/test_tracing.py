"""Traces of real requests, read from an in-memory exporter: the request span, the access
decision span and one span per source call, with the right parents, and no citizen's data."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode

from observability import tracing
from tests.harness import RunningGateway
from tests.observability.support import ALL_RECORDS
from tests.observability.test_metrics import SOURCES


@pytest.fixture
def exported(gateway: RunningGateway) -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracing.configure(exporter, batch=False)
    tracing.instrument_engine(gateway.gateway.engine)
    try:
        yield exporter
    finally:
        tracing.configure(None)


def _one(spans: list[ReadableSpan], name: str) -> ReadableSpan:
    found = [span for span in spans if span.name == name]
    assert len(found) == 1, [span.name for span in spans]
    return found[0]


def _parent_id(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent is not None else None


async def test_a_query_makes_a_request_span_a_decision_span_and_a_span_per_source_call(
    gateway: RunningGateway, exported: InMemorySpanExporter
) -> None:
    citizen = gateway.citizens["minor_child"]
    await gateway.token()
    exported.clear()
    response = await gateway.post(ALL_RECORDS, {"id": citizen})
    assert "errors" not in response.json()
    spans = list(exported.get_finished_spans())

    request = _one(spans, "POST /graphql")
    assert request.kind is SpanKind.SERVER
    assert request.parent is None
    assert request.attributes is not None
    assert request.attributes["http.route"] == "/graphql"
    assert request.attributes["http.response.status_code"] == 200
    assert request.attributes["darvazeh.operation"] == "AllRecords"
    assert request.attributes["darvazeh.request_id"] == response.headers["Darvazeh-Request-Id"]
    request_id = request.context.span_id

    decision = _one(spans, "access.decide")
    assert _parent_id(decision) == request_id
    assert decision.attributes == {
        "darvazeh.access.citizens": 1,
        "darvazeh.access.records": 7,
        "darvazeh.access.refused": 0,
    }

    calls = [span for span in spans if span.name == "source.fetch"]
    assert sorted(str((span.attributes or {})["darvazeh.source.id"]) for span in calls) == sorted(
        SOURCES
    )
    for call in calls:
        assert _parent_id(call) == request_id
        assert call.context.trace_id == request.context.trace_id
        attributes = call.attributes or {}
        assert attributes["darvazeh.source.batch_size"] == 1
        assert attributes["darvazeh.source.record_type"]
        assert attributes["darvazeh.source.kind"] in {"sql", "http", "graphql"}
        assert call.status.status_code is not StatusCode.ERROR

    # Nothing in any span names the citizen.
    for span in spans:
        assert citizen not in repr(dict(span.attributes or {})), span.name
        assert citizen not in span.name


async def test_store_statements_are_spans_of_their_request(
    gateway: RunningGateway, exported: InMemorySpanExporter
) -> None:
    assert (await gateway.http.get("/readyz")).status_code == 200
    spans = list(exported.get_finished_spans())
    request = _one(spans, "GET /readyz")
    # Its SELECT 1 and the read of the workers' source health (background work such as the
    # registry's reload makes traces of its own).
    statements = [
        span
        for span in spans
        if span.kind is SpanKind.CLIENT and span.context.trace_id == request.context.trace_id
    ]
    assert len(statements) >= 2, [(span.name, span.kind) for span in spans]
    assert all(_parent_id(span) == request.context.span_id for span in statements)
    assert all((span.attributes or {}).get("db.system") for span in statements)


async def test_a_nested_record_has_its_own_decision_span(
    gateway: RunningGateway, exported: InMemorySpanExporter
) -> None:
    # A nested citizen (a parent's record through a birth record) takes the per-record path.
    query = """query Nested($id: String!) { citizen(nationalId: $id) {
      birth { father { identity { firstName } } } } }"""
    child = gateway.citizens["minor_child"]
    await gateway.token()
    exported.clear()
    answer = await gateway.query(query, {"id": child})
    assert "errors" not in answer, answer
    spans = list(exported.get_finished_spans())
    request = _one(spans, "POST /graphql")
    decisions = [span for span in spans if span.name == "access.decide"]
    assert len(decisions) == 2  # the root field's batch, then the father's record
    assert all(_parent_id(span) == request.context.span_id for span in decisions)


async def test_with_tracing_off_no_span_is_built(
    gateway: RunningGateway, exported: InMemorySpanExporter
) -> None:
    tracing.configure(None)
    assert not tracing.enabled()
    assert tracing.span("a") is tracing.span("b")  # one shared do-nothing context manager
    with tracing.span("a") as span:
        assert span is None
    await gateway.post(ALL_RECORDS, {"id": gateway.citizens["parent"]})
    assert list(exported.get_finished_spans()) == []
