"""The generated event contracts, consumer and publisher on the real RabbitMQ and PostgreSQL.

The consumer runs as its own process (``python -m app.events.consumer`` in the generated
notifications service) and the publisher is the generated orders service's outbox relay.
Every test uses its own exchange and queues, deleted afterwards; the shared broker is never
stopped: an outage is a TCP proxy between a service and the broker going away.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import importlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import ModuleType
from typing import Any

import aio_pika
import httpx
import pytest
from scaffold_processes import (
    ServiceProcess,
    create_database,
    drop_database,
    query,
    service_env,
    start_all,
)
from scaffold_rabbit import RABBITMQ_URL, PrivateRabbit, TcpProxy, delete_queues
from shop_analysis import build_shop_analysis

from analyzer.model.analysis import Analysis
from reports.scaffold import scaffold
from reports.scaffold.events import EventCatalog, plan_events

# The test's own sender, loaded by the consumer through EVENTS_SENDER: it refuses one
# mailbox, so an event about that person fails however often it is retried.
REFUSING_SENDER = '''
from app.events.senders import OutgoingMessage, RecordingSender


class RefusingSender:
    def __init__(self) -> None:
        self._inner = RecordingSender()

    async def send(self, session, message: OutgoingMessage) -> None:
        if message.recipient == "user:666":
            raise RuntimeError("the mailbox of user 666 refuses everything")
        await self._inner.send(session, message)
'''

# Runs in the generated orders service: orders and their contract events, written in one
# transaction through the generated models and app.events.published.
ORDER_WRITER = '''
import asyncio
import sys
from decimal import Decimal

from app.core.config import get_settings
from app.core.db import create_engine, create_sessionmaker
from app.events.published import contract_events, record_contract_event
from app.models import Order, OrderItem


async def main(first_user: int, count: int) -> None:
    engine = create_engine(get_settings())
    sessions = create_sessionmaker(engine)
    async with sessions() as session, session.begin():
        for user_id in range(first_user, first_user + count):
            order = Order(user_id=user_id, total=Decimal("12.50"), currency="EUR", items=[
                OrderItem(product_id=7, product_name="Tea", quantity=5,
                          unit_price=Decimal("2.50"))])
            session.add(order)
            await session.flush()
            for event in contract_events(order, "created"):
                record_contract_event(session, event)
    await engine.dispose()


asyncio.run(main(int(sys.argv[1]), int(sys.argv[2])))
'''


@dataclass
class System:
    root: Path
    analysis: Analysis
    catalog: EventCatalog
    contracts: ModuleType
    plugins: Path

    @property
    def pythonpath(self) -> str:
        return os.pathsep.join([str(self.root / "contracts"), str(self.plugins)])

    def service(self, name: str) -> Path:
        return self.root / "services" / self.catalog.blueprints[name].slug


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> System:
    root = tmp_path_factory.mktemp("events")
    analysis = build_shop_analysis()
    scaffold(analysis, root)  # writes contracts/ and the services' event modules too
    catalog = plan_events(analysis)
    plugins = root / "plugins"
    plugins.mkdir()
    (plugins / "refusing_sender.py").write_text(REFUSING_SENDER)
    sys.path.insert(0, str(root / "contracts"))
    try:
        contracts = importlib.import_module(catalog.package)
    finally:
        sys.path.remove(str(root / "contracts"))
    return System(root, analysis, catalog, contracts, plugins)


@pytest.fixture
def exchange() -> Iterator[str]:
    name = f"events-test-{uuid.uuid4().hex[:10]}"
    yield name
    asyncio.run(_delete(exchanges=(name,)))


# --------------------------------------------------------------------------- broker


async def _delete(*, queues: tuple[str, ...] = (), exchanges: tuple[str, ...] = ()) -> None:
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        for queue in queues:
            await channel.queue_delete(queue)
        for name in exchanges:
            await channel.exchange_delete(name)


async def _publish(exchange: str, bodies: list[tuple[str, bytes, str | None]]) -> None:
    """(routing key, body, message id) each, persistent, confirmed by the broker."""
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        topic = await channel.declare_exchange(exchange, aio_pika.ExchangeType.TOPIC,
                                               durable=True)
        for routing_key, body, message_id in bodies:
            await topic.publish(aio_pika.Message(
                body, message_id=message_id, content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT), routing_key=routing_key)


async def _queue_state(name: str, url: str = RABBITMQ_URL) -> tuple[int, int]:
    """(ready messages, consumers) of an existing queue."""
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, passive=True)
        result = queue.declaration_result
        return result.message_count or 0, result.consumer_count or 0


async def _take(name: str) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    """Every message of a queue: (headers, body)."""
    connection = await aio_pika.connect(RABBITMQ_URL)
    taken = []
    async with connection:
        channel = await connection.channel()
        queue = await channel.declare_queue(name, passive=True)
        while (message := await queue.get(no_ack=True, fail=False)) is not None:
            try:
                body = json.loads(message.body)
            except ValueError:
                body = {"raw": message.body.decode(errors="replace")}
            taken.append((dict(message.headers or {}), body))
    return taken


def wait_until(condition: Callable[[], Any], *, timeout: float = 20.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.1)


class HoldingProxy(TcpProxy):
    """A proxy that can also hold what the client sends (an ack stays in the proxy, as if
    the consumer's process died before it reached the broker)."""

    def __init__(self) -> None:
        super().__init__("127.0.0.1", 5672)
        self.holding = threading.Event()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        upstream = writer.get_extra_info("peername") == self.target
        try:
            while data := await reader.read(65536):
                if upstream and self.holding.is_set():
                    continue  # swallowed: the broker never hears it
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            self._writers.discard(writer)
            writer.transport.abort()


# --------------------------------------------------------------------------- processes


class Consumer:
    """``python -m app.events.consumer`` of a generated service, with its own queue."""

    def __init__(self, system: System, service: str, database: str, exchange: str,
                 queue: str, **settings: str) -> None:
        self.root = system.service(service)
        self.schema = system.catalog.blueprints[service].schema
        self.queue = queue
        self.broker = settings.get("RABBITMQ_URL", RABBITMQ_URL)
        self.log = system.root / f"consumer-{queue}-{uuid.uuid4().hex[:6]}.log"
        self.env = service_env(
            POSTGRES_DB=database, EVENTS_EXCHANGE=exchange, EVENTS_QUEUE=queue,
            PYTHONPATH=system.pythonpath, LOG_LEVEL="INFO", BROKER_RECONNECT_MAX_DELAY="0.5",
            **settings)
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> Consumer:
        with self.log.open("ab") as log:
            self.process = subprocess.Popen([sys.executable, "-m", "app.events.consumer"],
                                            cwd=self.root, env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT)
        wait_until(self._consuming, timeout=20, what=f"a consumer on {self.queue}")
        return self

    def _consuming(self) -> bool:
        assert self.process is not None and self.process.poll() is None, self.log.read_text()
        try:
            return asyncio.run(_queue_state(self.queue, self.broker))[1] >= 1
        except aio_pika.exceptions.ChannelClosed:  # not declared yet
            return False

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def lines(self) -> list[dict[str, Any]]:
        found = []
        for line in self.log.read_text().splitlines():
            try:
                found.append(json.loads(line))
            except ValueError:
                continue
        return found


@pytest.fixture
def notifications_db(system: System) -> Iterator[str]:
    """A migrated database of the generated notifications service."""
    database = f"events_notifications_{uuid.uuid4().hex[:8]}"
    create_database(database)
    proc = subprocess.run([sys.executable, "-m", "app.prestart"],
                          cwd=system.service("notifications"),
                          env=service_env(POSTGRES_DB=database, PYTHONPATH=system.pythonpath),
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    yield database
    drop_database(database)


@pytest.fixture
def queue_name(request: pytest.FixtureRequest) -> Iterator[str]:
    name = f"events-test-{uuid.uuid4().hex[:8]}"
    yield name
    retry = [f"{name}.retry.{ms}ms" for ms in (300, 1000, 2000)]
    asyncio.run(_delete(queues=(name, f"{name}.dead", *retry)))


def _envelope(system: System, event: Any, *, event_id: uuid.UUID | None = None) -> bytes:
    envelope = system.contracts.EventEnvelope.wrap(event, source="test", event_id=event_id,
                                                   correlation_id="corr-test")
    return json.dumps(envelope.wire()).encode()


def _order_paid(system: System, order_id: int, user_id: int) -> Any:
    return system.contracts.OrderPaid(order_id=order_id, user_id=user_id,
                                      payment_id=900 + order_id, amount=Decimal("19.99"))


def _sent(database: str, schema: str) -> list[tuple[Any, ...]]:
    return query(database, f"SELECT event_id::text, channel, recipient, subject, body, sent_at "
                           f'FROM "{schema}".sent_messages ORDER BY id')


def _processed(database: str, schema: str) -> list[tuple[Any, ...]]:
    return query(database, f'SELECT consumer, event_id::text FROM "{schema}".processed_messages')


# --------------------------------------------------------------------------- contracts


def test_contracts_carry_the_briefs_fields_derived_from_the_analysis(system: System) -> None:
    contracts = system.contracts
    aliases = {name: {f.alias or n for n, f in getattr(contracts, name).model_fields.items()}
               for name in ("OrderCreated", "OrderPaid", "OrderShipped")}
    assert {"orderId", "userId", "items", "total"} <= aliases["OrderCreated"]
    assert {"orderId", "paymentId", "amount"} <= aliases["OrderPaid"]
    assert {"orderId", "trackingNumber", "estimatedDelivery"} <= aliases["OrderShipped"]
    # Card data never travels, though the payments row that reports "paid" has it.
    assert not any("card" in a.lower() for a in aliases["OrderPaid"])
    # One event per value of the status enum, and the saga's outcomes.
    values = next(c.enum_values for c in system.analysis.table("orders").columns
                  if c.name == "status")
    assert {f"Order{v.capitalize()}" for v in values or []} <= set(contracts.EVENT_TYPES)
    assert {"CheckoutStepSucceeded", "CheckoutStepFailed", "CheckoutStepCompensated",
            "CheckoutCompleted", "CheckoutAborted"} <= set(contracts.EVENT_TYPES)

    created = contracts.OrderCreated(
        order_id=5, user_id=7, total=Decimal("5.00"), currency="EUR",
        items=[contracts.OrderItem(product_id=1, product_name="Tea", quantity=2,
                                   unit_price=Decimal("2.50"))])
    wire = contracts.EventEnvelope.wrap(created, source="orders", traceparent="00-a-b-01").wire()
    assert set(wire) >= {"event_id", "type", "version", "occurred_at", "correlation_id",
                         "traceparent", "payload"}
    assert wire["type"] == "OrderCreated" and wire["version"] == 1
    assert wire["payload"]["items"][0]["unitPrice"] == "2.50"
    back = contracts.EventEnvelope.model_validate(wire).event(contracts.EVENT_TYPES)
    assert back == created
    # A payload that misses a required field is refused, not half-read.
    with pytest.raises(ValueError):
        contracts.EventEnvelope.model_validate(
            {**wire, "payload": {"orderId": 5}}).event(contracts.EVENT_TYPES)
    newer = contracts.EventEnvelope.model_validate({**wire, "version": 2})
    with pytest.raises(contracts.UnsupportedVersion):
        newer.event(contracts.EVENT_TYPES)


def test_contracts_package_installs_and_type_checks(system: System, tmp_path: Path) -> None:
    contracts = tmp_path / "contracts"
    shutil.copytree(system.root / "contracts", contracts)
    mypy = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(tmp_path / "c"), "."],
                          cwd=contracts, capture_output=True, text=True, timeout=300)
    assert mypy.returncode == 0, mypy.stdout + mypy.stderr
    target = tmp_path / "site"
    proc = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index",
                           "--no-build-isolation", "--target", str(target), str(contracts)],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (target / system.catalog.package / "py.typed").exists()
    assert (target / system.catalog.package / "events.py").exists()


