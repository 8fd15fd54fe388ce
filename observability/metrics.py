"""The gateway's Prometheus instruments, and one small function per thing worth counting.

`configure` runs once per worker, before the first request: it points prometheus_client's
multiprocess mode at the shared directory and builds the instruments there, so a scrape of any
worker (`render`) adds up every live and past worker of this server run. Before `configure`
(command-line tools, unit tests) the instruments count in memory and nothing exposes them.

Callers never touch an instrument: they call the `record_*` functions, which bound every label
value first (see observability.labels). Names and labels are listed in docs/operations.md.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    values,
)
from prometheus_client.multiprocess import MultiProcessCollector

from observability.labels import BoundedLabels
from observability.metrics_dir import claimed

__all__ = [
    "BREAKER_STATES",
    "CONTENT_TYPE_LATEST",
    "OK",
    "configure",
    "operation_label",
    "record_audit_commit",
    "record_audit_failure",
    "record_http_request",
    "record_operation",
    "record_rate_limited",
    "record_source_call",
    "record_token_request",
    "render",
    "set_breaker_state",
]

OK = "OK"
BREAKER_STATES = {"closed": 0.0, "half_open": 1.0, "open": 2.0}
SOURCE_OUTCOMES = ("ok", "error", "timeout", "circuit_open")
# Seconds. Requests and source calls: 5 ms to 10 s; an audit commit's wait: 1 ms to 2.5 s.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
AUDIT_LAG_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
AUDIT_BATCH_BUCKETS = (1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000)
# Label combinations whose children are remembered (labels() costs a lock and a tuple per call);
# past this many, children are looked up each time.
MAX_REMEMBERED = 10_000

Pair = tuple[Counter, Histogram]


class Instruments:
    """Every metric of one configuration, in a registry of its own (multiprocess scrapes read
    the shared files instead)."""

    def __init__(self) -> None:
        registry = self.registry = CollectorRegistry(auto_describe=False)
        self.http_requests = Counter(
            "darvazeh_http_requests",
            "HTTP requests by route template and status code.",
            ["route", "status"],
            registry=registry,
        )
        self.http_duration = Histogram(
            "darvazeh_http_request_duration_seconds",
            "Time from a request's arrival to the end of its response, by route template.",
            ["route"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.operations = Counter(
            "darvazeh_graphql_operations",
            "GraphQL requests by operation name and outcome code (OK or an error code).",
            ["operation", "outcome"],
            registry=registry,
        )
        self.operation_duration = Histogram(
            "darvazeh_graphql_operation_duration_seconds",
            "Time to answer a GraphQL request, by operation name.",
            ["operation"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.source_calls = Counter(
            "darvazeh_source_calls",
            "Calls to agency data sources by source id and outcome "
            "(ok, error, timeout, circuit_open).",
            ["source", "outcome"],
            registry=registry,
        )
        self.source_duration = Histogram(
            "darvazeh_source_call_duration_seconds",
            "Time a data source took to answer one batch call, by source id.",
            ["source"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.breaker_state = Gauge(
            "darvazeh_source_breaker_state",
            "A source's circuit breaker: 0 closed, 1 half-open, 2 open (worst live worker).",
            ["source"],
            multiprocess_mode="livemax",
            registry=registry,
        )
        self.audit_lag = Histogram(
            "darvazeh_audit_commit_lag_seconds",
            "From a request handing its access-log records to the writer until they commit.",
            buckets=AUDIT_LAG_BUCKETS,
            registry=registry,
        )
        self.audit_batch = Histogram(
            "darvazeh_audit_commit_batch_size",
            "Access-log records committed in one transaction.",
            buckets=AUDIT_BATCH_BUCKETS,
            registry=registry,
        )
        self.audit_failures = Counter(
            "darvazeh_audit_commit_failures",
            "Access-log transactions that failed (their requests answered AUDIT_UNAVAILABLE).",
            registry=registry,
        )
        self.rate_limited = Counter(
            "darvazeh_rate_limited",
            "Requests refused by a rate limit, by the limit that refused them.",
            ["limit"],
            registry=registry,
        )
        self.token_requests = Counter(
            "darvazeh_token_requests",
            "Token endpoint requests by grant type and outcome (issued or the OAuth error).",
            ["grant_type", "outcome"],
            registry=registry,
        )
        self.worker_started = Gauge(
            "darvazeh_worker_start_time_seconds",
            "Unix time each live worker started (one series per worker pid).",
            multiprocess_mode="liveall",
            registry=registry,
        )


@dataclass(slots=True)
class _State:
    instruments: Instruments
    directory: Path | None
    operations: BoundedLabels
    outcomes: BoundedLabels
    routes: BoundedLabels
    sources: BoundedLabels
    limits: BoundedLabels
    grant_types: BoundedLabels
    token_outcomes: BoundedLabels
    http_children: dict[tuple[str, int], Pair] = field(default_factory=dict)
    operation_children: dict[tuple[str, str], Pair] = field(default_factory=dict)
    source_children: dict[tuple[str, str], Pair] = field(default_factory=dict)


def _state_for(
    directory: Path | None,
    *,
    operations: Iterable[str] = (),
    max_operations: int = 50,
    outcomes: Iterable[str] = (),
    routes: Iterable[str] = (),
    grant_types: Iterable[str] = (),
    token_outcomes: Iterable[str] = (),
) -> _State:
    return _State(
        instruments=Instruments(),
        directory=directory,
        operations=BoundedLabels(operations, max_operations),
        outcomes=BoundedLabels([OK, *outcomes]),
        routes=BoundedLabels(routes, 64),
        # Source ids are bounded by registration already; the cap is a second fence.
        sources=BoundedLabels((), 1000),
        limits=BoundedLabels((), 32),
        grant_types=BoundedLabels(grant_types, 8),
        token_outcomes=BoundedLabels(token_outcomes, 0),
    )


_state = _state_for(None)


def configure(
    directory: Path | None,
    *,
    operations: Iterable[str] = (),
    max_operations: int = 50,
    outcomes: Iterable[str] = (),
    routes: Iterable[str] = (),
    grant_types: Iterable[str] = (),
    token_outcomes: Iterable[str] = (),
) -> None:
    """Count into `directory`, shared with the other workers of this host (None: in memory).

    `operations` always get a series of their own; up to `max_operations` other validated
    operation names get one first come, first served; every other name is `other`. `outcomes`,
    `routes`, `grant_types` and `token_outcomes` are the only values those labels take.
    """
    global _state
    if directory is None:
        values.ValueClass = values.MutexValue
        state = _state_for(None)
    else:
        directory = directory.resolve()
        with claimed(directory):
            # prometheus_client's multiprocess values find their directory in this variable
            # when they open their files; the library offers no other way to say it.
            os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(directory)
            values.ValueClass = values.MultiProcessValue()  # type: ignore[no-untyped-call]  # untyped upstream
            state = _state_for(
                directory,
                operations=operations,
                max_operations=max_operations,
                outcomes=outcomes,
                routes=routes,
                grant_types=grant_types,
                token_outcomes=token_outcomes,
            )
            # Creates this worker's file while the lock is held: a worker starting next sees
            # this one alive and leaves the directory as it is.
            state.instruments.worker_started.set(time.time())
    _state = state


def render() -> tuple[bytes, str]:
    """The exposition of every worker's samples (blocking file reads: call it in a thread)."""
    state = _state
    if state.directory is None:
        return generate_latest(state.instruments.registry), CONTENT_TYPE_LATEST
    registry = CollectorRegistry(auto_describe=False)
    MultiProcessCollector(registry, path=str(state.directory))  # type: ignore[no-untyped-call]  # untyped upstream
    return generate_latest(registry), CONTENT_TYPE_LATEST


