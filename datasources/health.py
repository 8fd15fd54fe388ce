"""One worker's view of each data source's health: rolling call stats and a circuit breaker.

Nothing here calls a source. The registry wraps each real call (a request's fetch, the scheduled
probe) in `SourceMonitor.watch` or asks the breaker before probing; this module counts outcomes
and decides whether the next call may go out at all.
"""

from __future__ import annotations

import logging
import math
import time
import weakref
from collections import deque
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from datasources.base import Fault, SourceError
from observability import metrics, tracing
from standard.statuses import BreakerState

logger = logging.getLogger(__name__)

Clock = Callable[[], float]  # monotonic seconds


@dataclass(frozen=True, slots=True)
class HealthPolicy:
    failures: int = 5  # consecutive failures that open the circuit
    cooldown: float = 30.0  # seconds the circuit stays open before one trial call
    error_rate: float = 0.5  # ... or this share of failed calls in the window
    min_calls: int = 10  # ... once the window holds at least this many calls
    window: float = 60.0  # seconds of calls that the stats and the error rate cover
    max_samples: int = 1000  # bounds the window's memory under heavy traffic
    # Seconds between a worker's writes of its view to the store (datasources.health_store).
    flush_interval: float = 5.0
    clock: Clock = field(default=time.monotonic, compare=False)


@dataclass(frozen=True, slots=True)
class StatsSnapshot:
    calls: int
    errors: int
    error_rate: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    last_success_at: datetime | None
    last_failure_at: datetime | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class HealthReport:
    """What a worker flushes to the store for one source."""

    source_id: str
    breaker: BreakerState
    stats: StatsSnapshot


@dataclass(frozen=True, slots=True)
class ProbeResult:
    source_id: str
    ok: bool
    error: str | None
    latency_ms: int
    probed_at: datetime

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "error": self.error,
            "latency_ms": self.latency_ms,
            "probed_at": self.probed_at.isoformat(),
        }


def percentile(ordered: list[float], share: float) -> float | None:
    """Nearest-rank percentile of an ascending list; None when empty."""
    if not ordered:
        return None
    rank = max(1, math.ceil(share * len(ordered)))
    return ordered[rank - 1]


class SourceStats:
    """Calls to one source over the last `window` seconds (at most `max_samples` of them)."""

    def __init__(
        self, window: float = 60.0, max_samples: int = 1000, clock: Clock = time.monotonic
    ) -> None:
        self._window = window
        self._clock = clock
        self._samples: deque[tuple[float, bool, float]] = deque(maxlen=max_samples)
        self.last_success_at: datetime | None = None
        self.last_failure_at: datetime | None = None
        self.last_error: str | None = None
        # Since the last `drain` (the day's figures, datasources.health_days): calls, errors, and
        # the newest `last_updated` of the records the source handed back.
        self._unflushed = (0, 0)
        self.newest_record: datetime | None = None

    def record(self, ok: bool, latency_ms: float, error: str | None = None) -> None:
        self._samples.append((self._clock(), ok, latency_ms))
        calls, errors = self._unflushed
        self._unflushed = (calls + 1, errors + (not ok))
        if ok:
            self.last_success_at = datetime.now(UTC)
        else:
            self.last_failure_at = datetime.now(UTC)
            self.last_error = error

    def saw_record(self, last_updated: datetime) -> None:
        if self.newest_record is None or last_updated > self.newest_record:
            self.newest_record = last_updated

    def drain(self) -> tuple[int, int, datetime | None]:
        """(calls, errors, newest record) since the last drain, and start counting afresh."""
        (calls, errors), newest = self._unflushed, self.newest_record
        self._unflushed, self.newest_record = (0, 0), None
        return calls, errors, newest

    def _recent(self) -> deque[tuple[float, bool, float]]:
        horizon = self._clock() - self._window
        while self._samples and self._samples[0][0] < horizon:
            self._samples.popleft()
        return self._samples

    def counts(self, since: float = -math.inf) -> tuple[int, int]:
        """(calls, errors) in the window, counting only calls made at or after `since`."""
        outcomes = [ok for at, ok, _ in self._recent() if at >= since]
        return len(outcomes), outcomes.count(False)

    def snapshot(self) -> StatsSnapshot:
        samples = self._recent()
        latencies = sorted(latency for _, _, latency in samples)
        calls = len(samples)
        errors = sum(1 for _, ok, _ in samples if not ok)
        return StatsSnapshot(
            calls=calls,
            errors=errors,
            error_rate=errors / calls if calls else None,
            latency_p50_ms=percentile(latencies, 0.50),
            latency_p95_ms=percentile(latencies, 0.95),
            last_success_at=self.last_success_at,
            last_failure_at=self.last_failure_at,
            last_error=self.last_error,
        )


