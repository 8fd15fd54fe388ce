"""The fuzzing harness: one whole gateway per module, driven in-process from the synchronous
Hypothesis tests, and every exchange recorded for the report (request, answer, and the server's
own traceback when it crashed). What an answer must be is in `fuzz_verdicts`.

`DARVAZEH_FUZZ_SCALE` multiplies every example count (e.g. 10 for a long local run).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import tempfile
import threading
import time
import traceback
from collections.abc import Coroutine, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import httpx
from hypothesis import HealthCheck, Phase, settings
from starlette.types import ASGIApp, Receive, Scope, Send

from tests.harness import BASE_URL, CASE, RunningGateway, running_gateway

T = TypeVar("T")

SCALE = float(os.environ.get("DARVAZEH_FUZZ_SCALE", "1") or "1")
REQUEST_TIMEOUT = 30.0
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
        raw_headers = {name.encode(): value.encode("utf-8") for name, value in headers.items()}
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
def fuzz_gateway(**settings_changes: Any) -> Iterator[FuzzGateway]:
    """A FuzzGateway in a fresh directory, closed after the block."""
    with tempfile.TemporaryDirectory(prefix="darvazeh-fuzz-") as var_dir:
        gateway = FuzzGateway(Path(var_dir), **settings_changes)
        try:
            yield gateway
        finally:
            gateway.close()
