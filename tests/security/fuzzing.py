"""The fuzzing harness: one gateway per module, driven in-process, and the pass criteria.

Every request the fuzz tests send goes through `FuzzGateway.send`, and every answer through
`FuzzLedger.check`, which holds it to what the issue asks of every answer: no 5xx, no traceback,
every error coded (`extensions.code` on each, one of `ErrorCode`). A problem nobody has claimed
fails the Hypothesis example at once, so Hypothesis shrinks it and prints the minimal input with the
whole exchange. A problem that matches a `KnownFault` (another helper's area, being fixed on its own
branch) is recorded instead, and `FuzzLedger.finish` raises `KnownFaults` listing each with the
smallest request that showed it: the tests mark exactly that exception `xfail(strict=False)`, so
any other failure still fails them.

`DARVAZEH_FUZZ_SCALE` multiplies every example count (e.g. 10 for a long local run).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import re
import tempfile
import threading
import time
import traceback
from collections import Counter
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from hypothesis import HealthCheck, Phase, settings
from starlette.types import ASGIApp, Receive, Scope, Send

from resolvers.errors import ErrorCode
from tests.harness import BASE_URL, CASE, RunningGateway, running_gateway

T = TypeVar("T")

SCALE = float(os.environ.get("DARVAZEH_FUZZ_SCALE", "1") or "1")
REQUEST_TIMEOUT = 30.0
# What the issue forbids in any answer: a Python traceback, or a frame of one.
TRACEBACK = re.compile(r'Traceback \(most recent call last\)|File "[^"\n]+", line \d+')
CODES = frozenset(code.value for code in ErrorCode)
GRAPHQL_PATH = "/graphql"
SHOWN = 3000  # characters of a request or answer body shown in a report
TOKEN_REUSE_SECONDS = 60.0  # access tokens live 300 s by default


def examples(count: int) -> int:
    return max(1, round(count * SCALE))


def fuzz_settings(count: int) -> settings:
    """Reproducible in CI: a fixed seed, no example database, no deadline (a shared 2-core CI
    machine is slow now and then); shrinking stays on, so a failure is reported minimal."""
    return settings(
        max_examples=examples(count),
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate, Phase.shrink],
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )


# -- the gateway, on an event loop of its own -------------------------------------------------


class CrashRecorder:
    """Keeps the server-side traceback of a request that crashed, for the report (the client
    only ever sees Starlette's plain 500)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.crashes: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except Exception:
            self.crashes.append(traceback.format_exc())
            raise


@dataclass(frozen=True)
class Exchange:
    """One request and its answer, as a report shows them."""

    label: str
    method: str
    path: str
    headers: Mapping[str, str]
    body: bytes
    status: int  # 0: no answer within REQUEST_TIMEOUT
    content_type: str
    text: str
    crash: str | None = None

    @property
    def size(self) -> int:
        return len(self.body) + len(self.path)

    def json(self) -> Any:
        try:
            return json.loads(self.text)
        except ValueError:
            return None

    def describe(self) -> str:
        headers = {
            name: (value[:60] + "…" if len(value) > 60 else value)
            for name, value in self.headers.items()
        }
        lines = [
            f"{self.label}: {self.method} {self.path[:SHOWN]}",
            f"  request headers: {headers}",
            f"  request body ({len(self.body)} bytes): {_shown(self.body)}",
            f"  answer: {self.status} {self.content_type}",
            f"  answer body ({len(self.text)} chars): {self.text[:SHOWN]!r}",
        ]
        if self.crash:
            lines.append("  server traceback:\n" + self.crash[-SHOWN:])
        return "\n".join(lines)


def _shown(body: bytes) -> str:
    text = repr(body[:SHOWN])
    return text + (" …" if len(body) > SHOWN else "")


class FuzzGateway:
    """A whole gateway (tests.harness.running_gateway) on its own event loop in a thread, so the
    synchronous Hypothesis tests can drive it request by request."""

    def __init__(self, var_dir: Path, **settings_changes: Any) -> None:
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="fuzz-gateway")
        self._thread.daemon = True
        self._thread.start()
        self._stop = asyncio.Event()
        self._ready: asyncio.Future[RunningGateway] = self._loop.create_future()
        self._host = asyncio.run_coroutine_threadsafe(
            self._serve(var_dir, settings_changes), self._loop
        )
        self.running: RunningGateway = asyncio.run_coroutine_threadsafe(
            self._wait_ready(), self._loop
        ).result(timeout=300)
        self.recorder = CrashRecorder(self.running.app)
        self.http = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=self.recorder, raise_app_exceptions=False),
            base_url=BASE_URL,
        )
        self._tokens: dict[str, tuple[str, float]] = {}

    async def _serve(self, var_dir: Path, settings_changes: dict[str, Any]) -> None:
        # One task enters and leaves the gateway's context, as its lifespan expects.
        try:
            async with running_gateway(var_dir, **settings_changes) as running:
                self._ready.set_result(running)
                await self._stop.wait()
        except BaseException as error:
            if not self._ready.done():
                self._ready.set_exception(error)
            raise

    async def _wait_ready(self) -> RunningGateway:
        return await self._ready

    def run(self, coroutine: Coroutine[Any, Any, T], timeout: float = 120.0) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.run(self.http.aclose())
        self._loop.call_soon_threadsafe(self._stop.set)
        try:
            self._host.result(timeout=60)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=10)
            self._loop.close()

    @property
    def national_ids(self) -> list[str]:
        return [person.national_id for person in self.running.world.people]

    def token(self, role: str = "statutory_all_datasets") -> str:
        """An access token of one of the demo clients, fetched anew well before it expires (a
        long fuzz run outlives one)."""
        token, fetched = self._tokens.get(role, ("", -math.inf))
        if time.monotonic() - fetched > TOKEN_REUSE_SECONDS:
            token = self.run(self._fetch_token(role))
            self._tokens[role] = (token, time.monotonic())
        return token

    async def _fetch_token(self, role: str) -> str:
        client = self.running.clients[role]
        response = await self.http.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client["client_id"], client["client_secret"]),
        )
        response.raise_for_status()
        token: str = response.json()["access_token"]
        return token

    def source_calls(self) -> dict[str, int]:
        return self.running.source_calls()

    def send(
        self,
        label: str,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str] | None = None,
        content: bytes = b"",
        params: Mapping[str, str] | None = None,
    ) -> Exchange:
        return self.run(self._send(label, method, path, dict(headers or {}), content, params))

    async def _send(
        self,
        label: str,
        method: str,
        path: str,
        headers: dict[str, str],
        content: bytes,
        params: Mapping[str, str] | None,
    ) -> Exchange:
        crashes = len(self.recorder.crashes)
        # As bytes: a header value may hold what an attacker sends, UTF-8 or control characters.
        raw_headers = {name: value.encode("utf-8") for name, value in headers.items()}
        try:
            response = await asyncio.wait_for(
                self.http.request(
                    method, path, headers=raw_headers, content=content, params=params
                ),
                REQUEST_TIMEOUT,
            )
        except TimeoutError:
            return Exchange(label, method, path, headers, content, 0, "", "")
        crash = "\n".join(self.recorder.crashes[crashes:]) or None
        return Exchange(
            label,
            method,
            str(response.request.url.raw_path.decode("ascii", "replace")),
            headers,
            content,
            response.status_code,
            response.headers.get("content-type", ""),
            response.text,
            crash,
        )

    def graphql(
        self,
        label: str,
        document: str,
        variables: Mapping[str, Any] | None = None,
        *,
        token: str | None = None,
        scheme: str = "Bearer",
        case_reference: str | None = CASE,
        extra_headers: Mapping[str, str] | None = None,
    ) -> Exchange:
        """A well-formed GraphQL-over-HTTP POST of `document`."""
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"{scheme} {token}"
        if case_reference is not None:
            headers["Darvazeh-Case-Reference"] = case_reference
        headers |= dict(extra_headers or {})
        body: dict[str, Any] = {"query": document}
        if variables is not None:
            body["variables"] = dict(variables)
        return self.send(label, "POST", GRAPHQL_PATH, headers=headers, content=_json(body))


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")


