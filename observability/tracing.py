"""OpenTelemetry traces: a span per request, per access decision batch and per source call.

Off unless an exporter is configured. While off there is no tracer at all: `span` hands back one
shared do-nothing context manager, so the hot path builds no span objects. The provider is ours,
not OpenTelemetry's global one, so it can be replaced (tests) and shut down (flushing what is
queued) with the app.

Span attributes name sources, record types and counts; never a national code, a field value or a
token.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager, nullcontext

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.sampling import TraceIdRatioBased
from opentelemetry.trace import Span, SpanKind, Status, StatusCode, Tracer
from opentelemetry.util.types import AttributeValue
from sqlalchemy.ext.asyncio import AsyncEngine

__all__ = [
    "EXPORTERS",
    "Span",
    "SpanKind",
    "configure",
    "enabled",
    "exporter_for",
    "instrument_engine",
    "mark_error",
    "shutdown",
    "span",
]

EXPORTERS = ("none", "console", "otlp")
TRACER_NAME = "darvazeh"

_NO_SPAN: AbstractContextManager[None] = nullcontext()
_provider: TracerProvider | None = None
_tracer: Tracer | None = None


def exporter_for(kind: str, endpoint: str) -> SpanExporter | None:
    """The exporter a GATEWAY_OTEL_EXPORTER value names; None for `none`."""
    if kind == "none":
        return None
    if kind == "console":
        return ConsoleSpanExporter()
    if kind == "otlp":
        return OTLPSpanExporter(endpoint=endpoint)
    raise ValueError(f"unknown trace exporter {kind!r} (one of {', '.join(EXPORTERS)})")


def configure(
    exporter: SpanExporter | None,
    *,
    service_name: str = "darvazeh",
    sample_ratio: float = 1.0,
    batch: bool = True,
) -> None:
    """Trace into `exporter` (None: tracing off). Spans leave in batches from a background
    thread; `batch=False` exports each span as it ends (tests read them at once)."""
    global _provider, _tracer
    shutdown()
    if exporter is None:
        return
    provider = TracerProvider(
        resource=Resource.create({"service.name": service_name}),
        sampler=TraceIdRatioBased(sample_ratio),
    )
    processor = BatchSpanProcessor(exporter) if batch else SimpleSpanProcessor(exporter)
    provider.add_span_processor(processor)
    _provider, _tracer = provider, provider.get_tracer(TRACER_NAME)


def enabled() -> bool:
    return _tracer is not None


def shutdown() -> None:
    """Export what is queued and stop tracing (and the SQLAlchemy instrumentation)."""
    global _provider, _tracer
    provider, _provider, _tracer = _provider, None, None
    if provider is None:
        return
    instrumentor = SQLAlchemyInstrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.uninstrument()
    provider.shutdown()


def instrument_engine(engine: AsyncEngine) -> None:
    """Spans for the gateway store's statements (SQL text only: values are bound parameters).

    The instrumentation also wraps engines created later, so the `sql` sources' queries show
    as children of their source call's span.
    """
    if _provider is None:
        return
    instrumentor = SQLAlchemyInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        # Its declared range stops below SQLAlchemy 2.1, whose engine events it uses unchanged
        # (tests/observability/test_tracing.py checks the spans arrive).
        instrumentor.instrument(
            engine=engine.sync_engine, tracer_provider=_provider, skip_dep_check=True
        )


def span(
    name: str,
    attributes: Mapping[str, AttributeValue] | None = None,
    kind: SpanKind = SpanKind.INTERNAL,
) -> AbstractContextManager[Span | None]:
    """A span around the block, current inside it; with tracing off, nothing at all."""
    tracer = _tracer
    if tracer is None:
        return _NO_SPAN
    return _started(tracer, name, attributes, kind)


@contextmanager
def _started(
    tracer: Tracer, name: str, attributes: Mapping[str, AttributeValue] | None, kind: SpanKind
) -> Iterator[Span]:
    # Exceptions are marked by type only: their messages may quote what a caller sent.
    with tracer.start_as_current_span(
        name,
        kind=kind,
        attributes=attributes,
        record_exception=False,
        set_status_on_exception=False,
    ) as current:
        try:
            yield current
        except BaseException as error:
            mark_error(current, type(error).__name__)
            raise


def mark_error(current: Span | None, description: str) -> None:
    if current is not None:
        current.set_status(Status(StatusCode.ERROR, description))
