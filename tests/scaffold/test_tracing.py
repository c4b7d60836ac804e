"""The generated tracing modules, run for real: two services (orders, payments) built from
the generated ``app/core/tracing.py`` and ``message_tracing.py`` share one trace across an
HTTP call, a gRPC call, RabbitMQ messages (direct and through an outbox relay) and SQL on
the real PostgreSQL, with spans collected by an in-memory exporter."""

from __future__ import annotations

import asyncio
import importlib
import importlib.machinery
import importlib.util
import json
import logging
import socket
import sys
import types
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aio_pika
import grpc
import pytest
import uvicorn
from fastapi import FastAPI, Request
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor
from opentelemetry.instrumentation.sqlalchemy import SQLAlchemyInstrumentor
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from analyzer.model.analysis import Analysis
from reports.scaffold.tracing import render_tracing

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"
POSTGRES_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/postgres"
CHARGE = "/payments.v1.PaymentService/Charge"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory, shop_analysis: Analysis) -> Path:
    """The tracing modules of the shop's services (conftest's hand-built analysis)."""
    out = tmp_path_factory.mktemp("traced")
    render_tracing(shop_analysis, out)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class ServiceCore(types.SimpleNamespace):
    tracing: Any
    messages: Any


@pytest.fixture
def load_core(generated: Path) -> Iterator[Any]:
    """Imports a service's generated ``app/core`` under a unique package name, so two
    services (two ``app`` packages) live in one process; restores global state after."""
    loaded: list[str] = []
    record_factory = logging.getLogRecordFactory()

    def load(service: str) -> ServiceCore:
        alias = f"traced_{service}_{uuid.uuid4().hex[:8]}"
        spec = importlib.machinery.ModuleSpec(alias, None, is_package=True)
        spec.submodule_search_locations = [str(generated / "services" / service / "app"
                                               / "core")]
        sys.modules[alias] = importlib.util.module_from_spec(spec)
        loaded.append(alias)
        return ServiceCore(tracing=importlib.import_module(f"{alias}.tracing"),
                           messages=importlib.import_module(f"{alias}.message_tracing"))

    yield load
    for instrumentor in (HTTPXClientInstrumentor(), SQLAlchemyInstrumentor()):
        if instrumentor.is_instrumented_by_opentelemetry:
            instrumentor.uninstrument()
    logging.setLogRecordFactory(record_factory)
    for alias in loaded:
        for name in [m for m in sys.modules if m == alias or m.startswith(alias + ".")]:
            del sys.modules[name]


@asynccontextmanager
async def serving(app: FastAPI) -> AsyncIterator[str]:
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="off"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


def http_call(url: str, method: str = "GET", headers: dict[str, str] | None = None,
              ) -> tuple[int, bytes]:
    """An untraced client, like the gateway: urllib is not instrumented."""
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:
            return reply.status, reply.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def by_name(spans: list[ReadableSpan], name: str, service: str) -> ReadableSpan:
    found = [s for s in spans if s.name == name
             and s.resource.attributes.get("service.name") == service]
    assert len(found) == 1, (name, service, [(s.name, s.resource.attributes.get(
        "service.name")) for s in spans])
    return found[0]


def parent_of(span: ReadableSpan) -> int | None:
    return span.parent.span_id if span.parent else None


