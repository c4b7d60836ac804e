"""OpenTelemetry tracing of the notifications service, set up by the app factory.

``setup_tracing(app)`` traces every HTTP request (except ``/health`` and ``/ready``) and
every httpx call; ``instrument_engine(engine)`` traces SQL; ``grpc_server_interceptors()``
and ``grpc_client_interceptors()`` trace gRPC; ``app.core.message_tracing`` carries the
trace through RabbitMQ messages; ``business_span(...)`` wraps a business operation.

Set up in code rather than by the ``opentelemetry-instrument`` agent: the agent does not
follow ``uvicorn --reload`` into the worker process that serves the requests.
Configured by the standard variables: ``OTEL_EXPORTER_OTLP_ENDPOINT`` (default
``http://localhost:4317``), ``OTEL_EXPORTER_OTLP_PROTOCOL`` (``grpc`` or
``http/protobuf``), ``OTEL_TRACES_EXPORTER`` (``otlp``, ``console`` or ``none``),
``OTEL_TRACES_SAMPLER`` / ``OTEL_TRACES_SAMPLER_ARG``, ``OTEL_SDK_DISABLED``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from opentelemetry import trace
from opentelemetry.context import Context
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace import Span as RecordedSpan
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.trace import Span, Tracer
from opentelemetry.util.types import AttributeValue

if TYPE_CHECKING:
    from fastapi import FastAPI
    from sqlalchemy.ext.asyncio import AsyncEngine

SERVICE_NAME = "notifications"
TRACER_NAME = "app"
# Probes call these every few seconds; their spans would bury the requests worth reading.
# Matched against scheme://host/path, so /api/orders/ready is still traced.
EXCLUDED_URLS = r"^[a-z]+://[^/]+/(health|ready)/?$"
# Headers the gateway sets on every request: on the server span they make a request
# findable in Jaeger by the id in the gateway's access log, or by the user.
REQUEST_TAGS = {b"x-correlation-id": "correlation_id", b"x-user-id": "user_id"}
SQL_SCOPE = "opentelemetry.instrumentation.sqlalchemy"

_provider: TracerProvider | None = None
_traced_engine: object | None = None


def configure_tracing(service_name: str = SERVICE_NAME, *, environment: str | None = None,
                      exporter: SpanExporter | None = None) -> TracerProvider:
    """The process's tracer provider, created on the first call (later calls return it).

    ``exporter`` replaces the configured one and exports each span as it ends (tests pass
    an in-memory exporter). The provider becomes the global one unless one was set before.
    """
    global _provider
    if _provider is not None:
        return _provider
    attributes: dict[str, AttributeValue] = {"service.name": service_name}
    if environment:
        attributes["deployment.environment.name"] = environment
    provider = TracerProvider(resource=Resource.create(attributes))
    if exporter is not None:
        provider.add_span_processor(OrphanQueryFilter(SimpleSpanProcessor(exporter)))
    else:
        configured = configured_exporter()
        if configured is not None:
            provider.add_span_processor(OrphanQueryFilter(BatchSpanProcessor(configured)))
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        trace.set_tracer_provider(provider)
    _install_log_ids()
    _provider = provider
    return provider


class OrphanQueryFilter(SpanProcessor):
    """Exports every span except SQL that ran outside any traced operation.

    The outbox relay polls its table every second: each poll would be a trace of its own
    and bury the requests. SQL inside a request, a consumed message or a ``business_span``
    has a parent and is exported; wrap background work in ``business_span`` to see its SQL.
    """

    def __init__(self, delegate: SpanProcessor) -> None:
        self.delegate = delegate

    def on_start(self, span: RecordedSpan, parent_context: Context | None = None) -> None:
        self.delegate.on_start(span, parent_context)

    def on_end(self, span: ReadableSpan) -> None:
        scope = span.instrumentation_scope
        if span.parent is None and scope is not None and scope.name.startswith(SQL_SCOPE):
            return
        self.delegate.on_end(span)

    def shutdown(self) -> None:
        self.delegate.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.delegate.force_flush(timeout_millis)


def configured_exporter() -> SpanExporter | None:
    """The exporter the environment asks for: OTLP (gRPC or HTTP), console, or none."""
    kind = os.environ.get("OTEL_TRACES_EXPORTER", "otlp").strip().lower()
    if kind == "none":
        return None
    if kind == "console":
        return ConsoleSpanExporter()
    if kind != "otlp":
        raise ValueError(f"OTEL_TRACES_EXPORTER={kind!r}: expected otlp, console or none")
    protocol = (os.environ.get("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
                or os.environ.get("OTEL_EXPORTER_OTLP_PROTOCOL") or "grpc").strip().lower()
    if protocol == "grpc":
        from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter
    elif protocol == "http/protobuf":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # type: ignore[assignment]
            OTLPSpanExporter,
        )
    else:
        raise ValueError(f"OTLP protocol {protocol!r}: expected grpc or http/protobuf")
    return OTLPSpanExporter()


def setup_tracing(app: FastAPI, service_name: str = SERVICE_NAME, *,
                  environment: str | None = None,
                  exporter: SpanExporter | None = None) -> TracerProvider:
    """Trace the app's requests and every httpx call of this process; call it in the app
    factory, once per app."""
    provider = configure_tracing(service_name, environment=environment, exporter=exporter)
    FastAPIInstrumentor.instrument_app(app, tracer_provider=provider,
                                       excluded_urls=EXCLUDED_URLS,
                                       server_request_hook=_tag_request,
                                       # one span per request, not one per ASGI message
                                       exclude_spans=["receive", "send"])
    httpx_instrumentor = HTTPXClientInstrumentor()
    if not httpx_instrumentor.is_instrumented_by_opentelemetry:
        # process-wide: every httpx client, including the service clients, sends traceparent
        httpx_instrumentor.instrument(tracer_provider=provider)
    return provider


def instrument_engine(engine: AsyncEngine) -> None:
    """Trace the SQL of ``engine`` (the one the lifespan creates)."""
    global _traced_engine
    from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor

    if _traced_engine is engine:
        return
    instrumentor = SQLAlchemyInstrumentor()
    if instrumentor.is_instrumented_by_opentelemetry:
        # The instrumentor is one per process: a new app (tests, reload) moves it over to
        # the new engine; the earlier one has been disposed by its lifespan.
        instrumentor.uninstrument()
    # skip_dep_check: the instrumentation declares sqlalchemy < 2.1, a range that lags
    # behind SQLAlchemy 2.1; the engine events it listens to are the same in 2.1.
    instrumentor.instrument(engine=engine.sync_engine, tracer_provider=_provider,
                            skip_dep_check=True)
    _traced_engine = engine


def flush_tracing(timeout_millis: int = 5000) -> None:
    """Export the spans still buffered (at shutdown); the provider stays usable."""
    if _provider is not None:
        _provider.force_flush(timeout_millis)


def grpc_server_interceptors() -> list[Any]:
    """Interceptors for ``grpc.aio.server(interceptors=...)``: one span per call, continuing
    the caller's trace. Health checks are not traced, like ``/health``."""
    from opentelemetry.instrumentation.grpc import aio_server_interceptor, filters

    # the instrumentation's functions carry no type hints
    interceptor: Any = aio_server_interceptor(  # type: ignore[no-untyped-call]
        tracer_provider=_provider, filter_=filters.negate(filters.health_check()))
    return [interceptor]


