"""A whole gateway for tests: a small demo world in real databases, the education service over
real HTTP, the store migrated and seeded, and the app with its lifespan running."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import socket
import sys
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy.engine import make_url
from starlette.applications import Starlette

from datasources.policy import DEFAULT_PORTS, extend_allowlist
from demo.agencies import AGENCY_CODES, agency_file, load_world
from demo.education import create_app as create_education_app
from demo.seed import AgencyUrls, seed_gateway
from demo.world import World, generate, interesting_citizens
from server import Gateway, create_app
from settings import RateLimits, Settings, SourceSettings
from store.migrate import upgrade_async

BASE_URL = "http://127.0.0.1:8000"
# A cached access token is replaced this long before it expires: a test using it stays well inside.
CASE = "TEST-CASE-1"
ROOT = Path(__file__).resolve().parent.parent
# Tests send many requests quickly from one address about the same citizens: limits that never
# refuse them, unless a test passes its own (tests/security/test_rate_limits.py).
GENEROUS = 1_000_000
GENEROUS_LIMITS = RateLimits(
    client=GENEROUS,
    client_ceiling=GENEROUS,
    citizen=GENEROUS,
    subject=GENEROUS,
    anonymous=GENEROUS,
    oauth=GENEROUS,
    oauth_ceiling=GENEROUS,
    oauth_address=GENEROUS,
    login=GENEROUS,
    login_address=GENEROUS,
)


def settings_with(settings: Settings, **changes: Any) -> Settings:
    """`settings` with fields changed by name, whether the field is the settings' own or one of
    their groups' (breaker_cooldown is in settings.sources): group fields' names are unique."""
    groups = {
        item.name: getattr(settings, item.name)
        for item in dataclasses.fields(settings)
        if dataclasses.is_dataclass(getattr(settings, item.name))
    }
    owners = {name: group for group, value in groups.items() for name in _field_names(value)}
    own: dict[str, Any] = {}
    nested: dict[str, dict[str, Any]] = {}
    for name, value in changes.items():
        if name in owners and name not in groups:
            nested.setdefault(owners[name], {})[name] = value
        else:
            own[name] = value
    for group, values in nested.items():
        own[group] = dataclasses.replace(own.get(group, groups[group]), **values)
    return dataclasses.replace(settings, **own)


def _field_names(value: Any) -> list[str]:
    return [item.name for item in dataclasses.fields(value)]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.asynccontextmanager
async def serve(app: Any, port: int | None = None, *, lifespan: str = "on") -> AsyncIterator[str]:
    """Serve an ASGI app over real HTTP on loopback for the duration of the block (lifespan
    "off" for an app whose lifespan already runs, such as a RunningGateway's)."""
    port = port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan=lifespan)
    )
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def wait_for_health(
    url: str, process: asyncio.subprocess.Process, within: float = 30.0
) -> None:
    """Until the server `process` started answers `url`/healthz with 200; fails if it exits."""
    async with httpx.AsyncClient() as client:
        deadline = time.monotonic() + within
        while True:
            if process.returncode is not None:
                raise RuntimeError(f"server exited with {process.returncode}")
            with contextlib.suppress(httpx.TransportError):
                if (await client.get(f"{url}/healthz")).status_code == 200:
                    return
            if time.monotonic() > deadline:
                raise TimeoutError(f"server did not start within {within:g} s")
            await asyncio.sleep(0.1)