@pytest.mark.anyio
async def test_one_trace_covers_http_grpc_rabbitmq_and_sql(load_core: Any) -> None:
    exporter = InMemorySpanExporter()
    orders, payments = load_core("orders"), load_core("payments")
    run = uuid.uuid4().hex[:12]
    outbox: list[dict[str, Any]] = []
    consumed: dict[str, asyncio.Future[dict[str, Any]]] = {
        "orders": asyncio.get_running_loop().create_future(),
        "payments": asyncio.get_running_loop().create_future(),
    }
    logged: list[logging.LogRecord] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            logged.append(record)

    log = logging.getLogger(f"test.tracing.{run}")
    log.addHandler(Capture())
    log.setLevel(logging.INFO)
    log.propagate = False

    connection = await aio_pika.connect(RABBITMQ_URL, timeout=5)
    channel = await connection.channel()
    exchange = await channel.declare_exchange(f"test-tracing-{run}",
                                              aio_pika.ExchangeType.TOPIC, auto_delete=True)
    orders_queue = await channel.declare_queue(f"test-tracing-{run}-orders", exclusive=True)
    payments_queue = await channel.declare_queue(f"test-tracing-{run}-payments",
                                                 exclusive=True)
    await orders_queue.bind(exchange, "payment.*")
    await payments_queue.bind(exchange, "order.*")
    engine = create_async_engine(POSTGRES_URL)

    # --- payments: an HTTP API, a gRPC server that publishes an event, a consumer -------
    payments_app = FastAPI()

    @payments_app.get("/quotes/{order_id}")
    async def quote(order_id: int) -> dict[str, str]:
        with payments.tracing.business_span("payments.quote", order_id=order_id):
            return {"amount": "19.99"}

    @payments_app.get("/health")
    async def payments_health() -> dict[str, str]:
        return {"status": "ok"}

    async def charge(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
        order = json.loads(request)
        with payments.tracing.business_span("payments.charge", order_id=order["order_id"],
                                            saga_id=order["saga_id"]):
            headers: dict[str, Any] = {"event-type": "PaymentCaptured"}
            message_id = str(uuid.uuid4())
            with payments.messages.publish_span(exchange.name, "payment.captured", headers,
                                                message_id=message_id):
                await exchange.publish(aio_pika.Message(b"{}", headers=headers,
                                                        message_id=message_id),
                                       routing_key="payment.captured")
        return b'{"status": "captured"}'

    async def on_order_event(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        async with message.process():
            with payments.messages.consume_span(message, payments_queue.name) as span:
                if not consumed["payments"].done():
                    consumed["payments"].set_result(
                        {"span": span, "headers": dict(message.headers)})

    # --- orders: the entry point -----------------------------------------------------------
    orders_app = FastAPI()

    @orders_app.post("/api/orders")
    async def place_order(request: Request) -> dict[str, Any]:
        user = request.headers["x-user-id"]
        with orders.tracing.business_span("orders.place", user_id=user, order_id=42,
                                          saga_id="saga-1") as span:
            log.info("placing the order")
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            import httpx  # imported here: instrumented process-wide by setup_tracing

            async with httpx.AsyncClient(base_url=request.app.state.payments_url) as client:
                price = (await client.get("/quotes/42")).json()
            interceptors = orders.tracing.grpc_client_interceptors()
            async with grpc.aio.insecure_channel(request.app.state.grpc_target,
                                                 interceptors=interceptors) as grpc_channel:
                reply = await grpc_channel.unary_unary(CHARGE)(
                    json.dumps({"order_id": 42, "saga_id": "saga-1"}).encode(), timeout=5)
                # a health check on the same channel: probes make no spans
                await health_pb2_grpc.HealthStub(grpc_channel).Check(
                    health_pb2.HealthCheckRequest(), timeout=5)
            # the event is recorded now and published later by the relay
            outbox.append({"routing_key": "order.placed",
                           "trace_context": orders.messages.trace_headers()})
            return {"price": price, "payment": json.loads(reply),
                    "trace_id": format(span.get_span_context().trace_id, "032x")}

    @orders_app.get("/health")
    async def orders_health() -> dict[str, str]:
        return {"status": "ok"}

    @orders_app.get("/ready")
    async def orders_ready() -> dict[str, str]:
        return {"status": "ready"}

    async def on_payment_event(message: aio_pika.abc.AbstractIncomingMessage) -> None:
        async with message.process():
            with orders.messages.consume_span(message, orders_queue.name) as span:
                if not consumed["orders"].done():
                    consumed["orders"].set_result({"span": span,
                                                   "headers": dict(message.headers)})

    orders.tracing.setup_tracing(orders_app, "orders", exporter=exporter)
    payments.tracing.setup_tracing(payments_app, "payments", exporter=exporter)
    orders.tracing.instrument_engine(engine)

    grpc_server = grpc.aio.server(interceptors=payments.tracing.grpc_server_interceptors())
    grpc_server.add_generic_rpc_handlers((grpc.method_handlers_generic_handler(
        "payments.v1.PaymentService", {"Charge": grpc.unary_unary_rpc_method_handler(charge)}),))
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, grpc_server)
    grpc_port = grpc_server.add_insecure_port("127.0.0.1:0")
    await grpc_server.start()
    consumers = [(orders_queue, await orders_queue.consume(on_payment_event)),
                 (payments_queue, await payments_queue.consume(on_order_event))]
    try:
        async with serving(payments_app) as payments_url, serving(orders_app) as orders_url:
            orders_app.state.payments_url = payments_url
            orders_app.state.grpc_target = f"127.0.0.1:{grpc_port}"
            for url in (f"{orders_url}/health", f"{orders_url}/ready",
                        f"{payments_url}/health"):
                assert (await asyncio.to_thread(http_call, url))[0] == 200
            status, body = await asyncio.to_thread(
                http_call, f"{orders_url}/api/orders", "POST",
                {"X-Correlation-ID": f"corr-{run}", "X-User-Id": "user-7"})
            assert status == 200, body
            answer = json.loads(body)
            assert answer["payment"] == {"status": "captured"}
            # the outbox relay: a loop outside any request, publishing what was recorded
            for row in outbox:
                headers: dict[str, Any] = {}
                with orders.messages.publish_span(exchange.name, row["routing_key"], headers,
                                                  parent=row["trace_context"]):
                    await exchange.publish(aio_pika.Message(b"{}", headers=headers),
                                           routing_key=row["routing_key"])
            to_orders = await asyncio.wait_for(consumed["orders"], 10)
            to_payments = await asyncio.wait_for(consumed["payments"], 10)
            # SQL outside any operation (the outbox relay's polling) is not exported
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 2 AS orphan_poll"))
    finally:
        await grpc_server.stop(None)
        for queue, tag in consumers:
            await queue.cancel(tag)
        await orders_queue.delete(if_unused=False, if_empty=False)
        await payments_queue.delete(if_unused=False, if_empty=False)
        await exchange.delete()
        await connection.close()
        await engine.dispose()

    spans = list(exporter.get_finished_spans())
    trace_ids = {format(s.context.trace_id, "032x") for s in spans}
    assert trace_ids == {answer["trace_id"]}, [(s.name, s.context.trace_id) for s in spans]

    server = by_name(spans, "POST /api/orders", "orders")
    assert server.kind is SpanKind.SERVER and server.parent is None
    assert server.attributes["correlation_id"] == f"corr-{run}"
    assert server.attributes["user_id"] == "user-7"
    place = by_name(spans, "orders.place", "orders")
    assert parent_of(place) == server.context.span_id
    assert (place.attributes["user_id"], place.attributes["order_id"],
            place.attributes["saga_id"]) == ("user-7", 42, "saga-1")

    sql = [s for s in spans if s.attributes.get("db.system") == "postgresql"
           or s.attributes.get("db.system.name") == "postgresql"]
    assert sql and all(parent_of(s) == place.context.span_id for s in sql)

    http_client = next(s for s in spans if s.kind is SpanKind.CLIENT
                       and s.resource.attributes["service.name"] == "orders"
                       and s.name.startswith("GET"))
    quote_server = by_name(spans, "GET /quotes/{order_id}", "payments")
    assert parent_of(http_client) == place.context.span_id
    assert parent_of(quote_server) == http_client.context.span_id

    grpc_client = next(s for s in spans if s.kind is SpanKind.CLIENT and s.name == CHARGE)
    grpc_server_span = next(s for s in spans if s.kind is SpanKind.SERVER and s.name == CHARGE)
    assert grpc_client.resource.attributes["service.name"] == "orders"
    assert grpc_server_span.resource.attributes["service.name"] == "payments"
    assert parent_of(grpc_server_span) == grpc_client.context.span_id
    charge_span = by_name(spans, "payments.charge", "payments")
    assert parent_of(charge_span) == grpc_server_span.context.span_id

    captured = by_name(spans, f"send {exchange.name}", "payments")
    assert captured.kind is SpanKind.PRODUCER
    assert parent_of(captured) == charge_span.context.span_id
    orders_consumer = by_name(spans, f"process {orders_queue.name}", "orders")
    assert orders_consumer.kind is SpanKind.CONSUMER
    assert parent_of(orders_consumer) == captured.context.span_id
    assert orders_consumer.attributes["messaging.rabbitmq.destination.routing_key"] == (
        "payment.captured")
    assert to_orders["headers"]["traceparent"].split("-")[1] == answer["trace_id"]

    relayed = by_name(spans, f"send {exchange.name}", "orders")
    assert parent_of(relayed) == place.context.span_id  # the request that wrote the outbox
    payments_consumer = by_name(spans, f"process {payments_queue.name}", "payments")
    assert parent_of(payments_consumer) == relayed.context.span_id
    assert to_payments["span"].get_span_context().trace_id == place.context.trace_id

    assert not [s for s in spans if "orphan_poll" in str(s.attributes.get("db.statement"))]
    # probes are not traced: /health, /ready and the gRPC health check made no span
    assert not [s for s in spans if "/health" in s.name or "/ready" in s.name
                or "grpc.health" in s.name]
    # a log line written inside the business span names its trace and span
    record = next(r for r in logged if r.getMessage() == "placing the order")
    assert record.trace_id == answer["trace_id"]  # type: ignore[attr-defined]
    assert record.span_id == format(place.context.span_id, "016x")  # type: ignore[attr-defined]


class _Delivered:
    """The parts of an aio-pika incoming message ``consume_span`` reads."""

    def __init__(self, headers: dict[str, Any]) -> None:
        self.headers = headers
        self.exchange = "domain-events"
        self.routing_key = "order.placed"
        self.message_id = "m-1"


def test_consume_span_continues_only_the_trace_in_the_headers(load_core: Any) -> None:
    core = load_core("notifications")
    exporter = InMemorySpanExporter()
    core.tracing.configure_tracing("notifications", exporter=exporter)
    headers: dict[str, Any] = {}
    with core.messages.publish_span("domain-events", "order.placed", headers,
                                    message_id="m-1") as producer:
        pass
    # AMQP may hand header values back as bytes
    as_bytes = {key: value.encode() for key, value in headers.items()}
    with core.messages.consume_span(_Delivered(as_bytes), "notifications.orders") as linked:
        pass
    with core.messages.consume_span(_Delivered({}), "notifications.orders") as orphan:
        pass
    producer_context = producer.get_span_context()
    assert linked.get_span_context().trace_id == producer_context.trace_id
    assert linked.parent.span_id == producer_context.span_id
    assert orphan.get_span_context().trace_id != producer_context.trace_id
    assert orphan.parent is None
    attributes = linked.attributes
    assert attributes["messaging.system"] == "rabbitmq"
    assert attributes["messaging.message.id"] == "m-1"
    assert attributes["messaging.destination.subscription.name"] == "notifications.orders"


def test_business_span_records_ids_and_failures(load_core: Any) -> None:
    core = load_core("catalog")
    exporter = InMemorySpanExporter()
    core.tracing.configure_tracing("catalog", exporter=exporter)
    saga = uuid.UUID("12345678-1234-5678-1234-567812345678")
    with pytest.raises(RuntimeError), core.tracing.business_span(
            "catalog.reserve", user_id=7, order_id=None, saga_id=saga, sku="A-1"):
        core.tracing.tag_span(order_id=42)
        raise RuntimeError("out of stock")
    (span,) = exporter.get_finished_spans()
    assert span.name == "catalog.reserve"
    assert dict(span.attributes) == {"user_id": 7, "saga_id": str(saga), "sku": "A-1",
                                     "order_id": 42}
    assert span.status.status_code is StatusCode.ERROR
    assert span.events[0].name == "exception"


def test_probe_exclusion_matches_only_the_root_probes(load_core: Any) -> None:
    import re

    pattern = re.compile(load_core("users").tracing.EXCLUDED_URLS)
    assert pattern.search("http://orders:8002/health")
    assert pattern.search("https://127.0.0.1/ready/")
    assert not pattern.search("http://orders:8002/api/orders/health")
    assert not pattern.search("http://orders:8002/ready-orders")


def test_exporter_follows_the_standard_variables(load_core: Any,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import (
        OTLPSpanExporter as GrpcExporter,
    )
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import (
        OTLPSpanExporter as HttpExporter,
    )

    tracing = load_core("users").tracing
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "none")
    assert tracing.configured_exporter() is None
    monkeypatch.setenv("OTEL_TRACES_EXPORTER", "otlp")
    assert isinstance(tracing.configured_exporter(), GrpcExporter)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
    assert isinstance(tracing.configured_exporter(), HttpExporter)
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "thrift")
    with pytest.raises(ValueError, match="thrift"):
        tracing.configured_exporter()