def operation_label(name: str | None) -> str:
    """The label a validated operation's name is counted under."""
    return _state.operations(name) if name else "anonymous"


def _remember(children: dict[tuple[str, int], Pair] | dict[tuple[str, str], Pair]) -> bool:
    return len(children) < MAX_REMEMBERED


def record_http_request(route: str, status: int, seconds: float) -> None:
    state = _state
    key = (route, status)
    pair = state.http_children.get(key)
    if pair is None:
        label = state.routes(route)
        instruments = state.instruments
        pair = (
            instruments.http_requests.labels(label, str(status)),
            instruments.http_duration.labels(label),
        )
        if _remember(state.http_children):
            state.http_children[key] = pair
    pair[0].inc()
    pair[1].observe(seconds)


def record_operation(operation: str, outcome: str, seconds: float) -> None:
    """`operation` must come from `operation_label` (or be a fixed word such as `unknown`)."""
    state = _state
    key = (operation, outcome)
    pair = state.operation_children.get(key)
    if pair is None:
        instruments = state.instruments
        pair = (
            instruments.operations.labels(operation, state.outcomes(outcome)),
            instruments.operation_duration.labels(operation),
        )
        if _remember(state.operation_children):
            state.operation_children[key] = pair
    pair[0].inc()
    pair[1].observe(seconds)


def record_source_call(source: str, outcome: str, seconds: float | None) -> None:
    """One call to a source (`outcome` one of SOURCE_OUTCOMES); `seconds` is None when no call
    went out (circuit open)."""
    state = _state
    key = (source, outcome)
    pair = state.source_children.get(key)
    if pair is None:
        label = state.sources(source)
        instruments = state.instruments
        pair = (
            instruments.source_calls.labels(label, outcome),
            instruments.source_duration.labels(label),
        )
        if _remember(state.source_children):
            state.source_children[key] = pair
    pair[0].inc()
    if seconds is not None:
        pair[1].observe(seconds)


def set_breaker_state(source: str, breaker: str) -> None:
    state = _state
    state.instruments.breaker_state.labels(state.sources(source)).set(BREAKER_STATES[breaker])


def record_audit_commit(records: int, lag_seconds: float) -> None:
    instruments = _state.instruments
    instruments.audit_batch.observe(records)
    instruments.audit_lag.observe(lag_seconds)


def record_audit_failure() -> None:
    _state.instruments.audit_failures.inc()


def record_rate_limited(limit: str) -> None:
    """One request refused by the rate limit named `limit` (a fixed word such as `client`)."""
    state = _state
    state.instruments.rate_limited.labels(state.limits(limit)).inc()


def record_token_request(grant_type: str | None, outcome: str) -> None:
    state = _state
    grant = state.grant_types(grant_type) if grant_type else "none"
    state.instruments.token_requests.labels(grant, state.token_outcomes(outcome)).inc()
