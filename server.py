"""The Starlette app: routes, lifespan and middleware. Wiring only; no business logic here.

Run with `uvicorn server:app` (what `make demo` does) or `python server.py`.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles
from starlette.websockets import WebSocket
from strawberry.exceptions import ConnectionRejectionError
from strawberry.http import GraphQLRequestData
from strawberry.types.unset import UnsetType

from audit.sink import AuditSink
from audit.writer import AuditWriter
from auth.accounts.login import Authenticator, PasswordAuthenticator
from auth.core.keys import KeyRing
from auth.core.principal import Principal
from auth.oauth.server import DarvazehAuthorizationServer, build_authorization_server
from auth.rate_limits import RatePolicy, build_rate_policy
from auth.resource.authenticate import AuthenticationError
from auth.resource.case_reference import CaseReferencePolicy, InvalidCaseReference
from datasources.registry import Registry
from observability import logs, tracing
from observability.request import current, new_request_id, note_client
from ratelimit import Refusal
from resolvers.context import RequestContext
from resolvers.life_events import RegistryBirthdays, RegistryEvidence
from resolvers.rate_limits import SubjectGate
from resolvers.system_reads import CivilBirthRecords, CivilDeathCheck
from schema import build_schema
from schema.limits import QueryLimits
from services.proactive.webhooks import WebhookPolicy
from settings import Settings, get_settings
from standard.errors import ErrorCode
from standard.statuses import SourceStatus
from store.persisted_queries import SafelistBounds, SafelistCache
from store.rate_counters import StoreStorage
from store.secrets import SecretBox
from web import telemetry
from web.admission import AdmissionLimit
from web.console import routes as console_routes
from web.developers_page import DemoCredentials, developers_routes
from web.graphql_http import EdgeRefusal, GraphQLEdge
from web.graphql_ws import websocket_principal
from web.maintenance import maintain
from web.nats_events import NatsIntake
from web.oauth_routes import oauth_routes
from web.pages import page_routes
from web.persisted_queries import ApqCache, DocumentRefused, PersistedQueries
from web.proactive_workers import EngineTasks
from web.render import render
from web.request_auth import request_principal
from web.security_headers import SecurityHeaders
from web.store_and_sources import open_store_and_sources
from web.websocket_slots import WebSocketSlots
from web.window_page import window_routes

# Workers share nothing but the store: each re-reads the registrations every few seconds, so a
# registration made through any worker takes effect on all of them without a restart.

logger = logging.getLogger("darvazeh")
WEB = Path(__file__).resolve().parent / "web"


@dataclass
class Gateway:
    """Everything a worker holds. All of it can be rebuilt from the store: workers share nothing."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    registry: Registry
    keyring: KeyRing
    authorization_server: DarvazehAuthorizationServer
    rates: RatePolicy
    rate_counters: StoreStorage
    persisted: PersistedQueries
    # The civil registry's death check behind logins, consents and token requests.
    deaths: CivilDeathCheck
    # The civil registry's birth records behind guardianship checks (consent, data tracker).
    births: CivilBirthRecords
    case_references: CaseReferencePolicy
    # The citizens' login check (their passwords; a national sign-on could replace it).
    authenticator: Authenticator
    # One chain of the access log per process; None only with GATEWAY_AUDIT=off (benchmarks).
    audit_writer: AuditWriter | None = None
    # Where requests record their reads: the writer (another sink only in tests).
    audit_sink: AuditSink | None = None
    # Life events in: whether a reported event's record is held; the age scan's birth dates.
    life_event_evidence: RegistryEvidence | None = None
    birthdays: RegistryBirthdays | None = None
    # Agencies' webhooks: the box their secrets are sealed with, what their URLs may reach.
    box: SecretBox | None = None
    webhooks: WebhookPolicy | None = None

    @classmethod
    async def start(cls, settings: Settings) -> Gateway:
        opened = await open_store_and_sources(settings)
        engine, sessions = opened.engine, opened.sessions
        box, registry = opened.box, opened.registry
        keyring = KeyRing(
            sessions,
            box,
            lifetime_seconds=settings.signing_key_lifetime,
            token_ttl_seconds=settings.access_token_ttl,
        )
        await keyring.current()
        rates, counters = build_rate_policy(sessions, settings)
        persisted = PersistedQueries(
            production=settings.production,
            safelists=SafelistCache(sessions, ttl=settings.reload_interval),
            apq=ApqCache(settings.limits.apq_cache_size, settings.limits.safelist_max_bytes),
        )
        writer = None
        if settings.audit_enabled:
            writer = AuditWriter(sessions)
            await writer.start()
        deaths = CivilDeathCheck(registry, sessions, writer, statute=settings.death_check_statute)
        births = CivilBirthRecords(
            registry, sessions, writer, statute=settings.guardianship_check_statute
        )
        server = build_authorization_server(sessions, keyring, settings, deaths=deaths)
        references = CaseReferencePolicy(
            settings.case_reference_pattern, settings.case_reference_max_length
        )
        statute = settings.life_event_check_statute
        webhooks = WebhookPolicy.for_settings(settings)
        return cls(
            settings, engine, sessions, registry, keyring, server, rates, counters, persisted,
            deaths, births, references, PasswordAuthenticator(sessions), writer, writer,
            RegistryEvidence(registry, sessions, writer, statute=statute),
            RegistryBirthdays(registry, sessions, writer, statute=statute), box, webhooks,
        )  # fmt: skip

    @property
    def safelist_bounds(self) -> SafelistBounds:
        return SafelistBounds(
            self.settings.limits.safelist_max_documents, self.settings.limits.safelist_max_bytes
        )

    async def close(self) -> None:
        if self.audit_writer is not None:
            await self.audit_writer.close()
        await self.rates.limiter.close()
        await self.registry.close()
        await self.engine.dispose()


