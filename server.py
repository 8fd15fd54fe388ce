"""The Starlette app: routes, lifespan and middleware. Wiring only; no business logic here.

Run with `uvicorn server:app` (what `make demo` does) or `python server.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.websockets import WebSocket
from strawberry.asgi import GraphQL

from auth.authorization_server import build_authorization_server
from auth.endpoints import auth_routes
from auth.keys import KeyRing
from auth.principal import CASE_REFERENCE_HEADER
from auth.resource import AuthenticationError, authenticate
from datasources.registry import Registry
from resolvers.context import RequestContext
from schema import build_schema
from schema.records import record_specs
from settings import Settings, get_settings
from store.db import create_engine, sessionmaker
from store.secrets import SecretBox

PROBE_INTERVAL_SECONDS = 30.0


@dataclass
class Gateway:
    """Everything a worker holds. All of it can be rebuilt from the store: workers share nothing."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    registry: Registry
    keyring: KeyRing
    authorization_server: Any

    @classmethod
    async def start(cls, settings: Settings) -> Gateway:
        engine = create_engine(settings.store_url)
        sessions = sessionmaker(engine)
        box = SecretBox.from_environment(settings.secret_key_file)
        registry = Registry(sessions, box, record_specs(), default_timeout=settings.source_timeout)
        await registry.load()
        keyring = KeyRing(
            sessions,
            box,
            lifetime_seconds=settings.signing_key_lifetime,
            token_ttl_seconds=settings.access_token_ttl,
        )
        await keyring.current()
        server = build_authorization_server(sessions, keyring, settings)
        return cls(settings, engine, sessions, registry, keyring, server)

    async def close(self) -> None:
        await self.registry.close()
        await self.engine.dispose()


class GraphQLView(GraphQL):
    """Strawberry's ASGI view, with the access token checked before any resolver runs."""

    async def get_context(self, request: Request | WebSocket, response: Any) -> RequestContext:
        gateway: Gateway = request.app.state.gateway
        settings = gateway.settings
        principal, auth_error = None, None
        header = request.headers.get("authorization")
        if header is not None:
            try:
                principal = await authenticate(
                    header,
                    request.headers.get(CASE_REFERENCE_HEADER),
                    gateway.keyring,
                    issuer=settings.issuer,
                    audience=settings.audience,
                )
            except AuthenticationError as error:
                auth_error = str(error)
        return RequestContext(
            registry=gateway.registry,
            principal=principal,
            auth_error=auth_error,
            request=request,
            response=response,
        )


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    gateway: Gateway = request.app.state.gateway
    try:
        async with gateway.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception as error:  # any failure means not ready; say which
        return JSONResponse({"status": "unavailable", "store": str(error)}, status_code=503)
    probes = await gateway.registry.last_probes()
    sources = {source_id: probe.as_dict() for source_id, probe in probes.items()}
    degraded = any(not probe.ok for probe in probes.values())
    body = {"status": "degraded" if degraded else "ok", "store": "ok", "sources": sources}
    return JSONResponse(body)


async def _probe_forever(registry: Registry) -> None:
    while True:
        with contextlib.suppress(Exception):  # a probe failure is recorded, never fatal
            await registry.probe_all()
        await asyncio.sleep(PROBE_INTERVAL_SECONDS)


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or get_settings()

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        gateway = await Gateway.start(settings)
        app.state.gateway = gateway
        prober = asyncio.create_task(_probe_forever(gateway.registry))
        try:
            yield
        finally:
            prober.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await prober
            await gateway.close()

    graphql = GraphQLView(build_schema(), graphql_ide="graphiql")
    routes = [
        Route("/graphql", graphql),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        *auth_routes(),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


app = create_app()

if __name__ == "__main__":
    import uvicorn

    current = get_settings()
    uvicorn.run(app, host=current.host, port=current.port)
