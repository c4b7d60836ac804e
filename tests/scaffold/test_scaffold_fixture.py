"""End to end on the bundled shop monolith: ``strangler scaffold fixtures/shop_monolith``
analyses it, writes its services, and every one of them migrates, starts, reports ready
against the real PostgreSQL and RabbitMQ, and passes its own generated tests."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from scaffold_processes import ServiceProcess, run_generated_tests, start_all
from scaffold_rabbit import EventQueue, delete_queues
from typer.testing import CliRunner

from strangler.cli import app

FIXTURE = Path(__file__).resolve().parents[2] / "fixtures" / "shop_monolith"


@pytest.fixture(scope="module")
def fixture_services(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("fixture")
    result = CliRunner().invoke(app, ["scaffold", str(FIXTURE), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out / "services"


def test_the_shop_becomes_its_services(fixture_services: Path) -> None:
    names = {p.name for p in fixture_services.iterdir()}
    assert {"orders", "payments", "notifications", "users", "catalog"} <= names
    models = (fixture_services / "orders" / "app" / "models.py").read_text()
    assert "class Order(Base):" in models and "class OrderItem(Base):" in models
    assert "class OrderStatus(StrEnum):" in models


def test_every_service_starts_and_is_ready(fixture_services: Path) -> None:
    exchange = f"scaffold-fixture-{uuid.uuid4().hex[:8]}"
    events = EventQueue(exchange, ["#"])
    prefix = f"scaffold-fixture-{uuid.uuid4().hex[:8]}"
    services = [ServiceProcess(root, exchange, extra_env={"EVENTS_QUEUE": f"{prefix}-{root.name}"})
                for root in sorted(p for p in fixture_services.iterdir() if p.is_dir())]
    try:
        start_all(services)
        for service in services:
            ready = httpx.get(f"{service.url}/ready", timeout=5)
            assert ready.status_code == 200, (service.root.name, ready.text)
    finally:
        for service in services:
            service.stop()
        events.close(delete_exchange=True)
        delete_queues(prefix)


def test_every_service_passes_its_generated_tests(fixture_services: Path) -> None:
    roots = sorted(p for p in fixture_services.iterdir() if p.is_dir())
    results = run_generated_tests(roots)
    failed = {name: output[-3000:] for name, (code, output) in results.items() if code != 0}
    assert failed == {}


def test_the_fixture_services_type_check(fixture_services: Path,
                                         tmp_path_factory: pytest.TempPathFactory) -> None:
    cache = tmp_path_factory.mktemp("mypy-cache-fixture")
    failures = {}
    for root in sorted(p for p in fixture_services.iterdir() if p.is_dir()):
        proc = subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(cache), "."],
                              cwd=root, capture_output=True, text=True, timeout=300)
        if proc.returncode != 0 or "Success" not in proc.stdout:
            failures[root.name] = proc.stdout[-2000:] + proc.stderr[-2000:]
    assert failures == {}
