"""The circuit breaker's state machine and the rolling call stats, on a clock the test moves."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from datasources.base import SourceError
from datasources.health import (
    CircuitOpenError,
    HealthPolicy,
    ProbeResult,
    SourceMonitor,
    SourceMonitors,
    SourceStats,
    percentile,
    probe_through,
)
from standard.statuses import BreakerState


class Clock:
    """Monotonic seconds that move only when the test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock() -> Clock:
    return Clock()


def monitor_with(clock: Clock, **policy: float) -> SourceMonitor:
    return SourceMonitor("edu", HealthPolicy(clock=clock, **policy))  # type: ignore[arg-type]


def succeed(monitor: SourceMonitor, clock: Clock, latency: float = 0.01) -> None:
    with monitor.watch():
        clock.advance(latency)


def fail(monitor: SourceMonitor, clock: Clock, reason: str = "connection refused") -> None:
    with pytest.raises(SourceError), monitor.watch():
        clock.advance(0.002)
        raise SourceError("edu", reason)


def test_opens_after_consecutive_failures_and_refuses_calls(clock: Clock) -> None:
    monitor = monitor_with(clock, failures=3, cooldown=30)
    fail(monitor, clock)
    fail(monitor, clock)
    succeed(monitor, clock)  # a success starts the count again
    fail(monitor, clock)
    fail(monitor, clock)
    assert monitor.breaker.state == BreakerState.CLOSED
    fail(monitor, clock, "POST /students failed: All connection attempts failed")
    assert monitor.breaker.state == BreakerState.OPEN

    before = datetime.now(UTC)
    with pytest.raises(CircuitOpenError) as refused, monitor.watch():
        pytest.fail("an open circuit must not let the call through")
    message = str(refused.value)
    assert "circuit open" in message and "3 consecutive failures" in message
    assert "All connection attempts failed" in message and "next trial call after" in message
    retry_at = refused.value.retry_at
    assert before + timedelta(seconds=29) < retry_at < before + timedelta(seconds=31)
    assert retry_at.isoformat(timespec="seconds") in message
    assert isinstance(refused.value, SourceError)  # callers treat it as any source failure
    # Refused calls never reached the source: they are not counted as its calls.
    assert monitor.stats.counts() == (6, 5)


def test_half_open_lets_one_trial_through_and_its_success_closes(clock: Clock) -> None:
    monitor = monitor_with(clock, failures=2, cooldown=30)
    fail(monitor, clock)
    fail(monitor, clock)
    clock.advance(29.9)
    assert monitor.breaker.state == BreakerState.OPEN
    with pytest.raises(CircuitOpenError):
        monitor.breaker.admit()
    clock.advance(0.2)
    assert monitor.breaker.state == BreakerState.HALF_OPEN

    # The trial call is under way; a second call meanwhile is refused.
    with monitor.watch(), pytest.raises(CircuitOpenError, match="trial call is under way"):
        monitor.breaker.admit()
    assert monitor.breaker.state == BreakerState.CLOSED
    succeed(monitor, clock)


def test_a_failed_trial_opens_the_circuit_for_another_cooldown(clock: Clock) -> None:
    monitor = monitor_with(clock, failures=2, cooldown=10)
    fail(monitor, clock)
    fail(monitor, clock)
    clock.advance(10)
    fail(monitor, clock, "still refused")
    assert monitor.breaker.state == BreakerState.OPEN
    with pytest.raises(CircuitOpenError, match="trial call failed: still refused"):
        monitor.breaker.admit()
    clock.advance(9.9)
    assert monitor.breaker.state == BreakerState.OPEN
    clock.advance(0.1)
    succeed(monitor, clock)
    assert monitor.breaker.state == BreakerState.CLOSED


def test_opens_when_half_the_recent_calls_fail(clock: Clock) -> None:
    monitor = monitor_with(clock, failures=5, error_rate=0.5, min_calls=10)
    for _ in range(4):
        succeed(monitor, clock)
        fail(monitor, clock)
    assert monitor.breaker.state == BreakerState.CLOSED  # 4 of 8: too few calls to judge
    succeed(monitor, clock)
    fail(monitor, clock)
    assert monitor.breaker.state == BreakerState.OPEN  # 5 of 10, never two in a row
    with pytest.raises(CircuitOpenError, match="5 of 10 recent calls failed"):
        monitor.breaker.admit()


def test_failures_before_recovery_do_not_reopen_it(clock: Clock) -> None:
    monitor = monitor_with(clock, failures=3, min_calls=4, cooldown=5)
    for _ in range(3):
        fail(monitor, clock)
    clock.advance(5)
    succeed(monitor, clock)  # the trial: closed again
    fail(monitor, clock)
    # The window still holds 4 failures of 5 calls, but only calls since closing count.
    assert monitor.breaker.state == BreakerState.CLOSED


def test_error_rate_looks_only_at_the_window(clock: Clock) -> None:
    monitor = monitor_with(clock, failures=100, min_calls=4, window=60)
    for _ in range(3):
        fail(monitor, clock)
    clock.advance(61)
    for _ in range(3):
        succeed(monitor, clock)
    fail(monitor, clock)
    assert monitor.breaker.state == BreakerState.CLOSED  # 1 of 4 in the window


