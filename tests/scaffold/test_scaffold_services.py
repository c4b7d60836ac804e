"""The generated services, running: each one migrated into a fresh PostgreSQL database and
served by uvicorn; used through HTTP like a client would; its events read from RabbitMQ;
its own generated tests run; and a broker outage (a TCP proxy cut between the service and
RabbitMQ) survived without losing an event.

The expectations here are written by hand for the shop analysis, independently of the
generated code they check.
"""

from __future__ import annotations

import importlib
import sys
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from scaffold_hostile import build_hostile_analysis
from scaffold_processes import ServiceProcess, run_generated_tests, start_all
from scaffold_rabbit import Event, EventQueue, TcpProxy

from reports.scaffold import scaffold

SHOP = ["catalog", "notifications", "orders", "payments", "users"]


@pytest.fixture(scope="module")
def exchange() -> Iterator[str]:
    name = f"scaffold-test-{uuid.uuid4().hex[:8]}"
    events = EventQueue(name, ["#"])  # declares the exchange; removed with it at the end
    yield name
    events.close(delete_exchange=True)


@pytest.fixture(scope="module")
def running(shop_services: Path, exchange: str) -> Iterator[dict[str, ServiceProcess]]:
    services = {name: ServiceProcess(shop_services / name, exchange) for name in SHOP}
    try:
        start_all(list(services.values()))
        yield services
    finally:
        for service in services.values():
            service.stop()


@pytest.fixture
def events(exchange: str) -> Iterator[EventQueue]:
    queue = EventQueue(exchange, ["#"])
    yield queue
    queue.close()


def _post(service: ServiceProcess, path: str, body: dict[str, object],
          correlation_id: str | None = None) -> dict[str, object]:
    headers = {"X-Correlation-ID": correlation_id} if correlation_id else {}
    response = httpx.post(service.url + path, json=body, headers=headers, timeout=10)
    assert response.status_code == 201, response.text
    created: dict[str, object] = response.json()
    return created


def _contracts(service_root: Path) -> ModuleType:
    """The contracts package the service carries (its copy at the service's root)."""
    package = next(p.parent.name for p in service_root.glob("*/envelope.py"))
    sys.path.insert(0, str(service_root))
    try:
        return importlib.import_module(package)
    finally:
        sys.path.remove(str(service_root))


def _get(service: ServiceProcess, path: str, **params: object) -> httpx.Response:
    return httpx.get(service.url + path, params=params, timeout=10)  # type: ignore[arg-type]


def test_every_service_is_live_and_ready(running: dict[str, ServiceProcess]) -> None:
    for name, service in running.items():
        assert _get(service, "/health").json() == {"status": "ok"}, name
        ready = _get(service, "/ready")
        assert ready.status_code == 200, (name, ready.text)
        assert ready.json()["checks"] == {"database": "ok", "broker": "ok"}


def test_tables_are_in_each_services_own_schema(running: dict[str, ServiceProcess]) -> None:
    from scaffold_processes import query

    rows = query(running["orders"].database,
                 "SELECT table_schema, table_name FROM information_schema.tables "
                 "WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")
    # saga_*, processed_messages: its part in the checkout saga (reports/scaffold/saga);
    # contract_evidence: the payments and shipments rows OrderPaid and OrderShipped carry
    assert sorted(rows) == [("orders", "alembic_version"), ("orders", "contract_evidence"),
                            ("orders", "order_items"),
                            ("orders", "orders"), ("orders", "outbox_events"),
                            ("orders", "processed_messages"), ("orders", "saga_history"),
                            ("orders", "saga_instances"), ("orders", "saga_ledger"),
                            ("orders", "shipments")]