# --------------------------------------------------------------------------- consumer


def test_poison_message_ends_in_the_dead_letter_queue_while_the_queue_flows(
        system: System, notifications_db: str, exchange: str, queue_name: str) -> None:
    consumer = Consumer(system, "notifications", notifications_db, exchange, queue_name,
                        EVENTS_MAX_ATTEMPTS="3", EVENTS_RETRY_DELAY="1.0",
                        EVENTS_SENDER="refusing_sender:RefusingSender").start()
    try:
        poison = _order_paid(system, 1, 666)
        good = [_order_paid(system, n, 10 + n) for n in range(2, 7)]
        poison_id = uuid.uuid4()
        asyncio.run(_publish(exchange, [
            (poison.routing_key, _envelope(system, poison, event_id=poison_id), None),
            (poison.routing_key, b"{not json", "garbage-1"),
            *[(e.routing_key, _envelope(system, e), None) for e in good],
        ]))
        dead = wait_until(lambda: asyncio.run(_take(f"{queue_name}.dead")), timeout=15,
                          what="the malformed message in the DLQ")
        # No retry can fix a body that is not an envelope: dead-lettered at the first attempt.
        assert [h["x-attempt"] for h, _ in dead] == [1]
        assert "ValidationError" in dead[0][0]["x-last-error"]

        dead = wait_until(lambda: asyncio.run(_take(f"{queue_name}.dead")), timeout=20,
                          what="the poison message in the DLQ")
        headers, body = dead[0]
        assert body["event_id"] == str(poison_id)
        assert headers["x-attempt"] == 3  # EVENTS_MAX_ATTEMPTS
        assert "user 666 refuses" in headers["x-last-error"]
        assert headers["x-original-routing-key"] == poison.routing_key

        sent = _sent(notifications_db, "notifications")
        assert sorted(r[2] for r in sent) == sorted(f"user:{e.user_id}" for e in good)
        assert all("Order" in r[3] and "paid" in r[3] for r in sent)
        assert all("amount: 19.99" in r[4] for r in sent)
        # The queue kept flowing: every good event was handled long before the poison
        # message had used its three attempts (one second apart).
        failed_at = headers["x-failed-at"]
        assert max(r[5] for r in sent).isoformat() < failed_at
        processed = {r[1] for r in _processed(notifications_db, "notifications")}
        assert str(poison_id) not in processed and len(processed) == len(good)
        assert asyncio.run(_queue_state(queue_name))[0] == 0
    finally:
        consumer.stop()


