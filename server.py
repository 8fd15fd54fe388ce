"""The Starlette app: routes, lifespan and middleware. Wiring only; no business logic here.

Run with `uvicorn server:app` (what `make demo` does) or `python server.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from audit.writer import AuditWriter
from auth.authorization_server import build_authorization_server
from auth.endpoints import auth_routes
from auth.keys import KeyRing
from auth.pages import page_routes
from auth.request_auth import request_principal
from auth.resource import AuthenticationError
from datasources.health import HealthPolicy
from datasources.health_store import DEGRADED, DOWN, FRESH_FLUSHES, source_health
from datasources.registry import Registry
from resolvers.context import RequestContext
from schema import build_schema
from schema.records import record_specs
from settings import Settings, get_settings
from store.db import create_engine, sessionmaker
from store.secrets import SecretBox
from web.admission import AdmissionLimit

# Workers share nothing but the store: each re-reads the registrations every few seconds, so a
# registration made through any worker takes effect on all of them without a restart.
PROBE_INTERVAL_SECONDS = 30.0

logger = logging.getLogger("darvazeh")
REQUEST_ID_HEADER = "Darvazeh-Request-Id"
WEB = Path(__file__).resolve().parent / "web"
GRAPHIQL_HTML = (WEB / "templates" / "graphiql.html").read_text()


@dataclass
class Gateway:
    """Everything a worker holds. All of it can be rebuilt from the store: workers share nothing."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    registry: Registry
    keyring: KeyRing
    authorization_server: Any
    # One chain of the access log per process; None only with GATEWAY_AUDIT=off (benchmarks).
    audit_writer: AuditWriter | None = None

    @classmethod
    async def start(cls, settings: Settings) -> Gateway:
        engine = create_engine(settings.store_url)
        sessions = sessionmaker(engine)
        box = SecretBox.from_environment(settings.secret_key_file)
        health = HealthPolicy(
            failures=settings.breaker_failures, cooldown=settings.breaker_cooldown
        )
        registry = Registry(
            sessions, box, record_specs(), default_timeout=settings.source_timeout, health=health
        )
        await registry.load()
        keyring = KeyRing(
            sessions,
            box,
            lifetime_seconds=settings.signing_key_lifetime,
            token_ttl_seconds=settings.access_token_ttl,
        )
        await keyring.current()
        server = build_authorization_server(sessions, keyring, settings)
        writer = None
        if settings.audit_enabled:
            writer = AuditWriter(sessions)
            await writer.start()
        return cls(settings, engine, sessions, registry, keyring, server, writer)

    async def close(self) -> None:
        if self.audit_writer is not None:
            await self.audit_writer.close()
        await self.registry.close()
        await self.engine.dispose()


class GraphQLView(GraphQL):
    """Strawberry's ASGI view, with the access token checked before any resolver runs."""

    async def render_graphql_ide(self, request: Request) -> Response:
        # Our own page over vendored assets: GraphiQL must work where no CDN is reachable.
        return HTMLResponse(GRAPHIQL_HTML)

    async def get_context(self, request: Request | WebSocket, response: Any) -> RequestContext:
        gateway: Gateway = request.app.state.gateway
        principal, refusal = None, None
        try:
            principal = await request_principal(request, gateway)
        except AuthenticationError as error:
            refusal = error
        context = RequestContext(
            registry=gateway.registry,
            audit_writer=gateway.audit_writer,
            sessions=gateway.sessions,
            principal=principal,
            auth_error=refusal.description if refusal else None,
            auth_challenge=refusal.www_authenticate if refusal else None,
            request=request,
            response=response,
        )
        # The id every audit record of this request carries, for the caller to quote.
        response.headers[REQUEST_ID_HEADER] = context.request_id
        return context


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    gateway: Gateway = request.app.state.gateway
    try:
        async with gateway.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure means not ready; say which
        return JSONResponse({"status": "unavailable", "store": str(error)}, status_code=503)
    # Every worker's view, not just this one's: the load balancer may ask any of them.
    stale_after = FRESH_FLUSHES * gateway.settings.health_flush_interval
    views = await source_health(gateway.sessions, stale_after=stale_after)
    sources = {source_id: view.as_dict() for source_id, view in views.items()}
    degraded = any(view.status in {DOWN, DEGRADED} for view in views.values())
    body = {"status": "degraded" if degraded else "ok", "store": "ok", "sources": sources}
    return JSONResponse(body)


async def _maintain(registry: Registry, reload_interval: float, flush_interval: float) -> None:
    """Keep the registry in step with the store, probe every source on a schedule, and share
    this worker's view of source health with the others."""
    loop = asyncio.get_running_loop()
    steps: list[tuple[Callable[[], Awaitable[object]], float]] = [
        (registry.load, reload_interval),
        (registry.probe_all, PROBE_INTERVAL_SECONDS),
        (registry.flush_health, flush_interval),
    ]
    last_run = [-math.inf] * len(steps)
    while True:
        for index, (step, interval) in enumerate(steps):
            if loop.time() - last_run[index] < interval:
                continue
            last_run[index] = loop.time()
            try:
                await step()
            except Exception:  # the store may be briefly away; the next round tries again
                logger.exception("registry maintenance (%s) failed", step.__name__)
        await asyncio.sleep(min(interval for _, interval in steps))


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        gateway = await Gateway.start(settings)
        app.state.gateway = gateway
        maintenance = asyncio.create_task(
            _maintain(gateway.registry, settings.reload_interval, settings.health_flush_interval)
        )
        try:
            yield
        finally:
            maintenance.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await maintenance
            await gateway.close()

    graphql = GraphQLView(build_schema(), graphql_ide="graphiql")
    routes = [
        Route("/graphql", graphql),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Mount("/static", StaticFiles(directory=WEB / "static"), name="static"),
        *auth_routes(),
        *page_routes(),
    ]
    middleware = [Middleware(AdmissionLimit, limit=settings.max_concurrent_requests)]
    return Starlette(routes=routes, lifespan=lifespan, middleware=middleware)


app = create_app()

if __name__ == "__main__":
    import uvicorn

    current = get_settings()
    uvicorn.run(app, host=current.host, port=current.port)