def test_every_service_gets_lint_clean_tracing_and_the_guide(generated: Path,
                                                            shop_analysis: Analysis) -> None:
    import subprocess

    analysis = shop_analysis
    files = sorted(generated.rglob("*.py"))
    services = {p.relative_to(generated / "services").parts[0] for p in files}
    assert len(services) == len(analysis.services)
    for service in services:
        core = generated / "services" / service / "app" / "core"
        assert (core / "tracing.py").is_file() and (core / "message_tracing.py").is_file()
        assert f'SERVICE_NAME = "{service}"' in (core / "tracing.py").read_text()
    ruff = Path(sys.executable).with_name("ruff")
    proc = subprocess.run([str(ruff), "check", "--isolated", "--line-length", "100",
                           "--target-version", "py311", "--select", "E,F,W,I,B,UP,SIM",
                           *map(str, files)], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    # the generated services promise `mypy --strict`; the modules differ only in a name
    core = generated / "services" / "orders" / "app" / "core"
    for package in (core, core.parent):  # the service skeleton writes these
        (package / "__init__.py").touch()
    proc = subprocess.run([str(Path(sys.executable).with_name("mypy")), "--strict",
                           "--cache-dir", str(generated.parent / "mypy-cache"),
                           str(core / "tracing.py"), str(core / "message_tracing.py")],
                          capture_output=True, text=True, timeout=120, cwd=core.parents[1])
    assert proc.returncode == 0, proc.stdout + proc.stderr
    guide = (generated / "docs" / "tracing.md").read_text()
    # the walk follows the analysis: orders calls payments, orders' event reaches notifications
    assert "curl -i http://localhost:8080/api/orders" in guide
    assert "calls **payments** synchronously" in guide
    assert "**notifications**\nconsumes" in guide or "**notifications** consumes" in guide