def test_duplicated_event_is_processed_once(system: System, notifications_db: str,
                                            exchange: str, queue_name: str) -> None:
    consumer = Consumer(system, "notifications", notifications_db, exchange, queue_name,
                        EVENTS_CHANNELS='["email", "sms"]', EVENTS_PREFETCH="1").start()
    try:
        event = _order_paid(system, 41, 42)
        event_id = uuid.uuid4()
        body = _envelope(system, event, event_id=event_id)
        last = _order_paid(system, 43, 44)
        asyncio.run(_publish(exchange, [
            (event.routing_key, body, str(event_id)),
            (event.routing_key, body, str(event_id)),
            # The same event again, re-serialised by another publisher.
            (event.routing_key, _envelope(system, event, event_id=event_id), None),
            (last.routing_key, _envelope(system, last), None),
        ]))
        wait_until(lambda: len(_processed(notifications_db, "notifications")) == 2,
                   what="both events processed")
        # One consumer, one message in flight at a time: the last one came after the copies.
        wait_until(lambda: sum(1 for line in consumer.lines()
                               if line.get("message") == "duplicate event skipped") == 2,
                   what="the two copies skipped")
        sent = _sent(notifications_db, "notifications")
        ours = [r for r in sent if r[0] == str(event_id)]
        assert sorted(r[1] for r in ours) == ["email", "sms"]
        assert all(r[2] == "user:42" for r in ours)
    finally:
        consumer.stop()


