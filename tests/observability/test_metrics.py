"""The metrics a real request leaves, with their names and labels, read back from /metrics."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from datasources.base import Fault, SourceError
from datasources.health import CircuitOpenError, HealthPolicy, SourceMonitor
from observability import metrics
from tests.harness import BASE_URL, RunningGateway
from tests.observability.support import ALL_RECORDS, ONE_CITIZEN, scrape, series, value

SOURCES = {
    "civil-identity",
    "civil-birth",
    "civil-death",
    "civil-address",
    "social-insurance",
    "education-enrollment",
    "tax-status",
}


async def test_a_query_is_counted_by_operation_outcome_route_and_source(
    gateway: RunningGateway, fresh_metrics: Path
) -> None:
    citizen = gateway.citizens["minor_child"]
    await gateway.token()  # the token request is counted before the scrape below
    before = await scrape(gateway.http)
    response = await gateway.post(ALL_RECORDS, {"id": citizen})
    assert response.status_code == 200 and "errors" not in response.json(), response.text
    after = await scrape(gateway.http)

    def grew(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("darvazeh_graphql_operations_total", operation="AllRecords", outcome="OK") == 1
    assert grew("darvazeh_graphql_operation_duration_seconds_count", operation="AllRecords") == 1
    assert grew("darvazeh_http_requests_total", route="/graphql", status="200") == 1
    assert grew("darvazeh_http_request_duration_seconds_count", route="/graphql") == 1
    called = {labels["source"] for labels in series(after, "darvazeh_source_calls_total")}
    assert called >= SOURCES, called
    for source in SOURCES:
        assert grew("darvazeh_source_calls_total", source=source, outcome="ok") == 1, source
        assert grew("darvazeh_source_call_duration_seconds_count", source=source) == 1
        assert value(after, "darvazeh_source_breaker_state", source=source) == 0.0
    # One decision batch: one access-log transaction, with the request's records in it.
    assert grew("darvazeh_audit_commit_batch_size_count") >= 1
    assert grew("darvazeh_audit_commit_batch_size_sum") >= 1
    assert grew("darvazeh_audit_commit_lag_seconds_count") >= 1
    # The response carries the id its log lines carry.
    assert len(response.headers["Darvazeh-Request-Id"]) == 32
    # Bucket boundaries are fixed: a histogram's series do not grow with traffic.
    buckets = [
        labels
        for labels in series(after, "darvazeh_source_call_duration_seconds_bucket")
        if labels["source"] == "tax-status"
    ]
    assert len(buckets) == len(metrics.LATENCY_BUCKETS) + 1


async def test_outcome_codes_name_what_went_wrong(
    gateway: RunningGateway, fresh_metrics: Path
) -> None:
    citizen = gateway.citizens["parent"]
    before = await scrape(gateway.http)
    refused = await gateway.post(ONE_CITIZEN, {"id": citizen}, role=None)
    assert refused.status_code == 401
    invalid = await gateway.post("query Broken { citizen { nope } }")
    assert invalid.json()["errors"]
    unparsable = await gateway.post("query Broken {")
    assert unparsable.json()["errors"]
    no_case = await gateway.post(ONE_CITIZEN, {"id": citizen}, case_reference=None)
    assert no_case.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    after = await scrape(gateway.http)

    def grew(operation: str, outcome: str) -> float:
        labels = {"operation": operation, "outcome": outcome}
        return value(after, "darvazeh_graphql_operations_total", **labels) - value(
            before, "darvazeh_graphql_operations_total", **labels
        )

    assert grew("OneCitizen", "UNAUTHENTICATED") == 1
    assert grew("OneCitizen", "FORBIDDEN") == 1
    # Never validated: the name it claims is no label.
    assert grew("unknown", "GRAPHQL_VALIDATION_FAILED") == 1
    assert grew("unknown", "GRAPHQL_PARSE_FAILED") == 1
    assert grew("Broken", "GRAPHQL_VALIDATION_FAILED") == 0


async def test_token_endpoint_outcomes(gateway: RunningGateway, fresh_metrics: Path) -> None:
    client = gateway.clients["statutory"]
    before = await scrape(gateway.http)
    issued = await gateway.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client["client_id"], client["client_secret"]),
    )
    assert issued.status_code == 200
    wrong = await gateway.http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client["client_id"], "not-the-secret"),
    )
    assert wrong.json()["error"] == "invalid_client"
    made_up = await gateway.http.post(
        "/oauth/token",
        data={"grant_type": "urn:attacker:grant-0001"},
        auth=(client["client_id"], client["client_secret"]),
    )
    assert made_up.json()["error"] == "unsupported_grant_type"
    after = await scrape(gateway.http)

    def grew(grant: str, outcome: str) -> float:
        labels = {"grant_type": grant, "outcome": outcome}
        name = "darvazeh_token_requests_total"
        return value(after, name, **labels) - value(before, name, **labels)

    assert grew("client_credentials", "issued") == 1
    assert grew("client_credentials", "invalid_client") == 1
    # An unknown grant type is counted, but under `other`: the attacker's text is no label.
    assert grew("other", "unsupported_grant_type") == 1
    grants = {labels["grant_type"] for labels in series(after, "darvazeh_token_requests_total")}
    assert grants <= {"client_credentials", "authorization_code", "refresh_token", "other"}


async def test_rate_limit_refusals_are_counted(
    gateway: RunningGateway, fresh_metrics: Path
) -> None:
    before = await scrape(gateway.http)
    metrics.record_rate_limited("client")
    metrics.record_rate_limited("client")
    metrics.record_rate_limited("citizen")
    after = await scrape(gateway.http)
    name = "darvazeh_rate_limited_total"
    assert value(after, name, limit="client") - value(before, name, limit="client") == 2
    assert value(after, name, limit="citizen") - value(before, name, limit="citizen") == 1


async def test_source_failures_timeouts_and_the_open_circuit(
    gateway: RunningGateway, fresh_metrics: Path
) -> None:
    monitor = SourceMonitor("flaky-source", HealthPolicy(failures=2, cooldown=60))
    with pytest.raises(SourceError), monitor.watch(3):
        raise SourceError("flaky-source", "did not answer within 0.1s", Fault.TIMEOUT)
    with pytest.raises(SourceError), monitor.watch(3):
        raise SourceError("flaky-source", "answered HTTP 500")
    with pytest.raises(CircuitOpenError), monitor.watch(3):
        pass  # refused: the body never runs
    samples = await scrape(gateway.http)
    calls = "darvazeh_source_calls_total"
    assert value(samples, calls, source="flaky-source", outcome="timeout") == 1
    assert value(samples, calls, source="flaky-source", outcome="error") == 1
    assert value(samples, calls, source="flaky-source", outcome="circuit_open") == 1
    # The refused call never went out, so it has no latency.
    assert value(samples, "darvazeh_source_call_duration_seconds_count", source="flaky-source") == 2
    assert value(samples, "darvazeh_source_breaker_state", source="flaky-source") == 2.0


async def test_metrics_are_refused_to_an_address_outside_the_allowed_networks(
    gateway: RunningGateway,
) -> None:
    transport = httpx.ASGITransport(app=gateway.app, client=("198.51.100.20", 50000))
    async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as outsider:
        refused = await outsider.get("/metrics")
    assert refused.status_code == 403
    assert (await gateway.http.get("/metrics")).status_code == 200  # from 127.0.0.1