class CircuitOpenError(SourceError):
    """The breaker refused the call: the source is not called until `retry_at`."""

    def __init__(self, source: str, message: str, retry_at: datetime, when: str) -> None:
        self.retry_at = retry_at
        self.when = when  # "next trial call after ..." or "a trial call is under way"
        super().__init__(source, message, Fault.CIRCUIT_OPEN)

    @property
    def public(self) -> str:
        # Why it opened (the failures' details) stays in the log.
        return f"{super().public}; {self.when}"


class CircuitBreaker:
    """closed -> open after `failures` consecutive failures, or when failures reach `error_rate`
    of at least `min_calls` calls in the window; open -> half-open after `cooldown`, when one
    trial call goes through; its success closes the circuit, its failure opens it again."""

    def __init__(self, source_id: str, stats: SourceStats, policy: HealthPolicy) -> None:
        self._source_id = source_id
        self._stats = stats
        self._policy = policy
        self._clock = policy.clock
        self._open = False
        self._opened_at = 0.0
        # The error rate counts only calls made since the circuit last closed: the failures
        # that opened it must not open it again on the first failure after recovery.
        self._closed_at = self._clock()
        self._consecutive = 0
        self._trial = False  # a half-open trial call is in flight
        self._reason = ""

    @property
    def state(self) -> BreakerState:
        if not self._open:
            return BreakerState.CLOSED
        return BreakerState.HALF_OPEN if self._cooled_down() else BreakerState.OPEN

    def _cooled_down(self) -> bool:
        return self._clock() - self._opened_at >= self._policy.cooldown

    def admit(self) -> bool:
        """Let a call through or raise CircuitOpenError; True when the call is the trial."""
        if not self._open:
            return False
        if self._cooled_down() and not self._trial:
            self._trial = True
            metrics.set_breaker_state(self._source_id, BreakerState.HALF_OPEN)
            return True
        remaining = max(0.0, self._opened_at + self._policy.cooldown - self._clock())
        retry_at = datetime.now(UTC) + timedelta(seconds=remaining)
        when = retry_at.isoformat(timespec="seconds")
        if remaining > 0:
            next_call = f"next trial call after {when}"
        else:
            next_call = "a trial call is under way"
        message = f"circuit open ({self._reason}); {next_call}"
        raise CircuitOpenError(self._source_id, message, retry_at, next_call)

    def succeeded(self, trial: bool) -> None:
        if trial:
            self._trial = False
            self._close()
        elif not self._open:
            self._consecutive = 0
        # A call let through before the circuit opened says nothing about the source now.

    def failed(self, reason: str, trial: bool) -> None:
        if trial:
            self._trial = False
            self._trip(f"trial call failed: {reason}")
            return
        if self._open:
            return
        self._consecutive += 1
        if self._consecutive >= self._policy.failures:
            self._trip(f"{self._consecutive} consecutive failures, last: {reason}")
            return
        calls, errors = self._stats.counts(since=self._closed_at)
        if calls >= self._policy.min_calls and errors / calls >= self._policy.error_rate:
            self._trip(f"{errors} of {calls} recent calls failed, last: {reason}")

    def release(self, trial: bool) -> None:
        """A call ended with no verdict (cancelled): a trial slot goes to the next call."""
        if trial:
            self._trial = False

    def _trip(self, reason: str) -> None:
        if not self._open:
            logger.warning("data source %s: circuit opened: %s", self._source_id, reason)
        metrics.set_breaker_state(self._source_id, BreakerState.OPEN)
        self._open = True
        self._opened_at = self._clock()
        self._reason = reason

    def _close(self) -> None:
        if self._open:
            logger.info("data source %s: circuit closed, the source answers again", self._source_id)
        metrics.set_breaker_state(self._source_id, BreakerState.CLOSED)
        self._open = False
        self._consecutive = 0
        self._closed_at = self._clock()


