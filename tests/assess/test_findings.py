"""Assess stage on the tiny shop: tables, shared data, dependencies, operations, sagas."""

from __future__ import annotations

import math

from cluster.tiny_shop import SOURCES, tiny_shop

from analyzer.assess.complexity import HIGH_FROM, LOW_BELOW, WEIGHTS, level
from analyzer.model.config import Settings


def test_every_table_has_one_owner_with_reason_and_model_columns() -> None:
    graph, dec, found = tiny_shop()
    assert sorted(t.name for t in found.tables) == sorted(graph.tables)
    owners = {}
    for svc in found.services:
        for t in svc.tables:
            assert t not in owners, f"{t} owned twice"
            owners[t] = svc.name
    assert set(owners) == {t.name for t in found.tables}
    orders = next(t for t in found.tables if t.name == "orders")
    assert orders.owner == "orders" and orders.owner_reason.startswith("writer majority")
    assert orders.model == "shop.models.Order"
    cols = {c.name: c for c in orders.columns}
    assert cols["id"].primary_key and not cols["id"].nullable
    assert cols["total"].type == "numeric" and (cols["total"].precision, cols["total"].scale) == (
        10, 2)
    assert cols["user_id"].foreign_key == "users.id"
    assert [(fk.columns, fk.ref_table) for fk in orders.foreign_keys] == [(["user_id"], "users")]
    assert "orders" in orders.writers
    assert all(a.location.path for a in orders.accesses)


def test_cross_service_foreign_keys_become_plain_ids() -> None:
    _, _, found = tiny_shop()
    pairs = {(f.from_table, f.to_table, f.from_service, f.to_service)
             for f in found.cross_service_foreign_keys}
    assert ("orders", "users", "orders", "users") in pairs
    assert ("payments", "orders", "payments", "orders") in pairs
    assert ("reservations", "orders", "inventory", "orders") in pairs
    assert ("notifications", "users", "notifications", "users") in pairs
    # inside one service a foreign key stays
    assert not any(f.from_table == "addresses" for f in found.cross_service_foreign_keys)
    fk = next(f for f in found.cross_service_foreign_keys if f.from_table == "orders")
    assert "plain users id" in fk.recommendation and fk.location is not None


def test_reporting_reads_make_shared_tables_with_a_resolution() -> None:
    _, dec, found = tiny_shop()
    host = dec.unit_context["shop.reporting.sales_report"]
    shared = {s.table: s for s in found.shared_tables}
    for table in ("orders", "payments", "users"):
        if found.tables[[t.name for t in found.tables].index(table)].owner == host:
            continue
        st = shared[table]
        readers = {a.service for a in st.accesses if a.reads}
        assert host in readers
        # the report reads several services' tables: a local copy fed by events
        assert st.resolution == "event_carried_copy"
        assert "events" in st.reason
        assert all(site.line for a in st.accesses for site in a.sites)


def test_dependencies_are_sync_for_answers_and_async_for_side_effects() -> None:
    _, _, found = tiny_shop()
    deps = {(d.source, d.target, d.kind): d for d in found.dependencies}
    charge = deps[("orders", "payments", "sync")]  # payment = payments.charge_card(...)
    assert [c.callee for c in charge.call_sites] == ["shop.services.payments.charge_card"]
    assert charge.call_sites[0].location.path == "shop/services/orders.py"
    notify = deps[("orders", "notifications", "async")]  # result not used
    assert "event" in notify.reason
    assert ("orders", "notifications", "sync") not in deps
    # users.get_user(...) is called for its NotFound only: a validation, still sync
    assert ("orders", "users", "sync") in deps
    assert ("orders", "inventory", "async") in deps
    # calls into the shared kernel are not dependencies
    assert not any(c.callee.startswith("shop.db") for d in found.dependencies
                   for c in d.call_sites)