def test_order_lifecycle_through_http_and_rabbitmq(running: dict[str, ServiceProcess],
                                                   shop_services: Path,
                                                   events: EventQueue) -> None:
    orders = running["orders"]
    order = _post(orders, "/api/orders", {
        "user_id": 7,
        "currency": "EUR",
        "total": "12.20",
        "items": [{"product_id": 3, "product_name": "Mug", "quantity": 2, "unit_price": "4.50"},
                  {"product_id": 5, "product_name": "Tea", "quantity": 1, "unit_price": "3.20"}],
    }, correlation_id="checkout-1")
    assert order["status"] == "created"
    assert [i["product_name"] for i in order["items"]] == ["Mug", "Tea"]  # type: ignore[attr-defined]
    assert _get(orders, f"/api/orders/{order['id']}").json() == order

    paid = httpx.post(f"{orders.url}/api/orders/{order['id']}/status", json={"status": "paid"},
                      headers={"X-Correlation-ID": "pay-1"}, timeout=10)
    assert paid.status_code == 200 and paid.json()["status"] == "paid"
    assert paid.headers["X-Correlation-ID"] == "pay-1"
    bogus = httpx.post(f"{orders.url}/api/orders/{order['id']}/status",
                       json={"status": "teleported"}, timeout=10)
    assert bogus.status_code == 422

    second = _post(orders, "/api/orders", {"user_id": 7, "items": []})
    _post(orders, "/api/orders", {"user_id": 8, "items": []})
    history = _get(orders, "/api/orders", user_id=7).json()
    assert [o["id"] for o in history["items"]] == [second["id"], order["id"]]  # newest first
    assert history["total"] == 2
    assert [o["id"] for o in _get(orders, "/api/orders", status="paid").json()["items"]] == [
        order["id"]]
    page = _get(orders, "/api/orders", limit=1, offset=1).json()
    assert (len(page["items"]), page["total"], page["offset"]) == (1, 3, 1)

    key = str(order["id"])
    created, changed = (
        events.wait_for(lambda e, t=t: e.type == t and e.body["aggregate_id"] == key)
        for t in ("OrderCreated", "OrderStatusChanged")
    )
    assert created and changed
    # OrderCreated is the contract event, in the contract envelope, not the service's own.
    assert len(created) == 1
    assert created[0].routing_key == "orders.order.created.v1"
    assert created[0].correlation_id == "checkout-1"
    envelope = created[0].body
    assert {"event_id", "type", "version", "occurred_at", "correlation_id", "traceparent",
            "payload"} <= set(envelope)
    assert (envelope["type"], envelope["version"], envelope["correlation_id"]) == (
        "OrderCreated", 1, "checkout-1")
    payload = envelope["payload"]
    assert (payload["orderId"], payload["userId"]) == (order["id"], 7)
    assert Decimal(payload["total"]) == Decimal("12.20")
    assert [(i["productId"], i["quantity"]) for i in payload["items"]] == [(3, 2), (5, 1)]
    contracts = _contracts(shop_services / "orders")
    typed = contracts.EventEnvelope.model_validate(envelope).event(contracts.EVENT_TYPES)
    assert type(typed) is contracts.OrderCreated and typed.order_id == order["id"]
    assert changed[0].routing_key == "orders.order.status_changed.v1"
    # Published in commit order: by now the order's every OrderCreated has arrived.
    assert [e for e in events.received
            if e.type == "OrderCreated" and e.body["aggregate_id"] == key] == created
    assert changed[0].correlation_id == "pay-1"
    assert (changed[0].body["payload"]["previous_status"],
            changed[0].body["payload"]["status"]) == ("created", "paid")


def test_the_other_services_through_http(running: dict[str, ServiceProcess]) -> None:
    users, catalog = running["users"], running["catalog"]
    user = _post(users, "/api/users", {"email": "ada@example.com", "password_hash": "x",
                                       "full_name": "Ada"})
    assert (user["sms_opt_in"], user["is_active"]) == (False, True)  # defaults kept
    duplicate = httpx.post(f"{users.url}/api/users",
                           json={"email": "ada@example.com", "password_hash": "y"}, timeout=10)
    assert duplicate.status_code == 409
    address = _post(users, "/api/users/addresses", {
        "user_id": user["id"], "line1": "1 Main St", "city": "Berlin", "postal_code": "10115"})
    assert address["country"] == "DE"
    assert [a["id"] for a in _get(users, "/api/users/addresses",
                                  user_id=user["id"]).json()["items"]] == [address["id"]]
    renamed = httpx.patch(f"{users.url}/api/users/{user['id']}", json={"full_name": "Ada L."},
                          timeout=10)
    assert renamed.json()["full_name"] == "Ada L."

    product = _post(catalog, "/api/catalog/products",
                    {"sku": "MUG-1", "name": "Mug", "price": "4.50"})
    category = _post(catalog, "/api/catalog/categories", {"name": "Kitchen", "slug": "kitchen"})
    link = _post(catalog, "/api/catalog/product-categories",
                 {"product_id": product["id"], "category_id": category["id"]})
    assert _get(catalog, f"/api/catalog/product-categories/{product['id']}/"
                         f"{category['id']}").json() == link
    orphan = httpx.post(f"{catalog.url}/api/catalog/product-categories",
                        json={"product_id": 999999, "category_id": category["id"]}, timeout=10)
    assert orphan.status_code == 409  # the foreign key inside the service holds
    stock = _post(catalog, "/api/catalog/inventory", {"product_id": product["id"]})
    assert (stock["quantity"], stock["reorder_level"]) == (0, 5)

    payment = _post(running["payments"], "/api/payments",
                    {"order_id": 1, "amount": "7.70", "card_last4": "4242"})
    assert payment["status"] == "pending"
    refund = _post(running["payments"], "/api/payments/refunds",
                   {"payment_id": payment["id"], "amount": "7.70", "transaction_id": "t-1"})
    assert refund["reason"] == ""

    notification = _post(running["notifications"], "/api/notifications", {
        "user_id": user["id"], "channel": "email", "kind": "order_paid",
        "recipient": "ada@example.com", "body": "Paid.", "payload": {"order": 1}})
    assert notification["payload"] == {"order": 1}
    assert _get(running["notifications"], "/api/notifications",
                channel="sms").json()["items"] == []