class SourceMonitor:
    """The stats and breaker of one live source in this worker, and what operators see of its
    calls (metrics and a span per call)."""

    def __init__(
        self, source_id: str, policy: HealthPolicy, *, record_type: str = "", kind: str = ""
    ) -> None:
        self.source_id = source_id
        self.stats = SourceStats(policy.window, policy.max_samples, policy.clock)
        self.breaker = CircuitBreaker(source_id, self.stats, policy)
        self._span_attributes: dict[str, str | int] = {
            "darvazeh.source.id": source_id,
            "darvazeh.source.record_type": record_type,
            "darvazeh.source.kind": kind,
        }
        metrics.set_breaker_state(source_id, BreakerState.CLOSED)

    @contextmanager
    def watch(self, batch_size: int | None = None) -> Iterator[None]:
        """Around one call (for `batch_size` citizens): refuses it while the circuit is open,
        records how it went.

        SourceErrors (timeouts are turned into one) and unexpected adapter errors are failures;
        a citizen's RecordError is a returned value, so it never gets here.
        """
        with tracing.span("source.fetch", self._span_attributes) as span:
            if span is not None and batch_size is not None:
                span.set_attribute("darvazeh.source.batch_size", batch_size)
            try:
                trial = self.breaker.admit()
            except CircuitOpenError:
                metrics.record_source_call(self.source_id, "circuit_open", None)
                raise
            started = time.perf_counter()  # latency is real time, whatever the breaker's clock
            try:
                yield
            except SourceError as error:
                # What the agency may see of it is kept for /readyz and its health view; the
                # breaker's reason, for the log, keeps every detail.
                outcome = "timeout" if error.fault is Fault.TIMEOUT else "error"
                self._failed(started, error.for_agency, error.reason, trial, outcome)
                raise
            except Exception as error:
                name = type(error).__name__
                self._failed(started, name, name, trial, "error")
                raise
            except BaseException:  # cancelled: the source was not at fault
                self.breaker.release(trial)
                raise
            seconds = time.perf_counter() - started
            self.stats.record(True, seconds * 1000)
            metrics.record_source_call(self.source_id, "ok", seconds)
            self.breaker.succeeded(trial)

    def _failed(self, started: float, shown: str, reason: str, trial: bool, outcome: str) -> None:
        seconds = time.perf_counter() - started
        self.stats.record(False, seconds * 1000, shown)
        metrics.record_source_call(self.source_id, outcome, seconds)
        self.breaker.failed(reason, trial)

    def report(self) -> HealthReport:
        state = self.breaker.state
        # Open turns half-open by the clock alone: the gauge catches up on every flush.
        metrics.set_breaker_state(self.source_id, state)
        return HealthReport(self.source_id, state, self.stats.snapshot())


class SourceMonitors:
    """A monitor per live source object: a re-registered source is a new object, so it starts
    with fresh health, and a retired one's monitor goes with it."""

    def __init__(self, policy: HealthPolicy) -> None:
        self._policy = policy
        self._by_source: weakref.WeakKeyDictionary[object, SourceMonitor] = (
            weakref.WeakKeyDictionary()
        )

    def of(
        self, source: object, source_id: str, record_type: str = "", kind: str = ""
    ) -> SourceMonitor:
        monitor = self._by_source.get(source)
        if monitor is None:
            monitor = self._by_source[source] = SourceMonitor(
                source_id, self._policy, record_type=record_type, kind=kind
            )
        return monitor


async def probe_through(
    breaker: CircuitBreaker, probe: Coroutine[Any, Any, ProbeResult]
) -> ProbeResult | None:
    """Run a scheduled probe as a call through the breaker: not at all while the circuit is
    open and cooling down (None), as its trial call past the cool-down."""
    try:
        trial = breaker.admit()
    except CircuitOpenError:
        probe.close()  # never awaited: no source call is made
        return None
    try:
        result = await probe
    except BaseException:
        breaker.release(trial)
        raise
    if result.ok:
        breaker.succeeded(trial)
    else:
        breaker.failed(result.error or "probe failed", trial)
    return result
