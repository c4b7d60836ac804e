"""The migration proof (issue #8), as CI runs it: the system ``strangler scaffold`` made of
the shop monolith runs (services as processes, nginx gateway, PostgreSQL schema per
service, RabbitMQ, Redis), the monolith's data is migrated into it, and then

* the monolith's own API suite, unchanged, passes against the gateway
  (``scripts/migration_proof.py`` does the same and prints each test);
* fault drills run on it: the payments service killed during checkouts.

Every test of the suite must pass: the moved code runs in its services, another service's
functions are remote calls, its rows come from its owner's API (SQL over them reads the
owner's schema, read-only), business errors keep their status codes."""

from __future__ import annotations

import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from migration_proof import ADMIN, migrated_system, proof_env, run_suite  # noqa: E402

from reports.scaffold.runner.system import LocalSystem  # noqa: E402

SUITE = 58  # tests in fixtures/shop_monolith/tests (parametrised cases counted)
# Hand-written changes applied after generation, if any were needed (issue #8 asks for
# them to be kept there and counted; the goal is none)
PATCHES = Path(__file__).resolve().parents[2] / "fixtures" / "shop_migration"
GOOD_CARD = "4242424242424242"


@pytest.fixture(scope="module")
def migrated(fixture_system: Path) -> Iterator[tuple[LocalSystem, dict[str, str]]]:
    env = proof_env()
    with migrated_system(fixture_system, env, generated=True) as system:
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


def _ok(response: httpx.Response, code: int) -> Any:
    assert response.status_code == code, (response.status_code, response.text[:500])
    return response.json()


def _wait_until_answers(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer")


def test_killing_payments_during_checkouts_loses_nothing(
        migrated: tuple[LocalSystem, dict[str, str]]) -> None:
    """SIGKILL the payments service while checkouts run through the gateway and start it
    again 3 s later: the orders service's calls into payments wait for it (same call id on
    every retry, so a charge that ran is not run twice), every checkout completes, each
    order has exactly one captured payment, and the stock is exactly what was sold."""
    system, _ = migrated
    shop = httpx.Client(base_url=system.base_url, timeout=90)
    admin = _ok(shop.post("/api/users/login", json={"email": ADMIN[0], "password": ADMIN[1]}),
                200)
    as_admin = {"Authorization": f"Bearer {admin['access_token']}"}
    product = _ok(shop.post("/api/catalog/products", headers=as_admin, json={
        "name": f"Drill-{uuid.uuid4().hex[:8]}", "price": "7.50", "initial_stock": 40}), 201)
    email = f"drill-{uuid.uuid4().hex[:8]}@example.com"
    _ok(shop.post("/api/users/register", json={"email": email, "password": "s3cret-passw0rd"}),
        201)
    token = _ok(shop.post("/api/users/login", json={"email": email,
                                                   "password": "s3cret-passw0rd"}), 200)
    buyer = {"Authorization": f"Bearer {token['access_token']}"}
    _ok(shop.post("/api/users/me/addresses", headers=buyer, json={
        "recipient_name": "Drill", "line1": "1 Drill Street", "city": "Berlin",
        "postal_code": "10115", "is_default": True}), 201)

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
    system.stop_service("payments", kill=True)
    killed_after = len(results)
    time.sleep(3)
    restarted = system.start_service("payments")
    _wait_until_answers(f"http://127.0.0.1:{system.ports['payments']}/health")
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