def test_consumer_killed_before_its_ack_gets_the_message_again_and_processes_it_once(
        system: System, notifications_db: str, exchange: str, queue_name: str) -> None:
    with HoldingProxy() as proxy:
        first = Consumer(system, "notifications", notifications_db, exchange, queue_name,
                         RABBITMQ_URL=f"amqp://guest:guest@127.0.0.1:{proxy.port}/").start()
        second = Consumer(system, "notifications", notifications_db, exchange, queue_name)
        try:
            proxy.holding.set()
            event = _order_paid(system, 77, 78)
            event_id = uuid.uuid4()
            asyncio.run(_publish(exchange, [(event.routing_key,
                                             _envelope(system, event, event_id=event_id),
                                             None)]))
            # The handler's transaction committed; its ack is stuck in the proxy.
            wait_until(lambda: _processed(notifications_db, "notifications"),
                       what="the first processing")
            first.kill()
            proxy.cut()  # the connection dies with the process: the broker requeues
            wait_until(lambda: asyncio.run(_queue_state(queue_name)) == (1, 0),
                       what="the unacked message back in the queue")

            second.start()
            wait_until(lambda: asyncio.run(_queue_state(queue_name))[0] == 0
                       and any(line.get("message") == "duplicate event skipped"
                               and line.get("event_id") == str(event_id)
                               for line in second.lines()),
                       what="the redelivery seen as a duplicate")
            assert [r[0] for r in _sent(notifications_db, "notifications")] == [str(event_id)]
            assert len(_processed(notifications_db, "notifications")) == 1
        finally:
            first.stop()
            second.stop()