async def test_a_cancelled_trial_leaves_the_trial_to_the_next_call(clock: Clock) -> None:
    monitor = monitor_with(clock, failures=1, cooldown=1)
    fail(monitor, clock)
    clock.advance(1)

    async def trial() -> None:
        with monitor.watch():
            await asyncio.sleep(10)

    task = asyncio.create_task(trial())
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert monitor.breaker.state == BreakerState.HALF_OPEN
    assert monitor.stats.counts() == (1, 1)  # the cancelled call is nobody's fault
    succeed(monitor, clock)
    assert monitor.breaker.state == BreakerState.CLOSED


def test_unexpected_errors_are_failures_named_by_type(clock: Clock) -> None:
    monitor = monitor_with(clock, failures=1)
    with pytest.raises(ConnectionResetError), monitor.watch():
        raise ConnectionResetError("peer reset")
    assert monitor.breaker.state == BreakerState.OPEN
    assert monitor.stats.snapshot().last_error == "ConnectionResetError"


def test_outcomes_of_calls_let_through_before_opening_are_ignored(clock: Clock) -> None:
    monitor = monitor_with(clock, failures=1, cooldown=10)
    early = monitor.breaker.admit()  # in flight while the circuit opens
    fail(monitor, clock)
    monitor.breaker.succeeded(early)
    assert monitor.breaker.state == BreakerState.OPEN
    clock.advance(10)
    monitor.breaker.failed("late", early)
    assert monitor.breaker.state == BreakerState.HALF_OPEN


async def test_a_probe_is_a_call_through_the_breaker(clock: Clock) -> None:
    monitor = monitor_with(clock, failures=2, cooldown=30)
    probed: list[str] = []

    async def probe(ok: bool) -> ProbeResult:
        probed.append("called")
        return ProbeResult("edu", ok, None if ok else "refused", 3, datetime.now(UTC))

    assert (await probe_through(monitor.breaker, probe(False))) is not None
    assert (await probe_through(monitor.breaker, probe(False))) is not None
    assert monitor.breaker.state == BreakerState.OPEN  # failing probes open it too
    assert await probe_through(monitor.breaker, probe(True)) is None  # cooling down: not called
    assert probed == ["called", "called"]
    clock.advance(30)
    result = await probe_through(monitor.breaker, probe(True))
    assert result is not None and result.ok
    assert monitor.breaker.state == BreakerState.CLOSED
    assert monitor.stats.counts() == (0, 0)  # probes are not the source's passive stats


def test_stats_percentiles_error_rate_and_last_outcomes(clock: Clock) -> None:
    stats = SourceStats(window=60, clock=clock)
    assert stats.snapshot().error_rate is None and stats.snapshot().latency_p50_ms is None
    for latency in range(100, 0, -1):  # 100 .. 1 ms, in no particular order
        stats.record(latency % 10 != 0, float(latency), None if latency % 10 else f"e{latency}")
    snapshot = stats.snapshot()
    assert snapshot.calls == 100 and snapshot.errors == 10
    assert snapshot.error_rate == pytest.approx(0.1)
    assert snapshot.latency_p50_ms == 50 and snapshot.latency_p95_ms == 95
    assert snapshot.last_error == "e10"  # the latest failure
    assert snapshot.last_success_at is not None and snapshot.last_failure_at is not None


def test_stats_forget_calls_older_than_the_window(clock: Clock) -> None:
    stats = SourceStats(window=60, clock=clock)
    stats.record(False, 900.0, "slow")
    clock.advance(30)
    stats.record(True, 10.0)
    clock.advance(31)
    snapshot = stats.snapshot()
    assert (snapshot.calls, snapshot.errors, snapshot.latency_p95_ms) == (1, 0, 10.0)
    assert snapshot.last_error == "slow"  # the last failure is remembered beyond the window
    clock.advance(60)
    assert stats.snapshot().calls == 0 and stats.snapshot().error_rate is None


def test_stats_keep_a_bounded_number_of_calls(clock: Clock) -> None:
    stats = SourceStats(window=60, max_samples=50, clock=clock)
    for _ in range(500):
        stats.record(True, 1.0)
    assert stats.snapshot().calls == 50


def test_percentile_is_nearest_rank() -> None:
    assert percentile([], 0.5) is None
    assert percentile([7.0], 0.95) == 7.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.0
    assert percentile([1.0, 2.0, 3.0, 4.0], 0.95) == 4.0


def test_each_source_object_gets_its_own_monitor(clock: Clock) -> None:
    class Live:  # stands in for a registry Source: any object that can be weakly referenced
        pass

    monitors = SourceMonitors(HealthPolicy(clock=clock))
    first, replacement = Live(), Live()
    assert monitors.of(first, "edu") is monitors.of(first, "edu")
    assert monitors.of(replacement, "edu") is not monitors.of(first, "edu")
