"""The migration proof (issue #8), as CI runs it: the system ``strangler scaffold`` made of
the shop monolith runs (services as processes, nginx gateway, PostgreSQL schema per
service, RabbitMQ, Redis), the monolith's data is migrated into it, and then

* the monolith's own API suite, unchanged, passes against the gateway
  (``scripts/migration_proof.py`` does the same and prints each test);
* fault drills run on it: the payments service killed during checkouts; the broker
  unreachable for 10 s; a message the notifications service fails on; forged tokens and a
  burst of requests at the gateway.

Every test of the suite must pass: the moved code runs in its services, another service's
functions are remote calls or messages, its rows come from its owner's API (SQL over them
reads the owner's schema, read-only), business errors keep their status codes."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import jwt
import psycopg
import pytest
from migration_proof import (
    ADMIN,
    RABBITMQ_URL,
    migrated_system,
    proof_env,
    run_suite,
    wait_until_healthy,
)
from scaffold_rabbit import TcpProxy

from reports.scaffold.runner.system import LocalSystem

SUITE = 58  # tests in fixtures/shop_monolith/tests (parametrised cases counted)
# Hand-written changes applied after generation, if any were needed (issue #8 asks for
# them to be kept there and counted; the goal is none)
PATCHES = Path(__file__).resolve().parents[2] / "fixtures" / "shop_migration"
GOOD_CARD = "4242424242424242"
# The gateway's limit per user or address and minute in these runs: the suite sends at most
# 187 requests from one address
RATE_LIMIT = 400


@pytest.fixture(scope="module")
def broker() -> Iterator[TcpProxy]:
    """The services reach RabbitMQ through this proxy: a drill cuts it."""
    with TcpProxy() as proxy:
        yield proxy


@pytest.fixture(scope="module")
def migrated(fixture_system: Path, broker: TcpProxy,
             ) -> Iterator[tuple[LocalSystem, dict[str, str]]]:
    env = proof_env()
    env["LEGACY_MESSAGE_RETRY_DELAY"] = "0.5"  # a failing message is dead-lettered sooner
    with migrated_system(fixture_system, env, generated=True, rate_limit=RATE_LIMIT,
                         rabbitmq_url=f"amqp://guest:guest@127.0.0.1:{broker.port}/",
                         ) as system:
        yield system, env


def test_the_monoliths_own_suite_passes_through_the_gateway(
        migrated: tuple[LocalSystem, dict[str, str]]) -> None:
    system, env = migrated
    junit = Path(tempfile.mkdtemp(prefix="proof-junit-")) / "junit.xml"
    outcome = run_suite(system.base_url, env, junit, [])
    report = "\n".join(f"{name}: {why}" for name, why in outcome.failed.items())
    assert outcome.total == SUITE, report
    assert not outcome.failed, report
    assert len(outcome.passed) == SUITE
    # ... on the generated tree as generated: migrated_system applies no patch, and there
    # is none to apply
    hand_written = sum(len(p.read_text().splitlines()) for p in PATCHES.rglob("*")
                       if p.is_file()) if PATCHES.exists() else 0
    assert hand_written == 0


def test_crossings_travel_over_grpc_messages_and_remote_calls(
        migrated: tuple[LocalSystem, dict[str, str]]) -> None:
    """After the suite (its checkouts, cancellations, shipments): each service records how
    the calls into its moved code came. A function a generated JSON rpc replaces is called
    over the generated gRPC client (the product lookup in catalog), a call nobody waits on is
    a message (the confirmation e-mails), one a typed rpc stands for is still a remote call
    (the charge in payments)."""
    system, _ = migrated
    schemas = {s.name: s.schema_name for s in system.manifest.services}
    with psycopg.connect(f"host=127.0.0.1 user=postgres dbname={system.options.database}",
                         ) as connection:
        def via(service: str) -> dict[str, int]:
            rows = connection.execute(f'SELECT via, count(*) FROM "{schemas[service]}".'
                                      "strangler_legacy_calls GROUP BY via").fetchall()
            return {str(kind): int(count) for kind, count in rows}

        assert via("catalog").get("grpc", 0) > 0, via("catalog")
        assert via("users").get("grpc", 0) > 0, via("users")  # the checkout's address
        assert via("notifications").get("message", 0) > 0, via("notifications")
        assert via("payments").get("http", 0) > 0, via("payments")


def _ok(response: httpx.Response, code: int) -> Any:
    assert response.status_code == code, (response.status_code, response.text[:500])
    return response.json()


def _login(shop: httpx.Client, email: str, password: str) -> dict[str, str]:
    token = _ok(shop.post("/api/users/login", json={"email": email, "password": password}),
                200)
    return {"Authorization": f"Bearer {token['access_token']}"}


def _product(shop: httpx.Client, *, stock: int, price: str = "7.50") -> dict[str, Any]:
    product: dict[str, Any] = _ok(shop.post(
        "/api/catalog/products", headers=_login(shop, *ADMIN),
        json={"name": f"Drill-{uuid.uuid4().hex[:8]}", "price": price,
              "initial_stock": stock}), 201)
    return product


def _buyer(shop: httpx.Client) -> dict[str, str]:
    """A new customer with a default address: their authorization header."""
    email = f"drill-{uuid.uuid4().hex[:8]}@example.com"
    _ok(shop.post("/api/users/register", json={"email": email, "password": "s3cret-passw0rd"}),
        201)
    buyer = _login(shop, email, "s3cret-passw0rd")
    _ok(shop.post("/api/users/me/addresses", headers=buyer, json={
        "recipient_name": "Drill", "line1": "1 Drill Street", "city": "Berlin",
        "postal_code": "10115", "is_default": True}), 201)
    return buyer


def _confirmations(shop: httpx.Client, buyer: dict[str, str]) -> list[int]:
    """The order ids of the buyer's e-mailed order confirmations (one per notification)."""
    notes = _ok(shop.get("/api/notifications", headers=buyer), 200)
    return sorted(n["order_id"] for n in notes
                  if n["kind"] == "order_confirmation" and n["channel"] == "email")


