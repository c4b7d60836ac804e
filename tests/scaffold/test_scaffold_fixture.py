"""End to end on the bundled shop monolith: ``strangler scaffold fixtures/shop_monolith``
analyses it, writes its services, and every one of them passes its own generated tests and
type-checks; the data migration copies the monolith's rows. (That they all start and report
ready together is shown by test_migration_proof, which runs the whole system.)"""

from __future__ import annotations

import subprocess
import sys
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from scaffold_monolith import ADMIN, Monolith
from scaffold_processes import (
    ServiceProcess,
    mypy_services,
    run_generated_tests,
)
from scaffold_rabbit import delete_queues


@pytest.fixture(scope="module")
def fixture_services(fixture_system: Path) -> Path:
    return fixture_system / "services"


def test_the_shop_becomes_its_services(fixture_services: Path) -> None:
    names = {p.name for p in fixture_services.iterdir()}
    assert {"orders", "payments", "notifications", "users", "catalog"} <= names
    models = (fixture_services / "orders" / "app" / "models.py").read_text()
    assert "class Order(Base):" in models and "class OrderItem(Base):" in models
    assert "class OrderStatus(StrEnum):" in models


def test_every_service_passes_its_generated_tests(fixture_services: Path) -> None:
    roots = sorted(p for p in fixture_services.iterdir() if p.is_dir())
    results = run_generated_tests(roots)
    failed = {name: output[-3000:] for name, (code, output) in results.items() if code != 0}
    assert failed == {}


def test_the_fixture_services_type_check(fixture_services: Path, mypy_cache: Path) -> None:
    assert mypy_services(fixture_services, mypy_cache) == {}


# --------------------------------------------------------------------------- data migration


def _seed(shop: httpx.Client) -> dict[str, Any]:
    """Users with addresses, products and paid orders, through the monolith's own API."""
    def ok(response: httpx.Response) -> Any:
        assert response.status_code in (200, 201), response.text
        return response.json()

    token = ok(shop.post("/api/users/login", json={"email": ADMIN[0], "password": ADMIN[1]}))
    admin = {"Authorization": f"Bearer {token['access_token']}"}
    products = [ok(shop.post("/api/catalog/products", headers=admin, json={
        "name": f"Product {n}", "price": price, "initial_stock": 20}))
        for n, price in ((1, "12.50"), (2, "3.99"))]
    users, orders = [], []
    for n in range(3):
        email = f"buyer{n}-{uuid.uuid4().hex[:6]}@example.com"
        user = ok(shop.post("/api/users/register", json={
            "email": email, "password": "s3cret-passw0rd", "full_name": f"Buyer {n}"}))
        login = ok(shop.post("/api/users/login",
                             json={"email": email, "password": "s3cret-passw0rd"}))
        headers = {"Authorization": f"Bearer {login['access_token']}"}
        ok(shop.post("/api/users/me/addresses", headers=headers, json={
            "recipient_name": f"Buyer {n}", "line1": "Teststr. 1", "city": "Berlin",
            "postal_code": "10115", "country": "DE"}))
        order = ok(shop.post("/api/orders", headers=headers, json={
            "items": [{"product_id": products[0]["id"], "quantity": n + 1},
                      {"product_id": products[1]["id"], "quantity": 2}],
            "card_number": "4242424242424242"}))
        users.append(user)
        orders.append(order)
    return {"users": users, "orders": orders}


def test_data_migration_copies_the_monoliths_rows_with_their_ids(
        fixture_services: Path, tmp_path: Path) -> None:
    """Seed the monolith's database through its API, run the generated users and orders
    services' data migrations against it, and read the same users and orders back through
    the services' own APIs; a second run changes nothing; new rows get new ids."""
    monolith = Monolith(tmp_path)
    tag = uuid.uuid4().hex[:8]
    exchange = f"scaffold-data-{tag}"
    # read back through the generated API (the monolith's moved routes, which win on
    # shared paths when mounted, are proven by test_migration_proof)
    services = {name: ServiceProcess(fixture_services / name, exchange,
                                     extra_env={"EVENTS_QUEUE": f"scaffold-data-{tag}-{name}",
                                                "LEGACY_ROUTES": "false"})
                for name in ("users", "orders")}
    try:
        monolith.start()
        with httpx.Client(base_url=monolith.url, timeout=10) as shop:
            seeded = _seed(shop)
        for service in services.values():
            process = service.prestart()
            output, _ = process.communicate(timeout=120)
            assert process.returncode == 0, output.decode()

        def migrate(service: ServiceProcess) -> str:
            proc = subprocess.run(
                [sys.executable, "-m", "app.data_migration", "--source", monolith.database_url],
                cwd=service.root, env=service.env(), capture_output=True, text=True, timeout=120)
            assert proc.returncode == 0, proc.stdout + proc.stderr
            return proc.stdout

        first = {name: migrate(s) for name, s in services.items()}
        # The admin account and the three buyers; one order each, with two lines.
        assert "users: 4 read, 4 inserted, 4 in the service" in first["users"]
        assert "addresses: 3 read, 3 inserted, 3 in the service" in first["users"]
        assert "orders: 3 read, 3 inserted, 3 in the service" in first["orders"]
        assert "order_items: 6 read, 6 inserted, 6 in the service" in first["orders"]
        again = migrate(services["orders"])
        assert "orders: 3 read, 0 inserted, 3 in the service" in again

        for service in services.values():
            service.start()
        for service in services.values():
            service.wait_until_live()
        users, orders = services["users"], services["orders"]
        for user in seeded["users"]:
            copied = httpx.get(f"{users.url}/api/users/{user['id']}", timeout=5).json()
            assert (copied["email"], copied["full_name"]) == (user["email"], user["full_name"])
        for order in seeded["orders"]:
            copied = httpx.get(f"{orders.url}/api/orders/{order['id']}", timeout=5).json()
            assert copied["user_id"] == order["user_id"]
            assert Decimal(copied["total"]) == Decimal(order["total"])
            assert copied["status"] == order["status"]
            assert sorted((i["product_id"], i["quantity"]) for i in copied["items"]) == \
                sorted((i["product_id"], i["quantity"]) for i in order["items"])
        # The sequence moved past the copied ids: a new user gets a new one.
        created = httpx.post(f"{users.url}/api/users", timeout=5, json={
            "email": f"new-{tag}@example.com", "password_hash": "x", "full_name": "New"})
        assert created.status_code == 201, created.text
        assert created.json()["id"] > max(u["id"] for u in seeded["users"])
    finally:
        for service in services.values():
            service.stop()
        monolith.stop()
        delete_queues(f"scaffold-data-{tag}", exchange)
