"""The generated checkout saga (choreography) on the real RabbitMQ and PostgreSQL.

The four services the shop's saga candidate involves run as real processes (uvicorn, their
lifespan starting the saga consumers and the outbox relay); the test starts sagas with the
tracker's command line, reads the tracker and every service's ledger, and injects failures
through ``SAGA_ACTIONS`` (the pluggable implementation of the steps).
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aio_pika
import httpx
import pytest
from scaffold_processes import ServiceProcess, query, start_all
from scaffold_rabbit import RABBITMQ_URL, delete_queues
from shop_analysis import build_shop_analysis

from analyzer.model.analysis import Analysis
from reports.scaffold import scaffold
from reports.scaffold.events import EventCatalog, plan_events
from reports.scaffold.saga import SagaSystem, event_flow, plan_sagas

# Injected step behaviour: the saga's data says which step to refuse; every done step
# returns a reference the next steps see (as a real reservation or charge would).
SCRIPTED_ACTIONS = '''
from app.saga.actions import LedgerActions, StepRefused


class Scripted(LedgerActions):
    async def do(self, session, saga, step, saga_id, data):
        if data.get("refuse") == step:
            raise StepRefused(f"{step} refused: {data.get('why', 'by the test')}")
        await super().do(session, saga, step, saga_id, data)
        return {f"{step}_ref": f"{step}-{saga_id.hex[:8]}"}
'''
SERVICES = ("catalog", "payments", "orders", "notifications")


@dataclass
class Shop:
    root: Path
    catalog: EventCatalog
    sagas: SagaSystem
    exchange: str
    services: dict[str, ServiceProcess]
    plugins: Path

    def env(self, name: str) -> dict[str, str]:
        return self.services[name].env()

    def tracker(self, *args: str) -> str:
        proc = subprocess.run([sys.executable, "-m", "app.saga.tracker", *args],
                              cwd=self.services["orders"].root, env=self.env("orders"),
                              capture_output=True, text=True, timeout=60)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return proc.stdout

    def start(self, data: dict[str, Any], *, timeout: float | None = None) -> str:
        extra = ["--timeout", str(timeout)] if timeout else []
        return self.tracker("start", "checkout", json.dumps(data), *extra).strip()

    def show(self, saga_id: str) -> dict[str, Any]:
        shown: dict[str, Any] = json.loads(self.tracker("show", saga_id))
        return shown

    def ledger(self, service: str, saga_id: str) -> dict[str, str]:
        rows = query(self.services[service].database,
                     f'SELECT step, state FROM "{service}".saga_ledger '
                     f"WHERE saga_id = '{saga_id}'")
        return {str(step): str(state) for step, state in rows}

    def confirmations(self, recipient: str) -> list[tuple[Any, ...]]:
        return query(self.services["notifications"].database,
                     "SELECT subject, body FROM notifications.sent_messages "
                     f"WHERE recipient = '{recipient}'")


def wait_until(condition: Callable[[], Any], *, timeout: float = 30.0, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.2)


def _finished(shop: Shop, saga_id: str, status: str) -> Callable[[], dict[str, Any] | None]:
    def check() -> dict[str, Any] | None:
        view = shop.show(saga_id)
        return view if view["status"] == status else None
    return check


async def _publish(exchange: str, messages: list[tuple[str, bytes]]) -> None:
    connection = await aio_pika.connect(RABBITMQ_URL)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        topic = await channel.declare_exchange(exchange, aio_pika.ExchangeType.TOPIC,
                                               durable=True)
        for routing_key, body in messages:
            await topic.publish(aio_pika.Message(body, content_type="application/json"),
                                routing_key=routing_key)


@pytest.fixture(scope="module")
def shop(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shop]:
    root = tmp_path_factory.mktemp("saga")
    analysis: Analysis = build_shop_analysis()
    scaffold(analysis, root)
    catalog = plan_events(analysis)
    sagas = plan_sagas(analysis, catalog)
    plugins = root / "plugins"
    plugins.mkdir()
    (plugins / "scripted_actions.py").write_text(SCRIPTED_ACTIONS)
    prefix = f"saga-test-{uuid.uuid4().hex[:8]}"
    exchange = f"{prefix}-events"
    services = {
        name: ServiceProcess(root / "services" / name, exchange, extra_env={
            "EVENTS_QUEUE": f"{prefix}-{name}", "PYTHONPATH": str(plugins),
            "SAGA_ACTIONS": "scripted_actions:Scripted", "SAGA_SWEEP_INTERVAL": "0.5",
            "OUTBOX_POLL_INTERVAL": "0.2", "BROKER_RECONNECT_MAX_DELAY": "0.5",
            "EVENTS_RETRY_DELAY": "0.5"})
        for name in SERVICES}
    try:
        start_all(list(services.values()))
        yield Shop(root, catalog, sagas, exchange, services, plugins)
    finally:
        for service in services.values():
            service.stop()
        delete_queues(prefix, exchange)


def test_the_saga_comes_from_the_analysis_candidate(shop: Shop) -> None:
    (checkout,) = shop.sagas.sagas
    assert [(s.name, s.service, s.compensation) for s in checkout.steps] == [
        ("reserve", "catalog", "release"), ("charge", "payments", "refund"),
        ("create_order", "orders", None)]
    assert checkout.initiator == "orders" and checkout.listeners == ["notifications"]
    diagram = event_flow(checkout)
    assert "s1 -.->|\"CheckoutStepFailed charge\"| c0" in diagram  # payment fails → release
    assert "s2 -.->|\"CheckoutStepFailed create_order\"| c1" in diagram  # → refund
    assert "c1 -.->|\"CheckoutStepCompensated charge\"| c0" in diagram  # → then release
    assert "```mermaid\n" + diagram in (shop.root / "docs" / "sagas.md").read_text()


def test_happy_path_completes_and_confirms(shop: Shop) -> None:
    saga_id = shop.start({"recipient": "user:7", "amount": "19.99"})
    view = wait_until(_finished(shop, saga_id, "completed"), what="completion")
    assert [h["event"] for h in view["history"]] == [
        "CheckoutStarted", "CheckoutStepSucceeded", "CheckoutStepSucceeded",
        "CheckoutStepSucceeded", "CheckoutCompleted"]
    assert view["current_step"] == "create_order"
    assert shop.ledger("catalog", saga_id) == {"reserve": "done"}
    assert shop.ledger("payments", saga_id) == {"charge": "done"}
    assert shop.ledger("orders", saga_id) == {"create_order": "done"}
    (subject, body), = wait_until(lambda: shop.confirmations("user:7"), what="confirmation")
    assert subject == "Checkout completed"
    # What the steps returned travelled with the saga to the end.
    assert f"reserve_ref: reserve-{saga_id.replace('-', '')[:8]}" in body
    assert "amount: 19.99" in body
    listing = shop.tracker("list")
    assert saga_id in listing and "completed" in listing
    # The same read API over HTTP, in the orders service that hosts the tracker.
    orders = shop.services["orders"].url
    one = httpx.get(f"{orders}/sagas/{saga_id}", timeout=10)
    assert one.status_code == 200, one.text
    assert one.json() == shop.show(saga_id)
    completed = httpx.get(f"{orders}/sagas", params={"status": "completed", "saga": "checkout"},
                          timeout=10).json()
    assert saga_id in {v["saga_id"] for v in completed}
    assert {v["status"] for v in completed} == {"completed"}
    assert httpx.get(f"{orders}/sagas/{uuid.uuid4()}", timeout=10).status_code == 404


def test_payment_declined_releases_the_inventory(shop: Shop) -> None:
    saga_id = shop.start({"recipient": "user:8", "refuse": "charge", "why": "card declined"})
    view = wait_until(_finished(shop, saga_id, "aborted"), what="abort")
    assert [(h["event"], h["step"]) for h in view["history"]] == [
        ("CheckoutStarted", None), ("CheckoutStepSucceeded", "reserve"),
        ("CheckoutStepFailed", "charge"), ("CheckoutStepCompensated", "reserve"),
        ("CheckoutAborted", None)]
    assert view["reason"] == "charge refused: card declined"
    assert shop.ledger("catalog", saga_id) == {"reserve": "compensated"}
    assert shop.ledger("payments", saga_id) == {"charge": "failed"}
    time.sleep(0.5)
    assert shop.ledger("orders", saga_id) in ({}, {"create_order": "refused"})
    assert shop.confirmations("user:8") == []


def test_order_creation_failure_releases_and_refunds(shop: Shop) -> None:
    saga_id = shop.start({"recipient": "user:9", "refuse": "create_order"})
    view = wait_until(_finished(shop, saga_id, "aborted"), what="abort")
    assert [(h["event"], h["step"]) for h in view["history"]] == [
        ("CheckoutStarted", None), ("CheckoutStepSucceeded", "reserve"),
        ("CheckoutStepSucceeded", "charge"), ("CheckoutStepFailed", "create_order"),
        ("CheckoutStepCompensated", "charge"), ("CheckoutStepCompensated", "reserve"),
        ("CheckoutAborted", None)]
    assert shop.ledger("payments", saga_id) == {"charge": "compensated"}  # refunded
    assert shop.ledger("catalog", saga_id) == {"reserve": "compensated"}  # released
    assert shop.ledger("orders", saga_id) == {"create_order": "failed"}
    assert shop.confirmations("user:9") == []


def test_duplicated_and_reordered_events_do_each_step_once(shop: Shop) -> None:
    contracts = _contracts(shop)
    saga_id = uuid.uuid4()
    data = {"recipient": "user:10"}

    def message(name: str, **fields: Any) -> tuple[str, bytes]:
        event = getattr(contracts, name).model_validate({"saga_id": saga_id, "data": data,
                                                         **fields})
        envelope = contracts.EventEnvelope.wrap(event, source="test")
        return event.routing_key, json.dumps(envelope.wire()).encode()

    reserved = message("CheckoutStepSucceeded", step="reserve")
    # Later events first, the start last and twice (two publishers), one event twice.
    asyncio.run(_publish(shop.exchange, [
        message("CheckoutStepSucceeded", step="charge"), reserved, reserved,
        message("CheckoutStarted"), message("CheckoutStarted")]))
    view = wait_until(_finished(shop, str(saga_id), "completed"), what="completion")
    time.sleep(1.0)  # let every copy arrive
    for service, step in (("catalog", "reserve"), ("payments", "charge"),
                          ("orders", "create_order")):
        rows = query(shop.services[service].database,
                     f'SELECT count(*) FROM "{service}".saga_ledger '
                     f"WHERE saga_id = '{saga_id}' AND step = '{step}' AND state = 'done'")
        assert rows[0][0] == 1, service
    assert len(shop.confirmations("user:10")) == 1
    # Out of order, the tracker only ever moved forward, and it kept every event.
    assert view["current_step"] == "create_order"
    assert [h["event"] for h in shop.show(str(saga_id))["history"]].count(
        "CheckoutCompleted") == 1


def test_a_participant_killed_mid_saga_completes_or_compensates(shop: Shop) -> None:
    payments = shop.services["payments"]
    assert payments.process is not None
    payments.process.send_signal(signal.SIGKILL)
    payments.process.wait(timeout=10)
    slow = shop.start({"recipient": "user:11"})  # outlives the outage
    stuck = shop.start({"recipient": "user:12"}, timeout=2)  # does not
    wait_until(lambda: shop.show(slow)["current_step"] == "charge", what="reserve done")
    view = wait_until(_finished(shop, stuck, "aborted"), timeout=20, what="the timeout")
    assert "timed out at charge" in view["reason"]
    assert shop.ledger("catalog", stuck) == {"reserve": "compensated"}
    assert shop.show(slow)["status"] == "running"

    payments.start()
    payments.wait_until_live()
    wait_until(_finished(shop, slow, "completed"), what="the saga resumed")
    assert shop.ledger("payments", slow) == {"charge": "done"}
    time.sleep(1.0)
    # The step that came after the deadline was not done: nothing charged for it.
    assert shop.ledger("payments", stuck) == {"charge": "refused"}
    assert shop.ledger("orders", stuck) in ({}, {"create_order": "refused"})
    assert shop.show(stuck)["status"] == "aborted"


def test_at_the_end_nothing_is_left_reserved_or_charged(shop: Shop) -> None:
    """Over every saga of this module: held only where the saga completed."""
    completed = {v["saga_id"] for v in json.loads(shop.tracker("list", "--json"))
                 if v["status"] == "completed"}
    views = json.loads(shop.tracker("list", "--json"))
    assert len(views) >= 6 and not [v for v in views if v["status"] not in
                                    ("completed", "aborted")]
    for service, step in (("catalog", "reserve"), ("payments", "charge")):
        held = query(shop.services[service].database,
                     f'SELECT saga_id::text FROM "{service}".saga_ledger '
                     f"WHERE step = '{step}' AND state = 'done'")
        assert {row[0] for row in held} == completed, service


def _contracts(shop: Shop) -> Any:
    import importlib

    sys.path.insert(0, str(shop.root / "contracts"))
    try:
        return importlib.import_module(shop.catalog.package)
    finally:
        sys.path.remove(str(shop.root / "contracts"))


def test_the_event_flow_diagram_renders_with_the_real_mermaid(shop: Shop) -> None:
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "reports"))
    try:
        from report_browser import launch, mermaid_js, render_mermaid
    finally:
        sys.path.pop(0)
    docs = (shop.root / "docs" / "sagas.md").read_text()
    sources = [block.split("```")[0] for block in docs.split("```mermaid\n")[1:]]
    assert sources
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page()
            page.set_content("<!DOCTYPE html><html><body><div id='out'></div></body></html>")
            page.add_script_tag(path=str(mermaid_js()))
            for source in sources:
                result = render_mermaid(page, source)
                assert result["ok"], result["error"]
                assert "payments - refund" in str(result["text"])
        finally:
            browser.close()