def _eventually(check: Any, what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"not within {timeout:.0f} s: {what}")
        time.sleep(0.25)


@pytest.mark.parametrize("victim", ["payments", "catalog"])
def test_killing_a_service_during_checkouts_loses_nothing(
        migrated: tuple[LocalSystem, dict[str, str]], victim: str) -> None:
    """SIGKILL a service the checkout calls while checkouts run through the gateway and
    start it again 3 s later: payments (the charge, a remote call) or catalog (the product
    lookup, over the generated gRPC client). The orders service's calls wait for it (same
    call id on every retry, so a charge that ran is not run twice), every checkout
    completes, each order has exactly one captured payment, and the stock is exactly what
    was sold."""
    system, _ = migrated
    shop = httpx.Client(base_url=system.base_url, timeout=90)
    product = _product(shop, stock=40)
    buyer = _buyer(shop)

    results: list[httpx.Response | Exception] = []
    lock = threading.Lock()

    def buy(count: int) -> None:
        with httpx.Client(base_url=system.base_url, timeout=90, headers=buyer) as client:
            for _ in range(count):
                try:
                    response: httpx.Response | Exception = client.post("/api/orders", json={
                        "items": [{"product_id": product["id"], "quantity": 2}],
                        "card_number": GOOD_CARD})
                except httpx.HTTPError as exc:
                    response = exc
                with lock:
                    results.append(response)

    buyers = [threading.Thread(target=buy, args=(4,)) for _ in range(3)]
    for thread in buyers:
        thread.start()
    deadline = time.monotonic() + 60
    while len(results) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    system.stop_service(victim, kill=True)
    killed_after = len(results)
    time.sleep(3)
    restarted = system.start_service(victim)
    wait_until_healthy(f"http://127.0.0.1:{system.ports[victim]}/health", timeout=60)
    for thread in buyers:
        thread.join(timeout=180)
    assert restarted.exited() is None
    assert killed_after < 12, "the kill came after every checkout"
    failures = [r if isinstance(r, Exception) else (r.status_code, r.text[:300])
                for r in results if isinstance(r, Exception) or r.status_code != 201]
    assert len(results) == 12 and not failures, failures
    orders = [r.json() for r in results if isinstance(r, httpx.Response)]
    assert {o["status"] for o in orders} == {"paid"}
    for order in orders:
        payments = _ok(shop.get(f"/api/payments/orders/{order['id']}", headers=buyer), 200)
        assert [p["status"] for p in payments] == ["captured"], (order["id"], payments)
        assert Decimal(payments[0]["amount"]) == Decimal("15.00")
    stock = _ok(shop.get(f"/api/catalog/products/{product['id']}"), 200)["stock"]
    assert stock == 40 - 2 * 12


def test_the_broker_gone_for_10_s_loses_no_message(
        migrated: tuple[LocalSystem, dict[str, str]], broker: TcpProxy) -> None:
    """Every service's link to RabbitMQ cut for 10 s while customers check out: the
    checkouts succeed (their confirmation e-mails are messages, written to the orders
    service's outbox with the order), no confirmation arrives while the broker is away, and
    once it is back every order gets exactly one."""
    system, _ = migrated
    shop = httpx.Client(base_url=system.base_url, timeout=60)
    product = _product(shop, stock=10)
    buyer = _buyer(shop)
    broker.cut()
    try:
        cut_at = time.monotonic()
        orders = [_ok(shop.post("/api/orders", headers=buyer, json={
            "items": [{"product_id": product["id"], "quantity": 1}],
            "card_number": GOOD_CARD}), 201)["id"] for _ in range(4)]
        time.sleep(max(0.0, 10 - (time.monotonic() - cut_at)))
        assert _confirmations(shop, buyer) == [], "a message went by while the broker was cut"
    finally:
        broker.restore()
    _eventually(lambda: _confirmations(shop, buyer) == sorted(orders),
                f"one confirmation for each of {orders}")
    time.sleep(2)  # a message delivered twice would show by now
    assert _confirmations(shop, buyer) == sorted(orders)