RATE_REFUSAL = "darvazeh_rate_refusal"  # request.state: the edge's rate-limit verdict


class GraphQLView(GraphQLEdge):
    """Strawberry's ASGI view with the edge's limits (web.graphql_http), and the access token
    checked before any resolver runs."""

    # The running gateway, set by the lifespan (WebSocket connections authenticate through it).
    gateway: Gateway | None = None

    async def execute_operation(
        self,
        request: Request,
        request_adapter: Any,
        request_data: GraphQLRequestData | list[GraphQLRequestData],
        context: RequestContext,
        root_value: Any,
        sub_response: Response,
    ) -> Any:
        """Refused before any parsing when over a rate limit; documents named by hash are
        looked up (and full documents refused in production) before strawberry sees them."""
        gateway: Gateway = request.app.state.gateway
        refusal: Refusal | None = getattr(request.state, RATE_REFUSAL, None)
        if refusal is not None:
            raise EdgeRefusal(
                ErrorCode.RATE_LIMITED,
                f"too many requests; retry after {refusal.retry_after} s",
                headers={"Retry-After": str(refusal.retry_after)},
            )
        for item in request_data if isinstance(request_data, list) else [request_data]:
            try:
                item.query = await gateway.persisted.document(item, context.principal)
            except DocumentRefused as refused:
                raise EdgeRefusal(refused.code, refused.message) from None
        return await super().execute_operation(
            request, request_adapter, request_data, context, root_value, sub_response
        )

    async def render_graphql_ide(self, request: Request) -> Response:
        # Our own page over vendored assets: GraphiQL must work where no CDN is reachable.
        return render(request, "graphiql.html")

    async def on_ws_connect(self, context: RequestContext) -> UnsetType | dict[str, object] | None:
        """A WebSocket's principal from connection_init's payload (web.graphql_ws); a missing or
        bad token closes the connection (4403)."""
        gateway = self.gateway
        if gateway is None:
            raise ConnectionRejectionError()
        try:
            context.principal = await websocket_principal(context.connection_params, gateway)
        except AuthenticationError:
            raise ConnectionRejectionError() from None
        note_client(context.principal.client_id)
        return await super().on_ws_connect(context)

    async def get_context(self, request: Request | WebSocket, response: Any) -> RequestContext:
        gateway: Gateway = request.app.state.gateway
        if isinstance(request, WebSocket):
            # The principal comes from connection_init (on_ws_connect), never from cookies.
            return self._context(gateway, None)
        principal, refusal, bad_reference = None, None, None
        try:
            principal = await request_principal(request, gateway)
        except AuthenticationError as error:
            refusal = error
        except InvalidCaseReference as error:
            bad_reference = str(error)
        if principal is not None:
            note_client(principal.client_id)
        info = current()
        # Counted before the body is parsed: a client over its limit costs no parsing.
        address = request.client.host if request.client else "unknown"
        verdict = await gateway.rates.graphql_request(principal, address)
        setattr(request.state, RATE_REFUSAL, verdict)
        return self._context(
            gateway,
            principal,
            auth_error=refusal.description if refusal else None,
            auth_challenge=refusal.www_authenticate if refusal else None,
            case_reference_error=bad_reference,
            # The id every audit record and log line of this request carries; the edge sends
            # it back as Darvazeh-Request-Id for the caller to quote.
            request_id=info.request_id if info is not None else new_request_id(),
        )

    def _context(
        self, gateway: Gateway, principal: Principal | None, **given: Any
    ) -> RequestContext:
        return RequestContext(
            registry=gateway.registry,
            audit_sink=gateway.audit_sink,
            sessions=gateway.sessions,
            principal=principal,
            safelist_bounds=gateway.safelist_bounds,
            rate_ceilings=gateway.rates.ceilings,
            subject_gate=SubjectGate(gateway.rates.graphql_subjects),
            births=gateway.births,
            life_event_evidence=gateway.life_event_evidence,
            secret_box=gateway.box,
            webhooks=gateway.webhooks,
            subscription_poll_interval=gateway.settings.proactive.subscription_poll_interval,
            **given,
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
    # Every worker's view, not just this one's: the load balancer may ask any of them.
    views = await gateway.registry.shared_health.views()
    sources = {source_id: view.as_dict() for source_id, view in views.items()}
    unwell = {SourceStatus.DOWN, SourceStatus.DEGRADED}
    degraded = any(view.status in unwell for view in views.values())
    body = {"status": "degraded" if degraded else "ok", "store": "ok", "sources": sources}
    return JSONResponse(body)


def _nats_intake(gateway: Gateway) -> list[asyncio.Task[None]]:
    """Life events from NATS JetStream beside the HTTP edge, where GATEWAY_NATS_URL is set."""
    settings = gateway.settings
    if not settings.proactive.nats_url or gateway.life_event_evidence is None:
        return []
    consumer = NatsIntake(
        settings.proactive, gateway.sessions, gateway.registry, gateway.life_event_evidence,
        gateway.keyring, settings.issuer, settings.audience,
    )  # fmt: skip
    return [asyncio.create_task(consumer.run())]


def create_app(
    settings: Settings | None = None, *, demo: DemoCredentials | None = None
) -> Starlette:
    """`demo`: the demo client /developers issues tokens for (only when the demo world is
    served)."""
    settings = settings or get_settings()

    # From here on every log line, uvicorn's included, is in the configured format.
    logs.configure(settings.observability.log_format, settings.observability.log_level)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        paths = [route.path for route in routes if isinstance(route, Route | Mount)]
        await telemetry.start(settings, paths)
        gateway = await Gateway.start(settings)
        tracing.instrument_engine(gateway.engine)
        app.state.gateway = gateway
        graphql.gateway = gateway
        maintenance = asyncio.create_task(
            maintain(
                gateway.registry,
                gateway.rate_counters,
                settings.reload_interval,
                settings.sources.health_flush_interval,
            )
        )
        intake = _nats_intake(gateway)
        # The proactive engine's work, unless it runs standalone beside the gateway.
        engine_tasks = None
        if settings.proactive.in_process and gateway.box is not None:
            engine_tasks = EngineTasks(
                settings, gateway.sessions, gateway.registry, gateway.audit_sink, gateway.box
            )
            engine_tasks.start()
        # What start-up made (the schema, the catalogue, the registry) lives as long as the
        # worker: frozen, the collector stops walking it on every full collection (some 200,000
        # objects, about 150 ms each time, every few hundred requests).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            if engine_tasks is not None:
                await engine_tasks.stop()
            for task in [*intake, maintenance]:
                task.cancel()
            for task in [*intake, maintenance]:
                with contextlib.suppress(asyncio.CancelledError):
                    await task
            await gateway.close()
            await telemetry.stop()

    schema = build_schema(
        QueryLimits.from_settings(settings),
        introspection=settings.introspection_enabled,
        mask_errors=settings.production,
    )
    graphql = GraphQLView(
        schema,
        max_body_bytes=settings.limits.max_body_bytes,
        max_json_depth=settings.limits.max_json_depth,
        mask_errors=settings.production,
        graphql_ide="graphiql" if settings.graphiql_enabled else None,
        max_subscriptions_per_connection=settings.proactive.subscriptions_per_connection,
        websocket_slots=WebSocketSlots(
            total=settings.proactive.websocket_connections,
            per_address=settings.proactive.websocket_connections_per_address,
        ),
    )
    routes = [
        Route("/graphql", graphql),
        WebSocketRoute("/graphql", graphql),
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        telemetry.metrics_route(settings.observability.metrics_allow),
        Mount("/static", StaticFiles(directory=WEB / "static"), name="static"),
        *oauth_routes(),
        *page_routes(),
        *console_routes(),
        *window_routes(),
        *developers_routes(schema.as_str(), schema._schema, demo),
    ]
    # Outermost, the security headers (web/security_headers.py): every response gets them, the
    # other layers' refusals included. Then the request's id, metrics and span, around the rest;
    # innermost, the queue that keeps a worker's GraphQL requests within what it can serve.
    middleware = [
        Middleware(SecurityHeaders, https=settings.https),
        Middleware(telemetry.ObserveRequests),
        Middleware(AdmissionLimit, limit=settings.limits.max_concurrent_requests),
    ]
    return Starlette(routes=routes, lifespan=lifespan, middleware=middleware)


app = create_app()

if __name__ == "__main__":
    import uvicorn

    chosen = get_settings()
    # log_config=None: uvicorn's lines go through the handler create_app installed.
    uvicorn.run(app, host=chosen.host, port=chosen.port, log_config=None)
