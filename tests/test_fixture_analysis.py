"""The bundled shop monolith end to end: what `strangler analyze` must find (SPEC §1, §4)."""

from __future__ import annotations

from pathlib import Path

import pytest

from analyzer.model.analysis import Analysis
from analyzer.model.config import load_settings
from analyzer.pipeline import analyze

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "shop_monolith"


@pytest.fixture(scope="module")
def analysis(tmp_path_factory: pytest.TempPathFactory) -> Analysis:
    cache = tmp_path_factory.mktemp("cache")
    return analyze(FIXTURE, settings=load_settings(FIXTURE), cache_dir=cache)


def _service_of_table(a: Analysis, table: str) -> str:
    return a.table(table).owner


def test_services_for_the_business_domains(analysis: Analysis) -> None:
    names = {s.name for s in analysis.services}
    assert {"users", "orders", "payments", "notifications"} <= names
    assert names & {"catalog", "inventory"}
    assert _service_of_table(analysis, "users") == "users"
    assert _service_of_table(analysis, "orders") == "orders"
    assert _service_of_table(analysis, "order_items") == "orders"
    assert _service_of_table(analysis, "payments") == "payments"
    assert _service_of_table(analysis, "refunds") == "payments"
    assert _service_of_table(analysis, "notifications") == "notifications"
    assert _service_of_table(analysis, "products") in {"catalog", "inventory"}
    assert _service_of_table(analysis, "inventory") in {"catalog", "inventory"}
    # shipping: a service of its own or merged, and the notes say why
    shipping = _service_of_table(analysis, "shipments")
    notes = " ".join(analysis.service(shipping).notes)
    if shipping == "shipping":
        assert "Cohesion" in notes and "shipping" in notes
    else:
        assert "README domain 'shipping' has no service of its own" in notes
    for svc in analysis.services:
        assert svc.responsibilities and not svc.name.startswith("cluster")
        assert svc.complexity.level in {"low", "medium", "high"}
        assert [f.name for f in svc.complexity.factors] == [
            "inbound", "outbound", "shared", "cross_fks", "sagas", "cycles", "size"]
    assert analysis.service("orders").api_prefix == "/api/orders"
    assert analysis.service("users").api_prefix == "/api/users"


def test_every_table_exactly_one_owner(analysis: Analysis) -> None:
    expected = {"users", "addresses", "categories", "products", "product_categories",
                "inventory", "reservations", "orders", "order_items", "payments", "refunds",
                "notifications", "shipments", "audit_log"}
    assert {t.name for t in analysis.tables} == expected
    owned = [t for s in analysis.services for t in s.tables]
    assert sorted(owned) == sorted(expected)
    for table in analysis.tables:
        assert table.owner_reason
        assert table.columns, table.name
    order = analysis.table("orders")
    status = next(c for c in order.columns if c.name == "status")
    assert status.type == "enum" and status.enum_values
    assert analysis.table("product_categories").join_table


def test_shared_tables_and_cross_service_foreign_keys(analysis: Analysis) -> None:
    shared = {s.table: s for s in analysis.shared_tables}
    assert {"addresses", "audit_log"} & set(shared)
    if "addresses" in shared:
        readers = {a.service for a in shared["addresses"].accesses if a.service != "users"}
        assert "shipping" in readers
    fks = {(f.from_table, f.to_table) for f in analysis.cross_service_foreign_keys}
    assert {("orders", "users"), ("order_items", "products"), ("payments", "orders"),
            ("shipments", "orders"), ("notifications", "users")} <= fks
    for fk in analysis.cross_service_foreign_keys:
        assert fk.from_service != fk.to_service and fk.recommendation


def test_checkout_is_a_saga_with_reserve_release_and_charge_refund(analysis: Analysis) -> None:
    checkout = next(s for s in analysis.sagas if s.entrypoint == "shop.services.orders.checkout")
    assert {"orders", "payments", "notifications"} <= set(checkout.services)
    by_op = {s.operation.rsplit(".", 1)[-1]: s for s in checkout.steps}
    assert by_op["reserve_stock"].compensation == "shop.services.inventory.release_stock"
    assert by_op["charge_card"].compensation == "shop.services.payments.refund_payment"
    assert "shop.services.inventory.reserve_stock" not in checkout.missing_compensations


def test_dependencies_and_source_counts(analysis: Analysis) -> None:
    kinds = {(d.source, d.target, d.kind) for d in analysis.dependencies}
    assert ("orders", "payments", "sync") in kinds  # the charge's result decides the order
    assert ("orders", "notifications", "async") in kinds  # confirmation: fire and forget
    src = analysis.source
    assert src.calls_total == src.calls_resolved + src.calls_external + src.calls_unresolved
    assert src.python_files == src.files_parsed + src.files_failed
    assert {"users", "orders", "payments"} <= set(src.domain_words)
    assert analysis.shared_kernel and any(k.symbol == "shop.db.Base"
                                          for k in analysis.shared_kernel)
    assert analysis.metrics.proposal.modularity > analysis.metrics.package_structure.modularity


def test_deterministic(analysis: Analysis, tmp_path: Path) -> None:
    again = analyze(FIXTURE, settings=load_settings(FIXTURE), cache_dir=tmp_path)
    assert again.model_dump_json() == analysis.model_dump_json()