async def _dead_letters(queue: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        dead = await channel.declare_queue(queue, passive=True)
        found = []
        while (message := await dead.get(no_ack=True, fail=False)) is not None:
            found.append(message)
        return found


def test_a_message_notifications_fails_on_is_dead_lettered_and_others_flow(
        migrated: tuple[LocalSystem, dict[str, str]]) -> None:
    """A confirmation for an order whose customer does not exist (the notifications service
    raises on it) is tried LEGACY_MESSAGE_ATTEMPTS times and parked in the dead-letter
    queue with its error; a real checkout's confirmation meanwhile arrives."""
    system, _ = migrated
    shop = httpx.Client(base_url=system.base_url, timeout=60)
    call_id = uuid.uuid4().hex
    poison = {"payload": {
        "target": "shop.services.notifications.send_order_confirmation",
        "args": [{"__session__": True},
                 {"__row__": "orders", "columns": {
                     "id": 2_000_000_000, "user_id": 2_000_000_000, "currency": "EUR",
                     "total": {"__decimal__": "9.99"}}}],
        "kwargs": {}, "call_id": call_id}}

    async def publish() -> None:
        connection = await aio_pika.connect(RABBITMQ_URL)
        async with connection:
            channel = await connection.channel(publisher_confirms=True)
            exchange = await channel.get_exchange(system.options.events_exchange)
            await exchange.publish(aio_pika.Message(json.dumps(poison).encode(),
                                                    message_id=call_id),
                                   routing_key="legacy.notifications")

    asyncio.run(publish())
    product = _product(shop, stock=5)
    buyer = _buyer(shop)
    order = _ok(shop.post("/api/orders", headers=buyer, json={
        "items": [{"product_id": product["id"], "quantity": 1}], "card_number": GOOD_CARD}),
        201)
    _eventually(lambda: _confirmations(shop, buyer) == [order["id"]],
                "the real order's confirmation")
    queue = f"{system.options.queue_prefix}notifications.legacy.dead"
    parked: list[aio_pika.abc.AbstractIncomingMessage] = []

    def dead_lettered() -> bool:
        parked.extend(asyncio.run(_dead_letters(queue)))
        return any(m.message_id == call_id for m in parked)

    _eventually(dead_lettered, f"the failing message in {queue}")
    message = next(m for m in parked if m.message_id == call_id)
    headers = message.headers or {}
    assert headers.get("x-attempt") == 5
    assert "AttributeError" in str(headers.get("x-last-error")), headers
    assert json.loads(message.body) == poison


def _token(claims: dict[str, Any], secret: str, **changes: Any) -> str:
    return jwt.encode({**claims, **changes}, secret, algorithm="HS256")


def test_the_gateway_holds_tokens_and_the_rate_limit(
        migrated: tuple[LocalSystem, dict[str, str]]) -> None:
    """The monolith's own tokens, checked at the gateway: none, a forged signature, an
    unsigned one and an expired one are refused before any service sees them; a customer
    sending past the limit gets 429 with Retry-After while another customer is served."""
    system, env = migrated
    shop = httpx.Client(base_url=system.base_url, timeout=60)
    buyer = _buyer(shop)
    token = buyer["Authorization"].removeprefix("Bearer ")
    claims = jwt.decode(token, options={"verify_signature": False})
    secret = env["SHOP_JWT_SECRET"]
    unsigned = jwt.encode(claims, None, algorithm="none")
    refused = {
        "no token": {},
        "forged": {"Authorization": f"Bearer {_token(claims, 'not-the-secret' * 3)}"},
        "unsigned": {"Authorization": f"Bearer {unsigned}"},
        "expired": {"Authorization": "Bearer " + _token(
            claims, secret, exp=int(time.time()) - 60, iat=int(time.time()) - 3600)},
    }
    for name, headers in refused.items():
        assert shop.get("/api/orders", headers=headers).status_code == 401, name
    assert shop.get("/api/orders", headers=buyer).status_code == 200
    assert "exp" in claims and dt.datetime.fromtimestamp(claims["exp"]) > dt.datetime.now()

    statuses: list[int] = []
    retry_after: set[str] = set()
    lock = threading.Lock()

    def burst(count: int) -> None:
        with httpx.Client(base_url=system.base_url, timeout=60, headers=buyer) as client:
            for _ in range(count):
                response = client.get("/api/orders")
                with lock:
                    statuses.append(response.status_code)
                    if response.status_code == 429:
                        retry_after.add(response.headers.get("Retry-After", ""))

    senders = [threading.Thread(target=burst, args=(RATE_LIMIT // 4 + 25,)) for _ in range(4)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=120)
    assert len(statuses) == RATE_LIMIT + 100
    assert set(statuses) == {200, 429}, set(statuses)
    assert statuses.count(200) <= RATE_LIMIT  # earlier requests of this customer count too
    assert statuses.count(429) >= 100
    assert all(value.isdigit() and int(value) > 0 for value in retry_after), retry_after
    assert shop.get("/api/orders", headers=_buyer(shop)).status_code == 200