@contextlib.contextmanager
def fuzz_gateway(**settings_changes: Any) -> Any:
    """A FuzzGateway in a fresh directory, closed after the block."""
    with tempfile.TemporaryDirectory(prefix="darvazeh-fuzz-") as var_dir:
        gateway = FuzzGateway(Path(var_dir), **settings_changes)
        try:
            yield gateway
        finally:
            gateway.close()


# -- the pass criteria --------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    kind: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.detail}"


SERVER_ERROR = "SERVER_ERROR"
NO_ANSWER = "NO_ANSWER"
TRACEBACK_SHOWN = "TRACEBACK_SHOWN"
NOT_A_GRAPHQL_RESPONSE = "NOT_A_GRAPHQL_RESPONSE"
UNCODED_ERROR = "UNCODED_ERROR"
UNKNOWN_CODE = "UNKNOWN_CODE"
WRONG_ANSWER = "WRONG_ANSWER"  # a test's own oracle (e.g. a malformed token that was accepted)


def problems(exchange: Exchange) -> list[Problem]:
    """What is wrong with an answer by the issue's criteria (empty: nothing)."""
    found: list[Problem] = []
    if exchange.status == 0:
        return [Problem(NO_ANSWER, f"no answer within {REQUEST_TIMEOUT:g}s")]
    if exchange.status >= 500:
        found.append(Problem(SERVER_ERROR, f"HTTP {exchange.status}"))
    if match := TRACEBACK.search(exchange.text):
        found.append(Problem(TRACEBACK_SHOWN, match.group(0)))
    if exchange.path.split("?")[0] == GRAPHQL_PATH and exchange.status < 500:
        found += graphql_problems(exchange)
    return found