# --------------------------------------------------------------------------- publisher


def test_publishing_while_the_broker_is_cut_off_loses_nothing(
        system: System, notifications_db: str, exchange: str, queue_name: str) -> None:
    with TcpProxy("127.0.0.1", 5672) as proxy:
        orders = ServiceProcess(system.service("orders"), exchange, extra_env={
            "RABBITMQ_URL": f"amqp://guest:guest@127.0.0.1:{proxy.port}/",
            "PYTHONPATH": system.pythonpath, "BROKER_RECONNECT_MAX_DELAY": "0.5",
            "OUTBOX_MAX_BACKOFF": "0.5"})
        consumer = Consumer(system, "notifications", notifications_db, exchange, queue_name)
        try:
            start_all([orders])
            consumer.start()

            def write_orders(first_user: int) -> None:
                proc = subprocess.run([sys.executable, "-c", ORDER_WRITER, str(first_user), "3"],
                                      cwd=orders.root, env=orders.env(), capture_output=True,
                                      text=True, timeout=60)
                assert proc.returncode == 0, proc.stdout + proc.stderr

            write_orders(100)  # while connected
            wait_until(lambda: len(_sent(notifications_db, "notifications")) == 3,
                       what="the first orders announced")
            proxy.cut()
            write_orders(200)  # committed with their events while the broker is away
            time.sleep(1.5)
            assert len(_sent(notifications_db, "notifications")) == 3
            pending = query(orders.database, 'SELECT count(*) FROM "orders".outbox_events '
                                             "WHERE published_at IS NULL")
            assert pending[0][0] >= 3

            proxy.restore()
            wait_until(lambda: len(_sent(notifications_db, "notifications")) == 6,
                       timeout=30, what="the orders written during the outage announced")
            time.sleep(0.5)
            sent = _sent(notifications_db, "notifications")
            assert sorted(r[2] for r in sent) == [f"user:{u}" for u in
                                                  (100, 101, 102, 200, 201, 202)]
            assert all("Order" in r[3] and "created" in r[3] for r in sent)
            assert all("items:" in r[4] and "productName: Tea" in r[4] for r in sent)
            assert len({r[0] for r in sent}) == 6
        finally:
            consumer.stop()
            orders.stop()