def test_generated_tests_pass(shop_services: Path, tmp_path: Path) -> None:
    hostile = tmp_path / "hostile"
    scaffold(build_hostile_analysis(), hostile)
    roots = [shop_services / name for name in SHOP]
    roots += sorted((hostile / "services").iterdir())
    results = run_generated_tests(roots)
    failed = {name: output[-3000:] for name, (code, output) in results.items() if code != 0}
    assert failed == {}
    for name, (_, output) in results.items():
        assert " passed" in output.splitlines()[-1], (name, output[-500:])


def test_broker_outage_loses_no_event(shop_services: Path, exchange: str,
                                      events: EventQueue) -> None:
    with TcpProxy("127.0.0.1", 5672) as proxy:
        orders = ServiceProcess(shop_services / "orders", exchange, extra_env={
            "RABBITMQ_URL": f"amqp://guest:guest@127.0.0.1:{proxy.port}/",
            "BROKER_RECONNECT_MAX_DELAY": "0.5",
            "OUTBOX_MAX_BACKOFF": "0.5",
        })
        try:
            start_all([orders])
            assert orders.wait_for_ready(200).status_code == 200

            proxy.cut()
            down = orders.wait_for_ready(503)
            assert down.status_code == 503, down.text
            assert down.json()["checks"] == {"database": "ok", "broker": "down"}

            made = [_post(orders, "/api/orders", {"user_id": 40 + n, "items": []})
                    for n in range(3)]
            moved = httpx.post(f"{orders.url}/api/orders/{made[0]['id']}/status",
                               json={"status": "cancelled"}, timeout=10)
            assert moved.status_code == 200
            waiting = _get(orders, "/ready")
            assert waiting.status_code == 503
            # 3 OrderCreated, and for the cancel OrderStatusChanged and the contract's
            # OrderCancelled
            assert waiting.json()["pending_events"] == 5
            keys = {str(o["id"]) for o in made}
            assert not events.wait_for(lambda e: e.body["aggregate_id"] in keys, timeout=1.0)

            proxy.restore()
            back = orders.wait_for_ready(200, timeout=30)
            assert back.status_code == 200, back.text

            def ours(e: Event) -> bool:
                return e.body["aggregate_id"] in keys

            delivered = events.wait_for(ours, count=5, timeout=30)
            assert sorted(e.type or "" for e in delivered) == [
                "OrderCancelled", "OrderCreated", "OrderCreated", "OrderCreated",
                "OrderStatusChanged"]
            assert len({e.message_id for e in delivered}) == 5
            drained = orders.wait_for_ready(200)
            assert drained.json()["pending_events"] == 0
        finally:
            orders.stop()


def test_database_outage_turns_ready_to_503_and_back(shop_services: Path,
                                                     exchange: str) -> None:
    with TcpProxy("127.0.0.1", 5432) as proxy:
        users = ServiceProcess(shop_services / "users", exchange,
                               extra_env={"POSTGRES_PORT": str(proxy.port)})
        try:
            start_all([users])
            assert users.wait_for_ready(200).status_code == 200
            proxy.cut()
            down = users.wait_for_ready(503)
            assert down.status_code == 503, down.text
            assert down.json()["checks"] == {"database": "down", "broker": "ok"}
            assert _get(users, "/health").status_code == 200  # liveness does not care
            proxy.restore()
            assert users.wait_for_ready(200).status_code == 200
            _post(users, "/api/users", {"email": "back@example.com", "password_hash": "x"})
        finally:
            users.stop()