def graphql_problems(exchange: Exchange) -> list[Problem]:
    """GraphQL over HTTP: a JSON object with `data` and/or `errors`; each error coded."""
    body = exchange.json()
    if not isinstance(body, dict) or not ({"data", "errors"} & body.keys()):
        return [
            Problem(
                NOT_A_GRAPHQL_RESPONSE,
                f"HTTP {exchange.status} {exchange.content_type}: {exchange.text[:200]!r}",
            )
        ]
    errors = body.get("errors")
    if errors is None:
        if exchange.status >= 400:
            return [Problem(NOT_A_GRAPHQL_RESPONSE, f"HTTP {exchange.status} without errors")]
        return []
    if not isinstance(errors, list) or not errors:
        return [Problem(NOT_A_GRAPHQL_RESPONSE, f"errors is {errors!r}")]
    found = []
    for error in errors:
        extensions = error.get("extensions") if isinstance(error, dict) else None
        code = extensions.get("code") if isinstance(extensions, dict) else None
        message = error.get("message") if isinstance(error, dict) else error
        if not isinstance(code, str) or not code:
            found.append(Problem(UNCODED_ERROR, f"{str(message)[:200]!r}"))
        elif code not in CODES:
            found.append(Problem(UNKNOWN_CODE, f"{code!r}: {str(message)[:200]!r}"))
    return found


def error_codes(exchange: Exchange) -> list[str]:
    body = exchange.json()
    errors = body.get("errors") if isinstance(body, dict) else None
    if not isinstance(errors, list):
        return []
    return [
        str((error.get("extensions") or {}).get("code"))
        for error in errors
        if isinstance(error, dict) and isinstance(error.get("extensions"), dict)
    ]


@dataclass(frozen=True)
class KnownFault:
    """A fault in another helper's area: which answers show it, and whose fix removes it."""

    name: str
    owner: str
    matches: Callable[[Exchange, Problem], bool]

    def __str__(self) -> str:
        return f"{self.name} (owner: {self.owner})"


class KnownFaults(Exception):
    """Only claimed faults were seen; the tests mark this exception, and only this, as xfail."""


@dataclass
class _Seen:
    fault: KnownFault
    count: int = 0
    smallest: Exchange | None = None
    problem: Problem | None = None


@dataclass
class FuzzLedger:
    known: Sequence[KnownFault] = ()
    sent: int = 0
    seen: dict[str, _Seen] = field(default_factory=dict)
    statuses: Counter[int] = field(default_factory=Counter)

    def check(self, exchange: Exchange, extra: Sequence[Problem] = ()) -> None:
        """Fail on any problem no known fault claims; record the claimed ones."""
        self.sent += 1
        self.statuses[exchange.status] += 1
        unclaimed = []
        for problem in [*problems(exchange), *extra]:
            fault = next((f for f in self.known if f.matches(exchange, problem)), None)
            if fault is None:
                unclaimed.append(problem)
                continue
            seen = self.seen.setdefault(fault.name, _Seen(fault))
            seen.count += 1
            if seen.smallest is None or exchange.size < seen.smallest.size:
                seen.smallest, seen.problem = exchange, problem
        if unclaimed:
            listed = "\n".join(f"  - {problem}" for problem in unclaimed)
            raise AssertionError(f"{len(unclaimed)} problem(s):\n{listed}\n{exchange.describe()}")

    def finish(self, minimum: int, *, turned_away: float = 1.0) -> None:
        """After the run: enough requests went out, at most the `turned_away` share of them were
        stopped at the door (401, 429: a fuzz run that only meets an expired token or a rate
        limit tests nothing), and no known fault showed (else raise KnownFaults naming each,
        with the smallest request that showed it)."""
        assert self.sent >= minimum, f"only {self.sent} requests sent, expected {minimum}"
        door = self.statuses[401] + self.statuses[429]
        assert door <= turned_away * self.sent, (
            f"{door} of {self.sent} requests were turned away (401/429): {dict(self.statuses)}; "
            "the fuzz gateway's token or rate limits need a look"
        )
        if not self.seen:
            return
        parts = [f"{len(self.seen)} known fault(s) in {self.sent} requests:"]
        for seen in self.seen.values():
            assert seen.smallest is not None
            parts.append(
                f"* {seen.fault}: {seen.count} answers; smallest: {seen.problem}\n"
                + seen.smallest.describe()
            )
        raise KnownFaults("\n".join(parts))