def test_each_service_carries_the_same_contracts(system: System) -> None:
    """The services that publish or consume events (saga participants included) hold a copy
    of the contracts package at their root, identical to contracts/ (what their tests, type
    check and image use)."""
    package = system.catalog.package
    canonical = {p.name: p.read_bytes() for p in (system.root / "contracts" / package).iterdir()
                 if p.is_file()}
    holders = sorted(p.parent.name for p in (system.root / "services").glob(f"*/{package}"))
    assert holders == ["catalog", "notifications", "orders", "payments"]
    for name in holders:
        copy = system.root / "services" / name / package
        assert {p.name: p.read_bytes() for p in copy.iterdir() if p.is_file()} == canonical
    # The image carries it too (so a built service can import it); users has no copy.
    for service in sorted((system.root / "services").iterdir()):
        copies = [line for line in (service / "Dockerfile").read_text().splitlines()
                  if line.startswith("COPY") and line.split()[-2:] == [package, f"./{package}"]]
        assert len(copies) == (1 if service.name in holders else 0), service.name


def test_the_system_readme_links_the_contracts_and_the_sagas(system: System) -> None:
    readme = (system.root / "README.md").read_text()
    for target in ("contracts/README.md", "docs/sagas.md"):
        assert f"]({target})" in readme, target
        assert (system.root / target).is_file(), target


def test_derivation_words_and_consumer_kinds() -> None:
    from reports.scaffold.events.catalog import is_sensitive, noun_stem, stems_match, verb_stem

    pairs = {"paid": "payments", "shipped": "shipments", "refunded": "refunds",
             "cancelled": "cancellations", "delivered": "deliveries", "reserved": "reservations"}
    for value, table in pairs.items():
        assert stems_match(verb_stem(value), noun_stem(table)), (value, table)
    assert not stems_match(verb_stem("created"), noun_stem("payments"))
    assert not stems_match(verb_stem("paid"), noun_stem("shipments"))
    assert is_sensitive("card_last4") and is_sensitive("password_hash")
    assert not is_sensitive("shipping_address_id") and not is_sensitive("amount")


def test_a_consumer_that_does_not_notify_keeps_a_projection(
        system: System, exchange: str, queue_name: str, tmp_path: Path) -> None:
    """An async dependency whose target does not send messages gets a projection handler:
    a local copy of the publisher's aggregates, merged event by event, in any order."""
    analysis = system.analysis.model_copy(deep=True)
    notifications = analysis.service("notifications")
    notifications.name = "ledger"
    notifications.domain_words = ["ledger"]
    for table in analysis.tables:
        if table.owner == "notifications":
            table.owner = "ledger"
    for dep in analysis.dependencies:
        if dep.target == "notifications":
            dep.target, dep.reason = "ledger", "every order change is booked"
    analysis.sagas = [s.model_copy(update={"services": ["ledger" if n == "notifications"
                                                        else n for n in s.services]})
                      for s in analysis.sagas]
    consumers = plan_events(analysis).consumers
    assert [(c.service, c.handler) for c in consumers] == [("ledger", "project")]
    assert {e.name for e in consumers[0].events} >= {"OrderCreated", "OrderPaid"}

    scaffold(analysis, tmp_path)
    ledger = System(tmp_path, analysis, plan_events(analysis), system.contracts, system.plugins)
    database = f"events_ledger_{uuid.uuid4().hex[:8]}"
    create_database(database)
    consumer = Consumer(ledger, "ledger", database, exchange, queue_name)
    try:
        proc = subprocess.run([sys.executable, "-m", "app.prestart"], cwd=ledger.service("ledger"),
                              env=consumer.env, capture_output=True, text=True, timeout=120)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        consumer.start()
        contracts = system.contracts
        created = contracts.OrderCreated(order_id=31, user_id=4, total=Decimal("7.50"),
                                         currency="EUR", items=[])
        paid = _order_paid(system, 31, 4)
        stamp = contracts.EventEnvelope.wrap
        newer = stamp(paid, source="test")
        older = stamp(created, source="test",
                      occurred_at=newer.occurred_at - dt.timedelta(seconds=5))
        # The newer event first: the older one may only fill in what the row lacks.
        asyncio.run(_publish(exchange, [
            (paid.routing_key, json.dumps(newer.wire()).encode(), None),
            (created.routing_key, json.dumps(older.wire()).encode(), None)]))
        rows = wait_until(lambda: [r for r in query(
            database, "SELECT aggregate_type, aggregate_id, status, last_event, state "
                      "FROM ledger.event_projections") if "total" in r[4]],
            what="both events in the projection")
        (aggregate, key, status, last, state), = rows
        assert (aggregate, key, status, last) == ("order", "31", "paid", "OrderPaid")
        assert state["paymentId"] == 931 and state["total"] == "7.50"
        assert state["amount"] == "19.99"
    finally:
        consumer.stop()
        drop_database(database)


