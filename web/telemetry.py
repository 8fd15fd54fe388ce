"""The HTTP edge of observability: every request gets its id, its log fields, its span and its
metrics here; `/metrics` is served to the operator's network only."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Sequence
from functools import partial

import anyio.to_thread
from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from auth.oauth import outcomes as token_outcomes
from observability import metrics, tracing
from observability.request import RequestInfo, serving
from settings import Settings
from standard.errors import ErrorCode

__all__ = [
    "METRICS_PATH",
    "REQUEST_ID_HEADER",
    "ObserveRequests",
    "metrics_route",
    "start",
    "stop",
]

REQUEST_ID_HEADER = "Darvazeh-Request-Id"
METRICS_PATH = "/metrics"
UNMATCHED = "unmatched"  # the route label of a path no route serves
UNKNOWN_OPERATION = "unknown"  # refused before its document was validated
# A scraper talks to the gateway directly; a request that passed a proxy says so in one of
# these, and is refused whatever address the proxy connects from.
FORWARDING_HEADERS = frozenset({b"forwarded", b"x-forwarded-for", b"x-real-ip"})

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


async def start(settings: Settings, route_paths: Sequence[str]) -> None:
    """Before the first request: metrics into the host's shared directory (whose tidying may
    wait on another worker's start, so in a thread), and tracing if an exporter is set."""
    observe = settings.observability
    if observe.metrics_max_operations < 0:
        raise ValueError("GATEWAY_METRICS_MAX_OPERATIONS must be 0 or more")
    if not 0.0 <= observe.otel_sample_ratio <= 1.0:
        raise ValueError("GATEWAY_OTEL_SAMPLE_RATIO must be between 0 and 1")
    exporter = tracing.exporter_for(observe.otel_exporter, observe.otel_endpoint)
    configure = partial(
        metrics.configure,
        settings.metrics_folder,
        operations=observe.metrics_operations,
        max_operations=observe.metrics_max_operations,
        outcomes=[code.value for code in ErrorCode],
        routes=[*route_paths, UNMATCHED],
        token_outcomes=token_outcomes.OUTCOMES,
    )
    await anyio.to_thread.run_sync(configure)
    tracing.configure(
        exporter,
        service_name=observe.otel_service_name,
        sample_ratio=observe.otel_sample_ratio,
    )


async def stop() -> None:
    """Export the spans still queued (a blocking flush, so in a thread)."""
    await anyio.to_thread.run_sync(tracing.shutdown)


class ObserveRequests:
    """Pure ASGI middleware (no per-request task or body buffering)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        info = RequestInfo()
        status = 500  # unless a response starts, the server answers 500
        started = time.perf_counter()
        counted = False

        def count() -> None:
            nonlocal counted
            counted = True
            seconds = time.perf_counter() - started
            route = _route(scope)
            metrics.record_http_request(route, status, seconds)
            if info.outcome is not None:
                metrics.record_operation(info.operation or UNKNOWN_OPERATION, info.outcome, seconds)

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message).append(REQUEST_ID_HEADER, info.request_id)
            elif not message.get("more_body", False) and not counted:
                # Counted before the last of the body leaves: whoever got the answer (a test,
                # a load balancer's check) finds it counted in the next scrape.
                count()
            await send(message)

        method = scope["method"]
        with serving(info), tracing.span(f"HTTP {method}", None, tracing.SpanKind.SERVER) as span:
            try:
                await self.app(scope, receive, send_with_id)
            finally:
                if not counted:  # no response, or it failed half-way
                    count()
                if span is not None:
                    _describe(span, method, _route(scope), status, info)


def _route(scope: Scope) -> str:
    route = scope.get("route")
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


def _describe(span: tracing.Span, method: str, route: str, status: int, info: RequestInfo) -> None:
    span.update_name(f"{method} {route}")
    span.set_attributes(
        {
            "http.request.method": method,
            "http.route": route,
            "http.response.status_code": status,
            "darvazeh.request_id": info.request_id,
        }
    )
    if info.client_id is not None:
        span.set_attribute("darvazeh.client_id", info.client_id)
    if info.operation is not None:
        span.set_attribute("darvazeh.operation", info.operation)
    if status >= 500:
        tracing.mark_error(span, f"HTTP {status}")


def parse_networks(cidrs: Sequence[str]) -> list[Network]:
    """GATEWAY_METRICS_ALLOW's networks; a malformed one stops the gateway at start."""
    networks = []
    for cidr in cidrs:
        try:
            networks.append(ipaddress.ip_network(cidr, strict=False))
        except ValueError as error:
            raise ValueError(f"GATEWAY_METRICS_ALLOW: {error}") from None
    return networks


def peer_allowed(scope: Scope, networks: Sequence[Network]) -> bool:
    if any(name in FORWARDING_HEADERS for name, _ in scope.get("headers", ())):
        return False
    client = scope.get("client")
    if not client:
        return False
    try:
        address = ipaddress.ip_address(client[0])
    except ValueError:  # a unix socket peer or some other non-IP name
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in networks)


def metrics_route(allow: Sequence[str]) -> Route:
    """GET /metrics: every worker's samples, for peers in the `allow` networks only."""
    networks = parse_networks(allow)

    async def scrape(request: Request) -> Response:
        if not peer_allowed(request.scope, networks):
            return JSONResponse(
                {
                    "errors": [
                        {
                            "message": "metrics are served to the operator's network only",
                            "extensions": {"code": ErrorCode.FORBIDDEN.value},
                        }
                    ]
                },
                status_code=403,
            )
        body, content_type = await anyio.to_thread.run_sync(metrics.render)
        return Response(body, media_type=content_type)

    return Route(METRICS_PATH, scrape, methods=["GET"], name="metrics")