def grpc_client_interceptors() -> Sequence[Any]:
    """Interceptors for ``grpc.aio.insecure_channel(..., interceptors=...)``: a client span
    per call and the trace context sent in the call's metadata."""
    from opentelemetry.instrumentation.grpc import aio_client_interceptors, filters

    interceptors: list[Any] = aio_client_interceptors(  # type: ignore[no-untyped-call]
        tracer_provider=_provider, filter_=filters.negate(filters.health_check()))
    return interceptors


def tracer() -> Tracer:
    """This service's tracer (a no-op one until tracing is configured)."""
    if _provider is not None:
        return _provider.get_tracer(TRACER_NAME)
    return trace.get_tracer(TRACER_NAME)


def span_value(value: object) -> AttributeValue:
    """A span attribute for an id or amount: ints, floats, bools and strings stay as they
    are; UUIDs, decimals, dates and the rest become strings."""
    if isinstance(value, bool | int | float | str):
        return value
    return str(value)


def _attributes(values: dict[str, object]) -> dict[str, AttributeValue]:
    return {key: span_value(value) for key, value in values.items() if value is not None}


@contextmanager
def business_span(operation: str, *, user_id: object = None, order_id: object = None,
                  saga_id: object = None, **attributes: object) -> Iterator[Span]:
    """A span around one business operation (``"orders.place"``, ``"payments.charge"``),
    tagged with the ids one searches Jaeger by. An exception marks the span as failed."""
    tags = _attributes({"user_id": user_id, "order_id": order_id, "saga_id": saga_id,
                        **attributes})
    with tracer().start_as_current_span(operation, attributes=tags) as span:
        yield span


def tag_span(*, user_id: object = None, order_id: object = None, saga_id: object = None,
             **attributes: object) -> None:
    """Add ids to the current span, e.g. the request's server span once the order exists."""
    span = trace.get_current_span()
    if span.is_recording():
        span.set_attributes(_attributes({"user_id": user_id, "order_id": order_id,
                                         "saga_id": saga_id, **attributes}))


def _tag_request(span: Span, scope: dict[str, Any]) -> None:
    if not span.is_recording():
        return
    for name, value in scope.get("headers") or []:
        key = REQUEST_TAGS.get(name.lower())
        if key and value:
            span.set_attribute(key, value.decode("latin-1")[:128])


def _install_log_ids() -> None:
    """Every log record made inside a span carries ``trace_id`` and ``span_id``, so a JSON
    log line leads to its trace in Jaeger."""
    previous = logging.getLogRecordFactory()
    if getattr(previous, "adds_trace_ids", False):
        return

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        context = trace.get_current_span().get_span_context()
        if context.is_valid:
            record.trace_id = format(context.trace_id, "032x")
            record.span_id = format(context.span_id, "016x")
        return record

    factory.adds_trace_ids = True  # type: ignore[attr-defined]
    logging.setLogRecordFactory(factory)