@contextlib.asynccontextmanager
async def server_process(var_dir: Path, store_url: str, **environment: str) -> AsyncIterator[str]:
    """`uvicorn server:app` as its own process on a gateway's store (`environment` sets any other
    GATEWAY_* variable); its base URL once /healthz answers."""
    port = free_port()
    env = os.environ | {
        "GATEWAY_DATABASE_URL": store_url,
        "GATEWAY_VAR_DIR": str(var_dir),  # the same sealing key as every other worker
        "GATEWAY_PUBLIC_URL": BASE_URL,  # one issuer and audience for the whole deployment
        **environment,
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "uvicorn", "server:app", "--host", "127.0.0.1",
        "--port", str(port), "--log-level", "warning",
        cwd=ROOT, env=env,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        await wait_for_health(url, process)
        yield url
    finally:
        if process.returncode is None:
            process.terminate()
            try:
                await asyncio.wait_for(process.wait(), 10)
            except TimeoutError:
                process.kill()
                await process.wait()


@dataclass
class RunningGateway:
    app: Starlette
    http: httpx.AsyncClient
    world: World
    clients: dict[str, dict[str, Any]]
    citizens: dict[str, str]
    urls: AgencyUrls
    # A loopback port per agency code that its sources may reach, for services a test starts.
    spare_ports: dict[str, int] = field(default_factory=dict)
    # role -> (token, when to fetch another): a session's gateway outlives its tokens' 300 s.
    _tokens: dict[str, tuple[str, float]] = field(default_factory=dict)

    @property
    def gateway(self) -> Gateway:
        return self.app.state.gateway

    def source_calls(self) -> dict[str, int]:
        return {source.id: source.calls for source in self.gateway.registry.sources()}

    async def token(self, role: str = "statutory_all_datasets") -> str:
        token, renew_at = self._tokens.get(role, ("", 0.0))
        if time.monotonic() >= renew_at:
            client = self.clients[role]
            response = await self.http.post(
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(client["client_id"], client["client_secret"]),
            )
            response.raise_for_status()
            issued = response.json()
            token = issued["access_token"]
            # Renewed well before it expires, so no request of a slow run carries a stale one.
            self._tokens[role] = (token, time.monotonic() + issued["expires_in"] / 2)
        return token

    async def post(
        self,
        query: str,
        variables: dict[str, Any] | None = None,
        *,
        role: str | None = "statutory_all_datasets",
        case_reference: str | None = CASE,
        token: str | None = None,
    ) -> httpx.Response:
        headers = {}
        if token is None and role is not None:
            token = await self.token(role)
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        if case_reference is not None:
            headers["Darvazeh-Case-Reference"] = case_reference
        return await self.http.post(
            "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
        )

    async def query(self, query: str, variables: dict[str, Any] | None = None, **kw: Any) -> dict:
        return (await self.post(query, variables, **kw)).json()

    def serving(self, record_type: str, instead_of: str) -> str | None:
        """The source `instead_of` would replace (for `replaces`): the one serving now."""
        current = self.gateway.registry.source_for(record_type)
        return current.id if current is not None and current.id != instead_of else None


def allowed_servers(urls: dict[str, str]) -> dict[str, list[str]]:
    """Allow-list entries for the agencies kept on database servers (host:port/database)."""
    entries: dict[str, list[str]] = {}
    for name, url in urls.items():
        parsed = make_url(url)
        if parsed.get_backend_name() != "sqlite":
            port = parsed.port or DEFAULT_PORTS[parsed.get_backend_name()]
            entries[AGENCY_CODES[name]] = [f"{parsed.host}:{port}/{parsed.database}"]
    return entries


@contextlib.asynccontextmanager
async def running_gateway(
    var_dir: Path,
    *,
    count: int = 300,
    store_url: str | None = None,
    agency_urls: dict[str, str] | None = None,
    **settings_changes: Any,
) -> AsyncIterator[RunningGateway]:
    """`settings_changes` set any other setting by its field's name (e.g. breaker_cooldown=1.0,
    see settings_with). The
    connection policy allows what the demo world needs, as an operator would: the education
    service's port, the agencies' database servers, and one spare loopback port per agency."""
    settings_changes.setdefault("rate_limits", GENEROUS_LIMITS)
    # The age scan reads whoever's birthday today is: tests that want it run it themselves.
    settings_changes.setdefault("age_scan", False)
    agencies_dir = var_dir / "agencies"
    targets = {"education": f"sqlite+aiosqlite:///{agency_file(agencies_dir, 'education')}"}
    targets |= agency_urls or {}
    education_port = free_port()
    spare_ports = {code: free_port() for code in AGENCY_CODES.values()}
    allowed = allowed_servers(targets)
    allowed.setdefault("education", []).append(f"127.0.0.1:{education_port}")
    for code, port in spare_ports.items():
        allowed.setdefault(code, []).append(f"127.0.0.1:{port}")
    allowlist = extend_allowlist(settings_changes.pop("allowlist", ""), allowed)
    base = Settings(
        var_dir=var_dir,
        host="127.0.0.1",
        port=8000,
        database_url=store_url or "",
        public_url=BASE_URL,
        sources=SourceSettings(timeout=2.0, agencies_dir=agencies_dir, allowlist=allowlist),
    )
    settings = settings_with(base, **settings_changes)
    world = generate(count=count, seed=7)
    await load_world(world, targets, var_dir=var_dir)
    await upgrade_async(settings.store_url)
    async with contextlib.AsyncExitStack() as stack:
        education_url = await stack.enter_async_context(
            serve(create_education_app(targets["education"]), education_port)
        )
        embedded = AgencyUrls.embedded(agencies_dir, education_url)
        urls = AgencyUrls(
            civil=targets.get("civil", embedded.civil),
            social=targets.get("social", embedded.social),
            tax=targets.get("tax", embedded.tax),
            education=education_url,
        )
        setup = await Gateway.start(settings)
        try:
            clients = await seed_gateway(setup.sessions, setup.registry, urls)
        finally:
            await setup.close()
        app = create_app(settings)
        await stack.enter_async_context(app.router.lifespan_context(app))
        http = await stack.enter_async_context(
            httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL)
        )
        yield RunningGateway(
            app, http, world, clients, interesting_citizens(world), urls, spare_ports
        )