# --------------------------------------------------------------------------- evidence


async def _bind_capture(exchange: str, queue: str, routing_keys: list[str]) -> None:
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel()
        topic = await channel.declare_exchange(exchange, aio_pika.ExchangeType.TOPIC,
                                               durable=True)
        declared = await channel.declare_queue(queue, durable=False, auto_delete=False)
        for key in routing_keys:
            await declared.bind(topic, key)


def test_order_paid_and_shipped_carry_their_evidence_once_whichever_comes_last(
        system: System, exchange: str) -> None:
    """OrderPaid needs the payments row (another service), OrderShipped the shipments row
    (the orders service's own): each is published once the order's status and its evidence
    are both known, in either order, and only once."""
    tag = uuid.uuid4().hex[:8]
    capture = f"events-test-capture-{tag}"
    asyncio.run(_bind_capture(exchange, capture, ["orders.order.*.v1"]))
    common = {"PYTHONPATH": system.pythonpath, "BROKER_RECONNECT_MAX_DELAY": "0.5"}
    orders = ServiceProcess(system.service("orders"), exchange,
                            extra_env={**common, "EVENTS_QUEUE": f"events-test-o-{tag}"})
    payments = ServiceProcess(system.service("payments"), exchange,
                              extra_env={**common, "EVENTS_QUEUE": f"events-test-p-{tag}"})
    def post(service: ServiceProcess, path: str, body: dict[str, Any]) -> dict[str, Any]:
        response = httpx.post(f"{service.url}{path}", json=body, timeout=10)
        assert response.status_code in (200, 201), response.text
        result: dict[str, Any] = response.json()
        return result

    def new_order(user_id: int) -> int:
        return int(post(orders, "/api/orders", {
            "user_id": user_id, "status": "created", "total": "30.00", "currency": "EUR",
            "shipping_address_id": 5, "items": [{"product_id": 1, "product_name": "Tea",
                                                 "quantity": 2, "unit_price": "15.00"}],
        })["id"])

    def pay(order_id: int, amount: str) -> int:
        return int(post(payments, "/api/payments", {
            "order_id": order_id, "amount": amount, "currency": "EUR", "status": "pending",
            "card_last4": "4242", "transaction_id": f"tx-{uuid.uuid4().hex[:12]}",
        })["id"])

    def ship(order_id: int) -> int:
        return int(post(orders, "/api/orders/shipments", {
            "order_id": order_id, "address_id": 5, "carrier": "DHL",
            "tracking_number": f"TRK-{order_id}", "status": "pending",
            "estimated_delivery": "2026-12-24",
        })["id"])

    def set_status(order_id: int, value: str) -> None:
        post(orders, f"/api/orders/{order_id}/status", {"status": value})

    seen: list[dict[str, Any]] = []

    def announced(event_type: str, order_id: int) -> list[dict[str, Any]]:
        seen.extend(body for _, body in asyncio.run(_take(capture)))
        return [b["payload"] for b in seen
                if b.get("type") == event_type and b["payload"]["orderId"] == order_id]

    try:
        start_all([orders, payments])
        assert orders.wait_for_ready(200).status_code == 200

        # The payment first, then the status.
        early = new_order(11)
        payment = pay(early, "30.00")
        time.sleep(1.0)
        assert announced("OrderPaid", early) == []  # evidence alone publishes nothing
        set_status(early, "paid")
        paid = wait_until(lambda: announced("OrderPaid", early), what="OrderPaid (status last)")
        assert paid == [{"orderId": early, "userId": 11, "paymentId": payment,
                         "amount": "30.00"}]

        # The status first, then the payment; a second payment afterwards changes nothing.
        late = new_order(12)
        set_status(late, "paid")
        time.sleep(1.0)
        assert announced("OrderPaid", late) == []  # the status alone publishes nothing
        payment = pay(late, "30.00")
        paid = wait_until(lambda: announced("OrderPaid", late), what="OrderPaid (evidence last)")
        assert paid[0]["paymentId"] == payment
        pay(late, "30.00")

        # The shipments row is the orders service's own.
        shipment = ship(early)
        set_status(early, "shipped")
        shipped = wait_until(lambda: announced("OrderShipped", early), what="OrderShipped")
        assert shipped == [{"orderId": early, "userId": 11, "shipmentId": shipment,
                            "trackingNumber": f"TRK-{early}", "estimatedDelivery": "2026-12-24"}]

        time.sleep(2.0)  # time for a duplicate to show up, were there one
        assert len(announced("OrderPaid", early)) == 1
        assert len(announced("OrderPaid", late)) == 1
        assert len(announced("OrderShipped", early)) == 1
        evidence = query(orders.database, 'SELECT event_type, aggregate_id, published_at '
                                          'IS NOT NULL FROM "orders".contract_evidence '
                                          "ORDER BY 1, 2")
        assert evidence == [("OrderPaid", str(early), True), ("OrderPaid", str(late), True),
                            ("OrderShipped", str(early), True)]
    finally:
        orders.stop()
        payments.stop()
        asyncio.run(_delete(queues=(capture,)))
        delete_queues(f"events-test-o-{tag}")
        delete_queues(f"events-test-p-{tag}")


