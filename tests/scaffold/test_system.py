"""The whole generated system, running: ``scaffold`` of the shop analysis started without
Docker by the local runner (``LocalSystem``) against the real PostgreSQL, Redis, RabbitMQ
and Debian's nginx, used through its gateway like a client would, then stopped with nothing
left running.

The expectations are written by hand for the shop analysis, independently of the generated
code they check.
"""

from __future__ import annotations

import json
import socket
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grpc
import psycopg
import pytest
from gateway_support import TokenMint
from grpc_health.v1 import health_pb2, health_pb2_grpc
from scaffold_rabbit import EventQueue, delete_queues, free_port

from analyzer.model.analysis import Analysis
from reports.scaffold import scaffold
from reports.scaffold.runner import LocalSystem, RunOptions

# What a client of the shop reaches through the gateway: one list route per service.
LIST_ROUTES = {
    "users": "/api/users",
    "catalog": "/api/catalog/products",
    "orders": "/api/orders",
    "payments": "/api/payments",
    "notifications": "/api/notifications",
}
BUDGET_SECONDS = 90


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: Any


def call(url: str, *, method: str = "GET", body: object = None,
         headers: dict[str, str] | None = None) -> Reply:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers={
        **({"Content-Type": "application/json"} if data else {}), **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            status, raw, found = response.status, response.read(), response.headers
    except urllib.error.HTTPError as exc:
        status, raw, found = exc.code, exc.read(), exc.headers
    text = raw.decode() if raw else ""
    return Reply(status, {k.lower(): v for k, v in found.items()},
                 json.loads(text) if text.startswith(("{", "[")) else text)


def process_groups(leaders: set[int]) -> set[int]:
    """Every live process in the process groups of ``leaders`` (uvicorn's workers, nginx's)."""
    members = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) in leaders and fields[0] != "Z":
            members.add(int(entry.name))
    return members


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Running:
    system: LocalSystem
    mint: TokenMint
    events: EventQueue
    started: float

    @property
    def base(self) -> str:
        return self.system.base_url

    def bearer(self, user: str = "user-7") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.mint.for_user(user)}"}


@pytest.fixture(scope="module")
def running(tmp_path_factory: pytest.TempPathFactory,
            shop_analysis: Analysis) -> Iterator[Running]:
    started = time.monotonic()
    tmp = tmp_path_factory.mktemp("system")
    out = tmp / "system"
    scaffold(shop_analysis, out)
    mint = TokenMint()
    key = tmp / "jwt_public.pem"
    key.write_text(mint.public_pem)
    exchange = f"system-test-{uuid.uuid4().hex[:8]}"
    database = f"system_test_{uuid.uuid4().hex[:10]}"
    events = EventQueue(exchange, ["#"])  # declares the exchange before the services start
    names = [s.name for s in shop_analysis.services]
    options = RunOptions(
        gateway_port=free_port(), ports={n: free_port() for n in names},
        grpc_ports={n: free_port() for n in names}, database=database, quiet=True,
        log_dir=tmp / "logs", jwt_public_key=key, ready_timeout=60, stop_timeout=10,
        queue_prefix=f"{exchange}-", events_exchange=exchange,
        extra_env={"OTEL_TRACES_EXPORTER": "none", "OUTBOX_POLL_INTERVAL": "0.2"})
    system = LocalSystem(out, options)
    try:
        system.start()
        yield Running(system, mint, events, started)
    finally:
        system.stop()
        events.close(delete_exchange=True)
        delete_queues(f"{exchange}-")
        with psycopg.connect("host=127.0.0.1 user=postgres dbname=postgres",
                             autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')


def test_every_service_is_ready(running: Running) -> None:
    for name, port in running.system.ports.items():
        ready = call(f"http://127.0.0.1:{port}/ready")
        assert ready.status == 200, (name, ready.body)
        assert ready.body["checks"] == {"database": "ok", "broker": "ok"}, name


def test_each_prefix_reaches_its_service_through_the_gateway(running: Running) -> None:
    assert set(LIST_ROUTES) == set(running.system.ports)
    for name, route in LIST_ROUTES.items():
        reply = call(running.base + route, headers={**running.bearer(),
                                                    "X-Correlation-ID": f"list-{name}"})
        assert reply.status == 200, (name, reply.body)
        # the service's own page of rows, not an answer of the gateway
        assert set(reply.body) == {"items", "total", "limit", "offset"}, (name, reply.body)
        assert reply.headers["x-correlation-id"] == f"list-{name}", name
    unknown = call(running.base + "/api/nowhere", headers=running.bearer())
    assert unknown.status == 404


def test_a_protected_route_needs_a_token(running: Running) -> None:
    assert call(running.base + "/api/orders").status == 401
    forged = TokenMint().for_user("user-7")  # signed with a key the gateway does not know
    assert call(running.base + "/api/orders",
                headers={"Authorization": f"Bearer {forged}"}).status == 401
    assert call(running.base + "/api/orders", headers=running.bearer()).status == 200
    # the catalog's reads are public, as the analysis' browsing context suggests
    assert call(running.base + "/api/catalog/products").status == 200


def test_a_status_change_reaches_rabbitmq_with_its_trace(running: Running) -> None:
    order = call(running.base + "/api/orders", method="POST", headers=running.bearer(), body={
        "user_id": 7, "items": [{"product_id": 3, "product_name": "Mug", "quantity": 2,
                                 "unit_price": "4.50"}]})
    assert order.status == 201, order.body
    paid = call(f"{running.base}/api/orders/{order.body['id']}/status", method="POST",
                headers={**running.bearer(), "X-Correlation-ID": "system-pay-1"},
                body={"status": "paid"})
    assert paid.status == 200 and paid.body["status"] == "paid", paid.body
    key = str(order.body["id"])
    changed = running.events.wait_for(
        lambda e: e.type == "OrderStatusChanged" and e.body["aggregate_id"] == key)
    assert changed, [e.type for e in running.events.received]
    event = changed[0]
    assert event.routing_key == "orders.order.status_changed.v1"
    assert (event.body["payload"]["previous_status"], event.body["payload"]["status"]) == (
        "created", "paid")
    # the correlation id and the trace context travel with the message
    assert event.correlation_id == "system-pay-1"
    assert event.headers["x-correlation-id"] == "system-pay-1"
    version, trace_id, span_id, _ = event.headers["traceparent"].split("-")
    assert version == "00" and len(trace_id) == 32 and len(span_id) == 16
    # the envelope names the request's span, in the same trace as the relay's publish
    assert event.body["traceparent"].split("-")[1] == trace_id


def test_the_payment_service_serves_grpc_health(running: Running) -> None:
    port = running.system.grpc_ports["payments"]
    assert set(running.system.grpc_ports) == {"payments"}  # the only gRPC target
    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        for service in ("", "payments.v1.PaymentService"):
            reply = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=5)
            assert reply.status == health_pb2.HealthCheckResponse.SERVING, service


def test_stopping_leaves_nothing_running(running: Running) -> None:
    system = running.system
    leaders = {p.pid for p in system.processes if p.pid}
    assert len(leaders) == len(LIST_ROUTES) + 1  # the services and the gateway
    ports = [system.gateway_port, *system.ports.values(), *system.grpc_ports.values()]
    assert all(listening(port) for port in ports)
    system.stop()
    assert process_groups(leaders) == set()
    assert [port for port in ports if listening(port)] == []
    assert time.monotonic() - running.started < BUDGET_SECONDS