def test_public_operations_query_or_command() -> None:
    _, _, found = tiny_shop()
    ops = {o.symbol: o for s in found.services for o in s.operations}
    charge = ops["shop.services.payments.charge_card"]
    assert charge.kind == "command" and charge.called_from == ["orders"]
    assert ops["shop.services.users.get_user"].kind == "query"
    assert "shop.services.payments.payments_for_order" not in ops  # nobody outside calls it


def test_checkout_is_a_saga_with_compensations() -> None:
    _, _, found = tiny_shop()
    saga = next(s for s in found.sagas if s.name == "checkout")
    assert saga.entrypoint == "shop.services.orders.checkout"
    assert saga.services[0] == "orders"
    assert set(saga.services) == {"orders", "inventory", "payments", "notifications"}
    steps = {s.service: s for s in saga.steps}
    assert [s.order for s in saga.steps] == list(range(1, len(saga.steps) + 1))
    lines = [s.location.line for s in saga.steps]
    assert lines == sorted(lines)
    assert steps["inventory"].operation == "shop.services.inventory.reserve_stock"
    assert steps["inventory"].compensation == "shop.services.inventory.release_stock"
    assert "same function" in (steps["inventory"].compensation_reason or "")
    assert steps["payments"].compensation == "shop.services.payments.refund_payment"
    assert "charge/refund" in (steps["payments"].compensation_reason or "")
    assert steps["orders"].compensation == "shop.services.orders.cancel_order"
    assert steps["notifications"].compensation is None
    assert saga.missing_compensations == []
    assert {"orders", "order_items", "reservations", "payments"} <= set(saga.tables_written)


def test_missing_and_configured_compensations() -> None:
    # a payments module whose undo is not named by any known inverse verb
    sources = dict(SOURCES)
    sources["shop/services/payments.py"] = sources["shop/services/payments.py"].replace(
        "def refund_payment(", "def reimburse_payment(")
    _, _, found = tiny_shop(sources=sources)
    saga = next(s for s in found.sagas if s.name == "checkout")
    assert saga.missing_compensations == ["shop.services.payments.charge_card"]
    # settings.compensations: by verb, or operation to operation
    for extra in ({"charge": "reimburse"},
                  {"shop.services.payments.charge_card":
                   "shop.services.payments.reimburse_payment"}):
        _, _, found = tiny_shop(Settings(compensations=extra), sources=sources)
        saga = next(s for s in found.sagas if s.name == "checkout")
        assert saga.missing_compensations == []
        step = next(st for st in saga.steps if st.service == "payments")
        assert step.compensation == "shop.services.payments.reimburse_payment"


def test_complexity_is_a_transparent_score() -> None:
    _, _, found = tiny_shop()
    for svc in found.services:
        c = svc.complexity
        assert [f.name for f in c.factors] == list(WEIGHTS)
        for f in c.factors:
            assert f.weight == WEIGHTS[f.name]
            assert math.isclose(f.points, round(f.weight * math.log2(1 + f.value), 2))
        assert math.isclose(c.score, round(sum(f.points for f in c.factors), 2))
        assert c.level == level(c.score)
    orders = next(s for s in found.services if s.name == "orders").complexity
    notifications = next(s for s in found.services if s.name == "notifications").complexity
    assert orders.score > notifications.score
    assert level(LOW_BELOW - 0.01) == "low" and level(LOW_BELOW) == "medium"
    assert level(HIGH_FROM) == "high"


def test_services_have_responsibilities_and_kernel_is_reported() -> None:
    _, _, found = tiny_shop()
    payments = next(s for s in found.services if s.name == "payments")
    assert payments.responsibilities.startswith("Payments charge the card")
    assert "payments" in payments.responsibilities.split("Owns ")[1]
    assert payments.domain_words[0] == "payments"
    assert "shop.services.payments" in payments.modules
    assert any("shared kernel" in n for n in payments.notes)
    kernel = {k.symbol for k in found.shared_kernel}
    assert "shop.db.get_session" in kernel
    assert all("shop.db.get_session" not in s.symbols for s in found.services)
