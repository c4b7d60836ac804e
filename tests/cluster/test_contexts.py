"""Cluster stage on a tiny layer-organised shop: data ownership first, finer than a file."""

from __future__ import annotations

from analyzer.cluster import cluster
from analyzer.cluster.communities import louvain_partition
from analyzer.domains import domains
from analyzer.model.config import Settings
from analyzer.model.graph import CoChangeHistory
from cluster.tiny_shop import README, tiny_graph, tiny_shop


def _owner(decomposition, table: str) -> str:
    return decomposition.table_owner[table].context


def test_one_models_module_is_split_across_services() -> None:
    graph, dec, _ = tiny_shop()
    assert sorted(c.name for c in dec.contexts) == [
        "inventory", "notifications", "orders", "payments", "users"]
    # every table exactly one owner, and the owner holds its model class
    assert set(dec.table_owner) == set(graph.tables)
    for table, own in dec.table_owner.items():
        model_unit = graph.tables[table].unit
        assert dec.unit_context[model_unit] == own.context, table
    assert _owner(dec, "orders") == _owner(dec, "order_items") == "orders"
    assert _owner(dec, "payments") == _owner(dec, "refunds") == "payments"
    assert _owner(dec, "stock") == _owner(dec, "reservations") == "inventory"
    assert _owner(dec, "users") == _owner(dec, "addresses") == "users"
    # shop/models.py holds every model, yet its classes went to five services
    homes = {dec.unit_context[f"shop.models.{m}"] for m in
             ("User", "Order", "Payment", "Stock", "Notification")}
    assert len(homes) == 5
    # code follows the tables it writes
    assert dec.unit_context["shop.services.payments.charge_card"] == "payments"
    assert dec.unit_context["shop.services.orders.checkout"] == "orders"


def test_reporting_that_only_reads_owns_nothing() -> None:
    _, dec, _ = tiny_shop()
    report_ctx = dec.unit_context["shop.reporting.sales_report"]
    owned = dec.context(report_ctx).tables
    read = {"orders", "payments", "users", "order_items", "stock"}
    # whichever service hosts the report keeps only tables its own code writes
    assert all(dec.table_owner[t].rule != "reader" for t in owned)
    assert {t for t in read if _owner(dec, t) == report_ctx} <= {"stock"}


def test_shared_kernel_does_not_glue_domains() -> None:
    _, dec, _ = tiny_shop()
    kernel = {k.unit: k for k in dec.kernel}
    assert {"shop.db.get_session", "shop.errors.NotFound"} <= set(kernel)
    assert len(kernel["shop.db.get_session"].used_by) >= 3
    for ctx in dec.contexts:
        assert "shop.db.get_session" not in ctx.units
    # the session factory is used by every service, yet there are five services
    assert len(dec.contexts) == 5


def test_deterministic() -> None:
    first = tiny_shop()[1]
    second = tiny_shop()[1]
    assert [(c.name, c.units, c.tables) for c in first.contexts] == [
        (c.name, c.units, c.tables) for c in second.contexts]
    assert first.unit_context == second.unit_context


def test_target_number_of_services_merges_the_closest() -> None:
    _, dec, _ = tiny_shop(Settings(services=3))
    assert len(dec.contexts) == 3
    assert set(dec.table_owner) >= {"orders", "payments"}
    # orders and its items never get separated by merging
    assert _owner(dec, "orders") == _owner(dec, "order_items")


def test_pins_are_absolute_and_merges_follow_names() -> None:
    pins = {"refunds": "billing", "shop.services.notifications": "billing",
            "shop.services.users.add_address": "addresses"}
    _, dec, _ = tiny_shop(Settings(pins=pins))
    assert _owner(dec, "refunds") == "billing"
    assert dec.table_owner["refunds"].rule == "pin"
    assert dec.unit_context["shop.models.Refund"] == "billing"
    assert dec.unit_context["shop.services.notifications.send_confirmation"] == "billing"
    assert dec.unit_context["shop.services.users.add_address"] == "addresses"
    assert "billing" in {c.name for c in dec.contexts}

    _, merged, _ = tiny_shop(Settings(merge=[["orders", "payments"], ["nope", "users"]],
                                      pins={"no.such.module": "ghost"}))
    names = {c.name for c in merged.contexts}
    messages = [w.message for w in merged.warnings if w.kind == "settings_unmatched"]
    assert any("no.such.module" in m for m in messages)
    assert any("nope" in m for m in messages)
    assert "ghost" not in names
    assert "payments" not in names
    assert _owner(merged, "payments") == "orders"
    assert any("Merged 'payments'" in n for n in merged.context("orders").notes)


def test_exclude_leaves_units_and_tables_out() -> None:
    _, dec, _ = tiny_shop(Settings(exclude=["shop.reporting*", "notifications"]))
    assert "shop.reporting.sales_report" not in dec.unit_context
    assert "notifications" not in dec.table_owner


def test_names_come_from_domains_then_tables_never_numbers() -> None:
    graph = tiny_graph()
    no_readme = cluster(graph, CoChangeHistory(), domains(None), Settings())
    names = [c.name for c in no_readme.contexts]
    assert len(names) == len(set(names))
    assert not any(n.startswith("cluster") or n[-1].isdigit() for n in names)
    # without a README the names come from the tables each service owns
    for ctx in no_readme.contexts:
        if ctx.tables:
            assert any(t.startswith(ctx.name.split("-")[0]) for t in ctx.tables), ctx
    with_readme = cluster(graph, CoChangeHistory(), domains(README), Settings())
    assert with_readme.context("payments").domain == "payments"
    assert "README domain 'payments'" in with_readme.context("payments").naming


def test_readme_domains_without_code_or_service() -> None:
    readme = README + "\n**Shipping.** Parcels for orders.\n\n**Refunds.** Money back.\n"
    graph = tiny_graph()
    dec = cluster(graph, CoChangeHistory(), domains(readme), Settings())
    # no code matches shipping: it is not an active domain and names nothing
    assert "shipping" not in {c.name for c in dec.contexts}
    assert "shipping" not in str(dec.stats["active_domains"])
    # refunds has a table but lives with payments: the payments service says so
    assert "refunds" in str(dec.stats["active_domains"])
    if "refunds" not in {c.name for c in dec.contexts}:
        host = dec.table_owner["refunds"].context
        assert any("README domain 'refunds' has no service of its own" in n
                   for n in dec.context(host).notes)


def test_louvain_partition_finds_two_cliques_deterministically() -> None:
    def clique(nodes: range) -> list[tuple[int, int]]:
        return [(a, b) for a in nodes for b in nodes if a < b]

    edges = clique(range(0, 5)) + clique(range(5, 10)) + [(4, 5)]
    adj: list[dict[int, float]] = [{} for _ in range(10)]
    for a, b in edges:
        adj[a][b] = adj[b][a] = 1.0
    parts = louvain_partition(adj, seed=7)
    assert len(set(parts[:5])) == 1 and len(set(parts[5:])) == 1
    assert parts[0] != parts[9]
    assert parts == louvain_partition(adj, seed=7)