def test_publishing_across_a_broker_restart_loses_nothing(
        system: System, notifications_db: str, exchange: str) -> None:
    """The broker itself goes away (a private RabbitMQ node, stopped and started again,
    its durable queues kept on disk): orders committed meanwhile wait in the outbox and
    every event arrives once."""
    tag = uuid.uuid4().hex[:8]
    with PrivateRabbit() as rabbit:
        orders = ServiceProcess(system.service("orders"), exchange, extra_env={
            "RABBITMQ_URL": rabbit.url, "PYTHONPATH": system.pythonpath,
            "BROKER_RECONNECT_MAX_DELAY": "0.5", "OUTBOX_MAX_BACKOFF": "0.5",
            "EVENTS_QUEUE": f"restart-o-{tag}"})
        consumer = Consumer(system, "notifications", notifications_db, exchange,
                            f"restart-n-{tag}", RABBITMQ_URL=rabbit.url)
        try:
            start_all([orders])
            consumer.start()

            def write_orders(first_user: int) -> None:
                proc = subprocess.run([sys.executable, "-c", ORDER_WRITER, str(first_user), "3"],
                                      cwd=orders.root, env=orders.env(), capture_output=True,
                                      text=True, timeout=60)
                assert proc.returncode == 0, proc.stdout + proc.stderr

            write_orders(300)
            wait_until(lambda: len(_sent(notifications_db, "notifications")) == 3,
                       what="the first orders announced")
            rabbit.stop()
            write_orders(400)  # committed with their events while there is no broker
            time.sleep(10)
            assert len(_sent(notifications_db, "notifications")) == 3
            assert orders.wait_for_ready(503).status_code == 503
            rabbit.start()
            wait_until(lambda: len(_sent(notifications_db, "notifications")) == 6,
                       timeout=60, what="the orders written while the broker was down")
            time.sleep(1.0)
            sent = _sent(notifications_db, "notifications")
            assert sorted(r[2] for r in sent) == [f"user:{u}" for u in
                                                  (300, 301, 302, 400, 401, 402)]
            assert len({r[0] for r in sent}) == 6
            pending = query(orders.database, 'SELECT count(*) FROM "orders".outbox_events '
                                             "WHERE published_at IS NULL")
            assert pending[0][0] == 0
            assert orders.wait_for_ready(200).status_code == 200
        finally:
            consumer.stop()
            orders.stop()
