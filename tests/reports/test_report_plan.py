"""The migration plan: its order, its concrete steps, and Markdown that cannot be injected."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from report_samples import HOSTILE

from analyzer.model.analysis import Analysis
from reports.plan import (
    MAX_ITEMS,
    MigrationPlan,
    ServicePlan,
    md_code,
    md_text,
    migration_plan,
    plan_markdown,
)

GFM = MarkdownIt("commonmark").enable(["table", "strikethrough"])


def _items(sp: ServicePlan, kind: str) -> list[str]:
    return [item.plain() for step in sp.steps if step.kind == kind for item in step.items]


def _service(plan: MigrationPlan, name: str) -> ServicePlan:
    return next(sp for sp in plan.order if sp.service == name)


def test_shop_order_is_lowest_risk_first(shop: Analysis) -> None:
    plan = migration_plan(shop)
    # nobody waits on notifications (only side effects, i.e. events) or shipping; users is
    # read by three services, so it goes last
    assert [sp.service for sp in plan.order] == [
        "notifications", "shipping", "payments", "catalog", "orders", "users"]
    first, second = plan.order[0], plan.order[1]
    assert "No service waits on it" in first.reason.plain()
    assert "side effects" in first.reason.plain() and "goes first" in first.reason.plain()
    assert "harder (score 18 > 12)" in second.reason.plain()
    assert "more services wait on it (3 > 2)" in plan.order[-1].reason.plain()
    assert [sp.position for sp in plan.order] == list(range(1, 7))


def test_order_never_puts_a_riskier_service_first(big: Analysis, big_plan: MigrationPlan) -> None:
    plan = big_plan
    keys = [(len(sp.waiting_callers), sp.score) for sp in plan.order]
    assert keys == sorted(keys)
    assert len(plan.order) == len(big.services)


def test_steps_name_real_tables_fks_call_sites_and_sagas(shop: Analysis) -> None:
    plan = migration_plan(shop)
    orders = _service(plan, "orders")
    assert [s.kind for s in orders.steps] == [
        "create_service", "move_code", "split_data", "cut_foreign_keys", "replace_calls",
        "publish_events", "introduce_sagas", "route_gateway", "delete_old_code"]
    split = " ".join(_items(orders, "split_data"))
    assert "Move tables orders, order_items, audit_log" in split
    assert "Shared table audit_log is also used by payments, catalog, users" in split
    fks = _items(orders, "cut_foreign_keys")
    assert any(i.startswith("Cut orders.user_id → users.id (orders → users) at "
                            "shop/models.py:207") for i in fks)
    assert any("payments.order_id → orders.id" in i for i in fks)  # inbound FKs too
    calls = " ".join(_items(orders, "replace_calls"))
    assert ("shop.services.orders.checkout → shop.services.payments.charge_card at "
            "shop/services/orders.py:108 with a client of payments") in calls
    assert "In shipping, point shop.services.shipping.ship_order" in calls
    events = " ".join(_items(orders, "publish_events"))
    assert "send_order_confirmation at shop/services/orders.py:131; notifications" in events
    sagas = " ".join(_items(orders, "introduce_sagas"))
    assert ("Replace the single transaction in shop.services.orders.checkout at "
            "shop/services/orders.py:68 with the saga checkout") in sagas
    assert "compensate with shop.services.orders.cancel_order" in sagas
    assert "Switch /api/orders/* in the gateway" in " ".join(_items(orders, "route_gateway"))
    delete = " ".join(_items(orders, "delete_old_code"))
    assert "Delete module shop.services.orders" in delete
    assert "Drop the monolith's tables orders, order_items, audit_log" in delete

    notifications = _service(plan, "notifications")
    assert "no compensation found" in " ".join(_items(notifications, "introduce_sagas"))
    assert "Consume the event orders publishes" in " ".join(
        _items(notifications, "publish_events"))
    shipping = _service(plan, "shipping")
    assert any("It reads and writes orders owned by orders; resolve by an API of its owner "
               "at shop/services/shipping.py:83" in i for i in _items(shipping, "split_data"))


def test_long_steps_are_capped_and_counted(big: Analysis, big_plan: MigrationPlan) -> None:
    plan = big_plan
    moves = next(s for s in plan.order[0].steps if s.kind == "move_code")
    service = big.service(plan.order[0].service)
    assert len(moves.items) == MAX_ITEMS
    assert moves.more == len(service.modules) + len(service.symbols) - MAX_ITEMS
    assert f"…and {moves.more} more" in plan_markdown(plan)


def test_markdown_plan_of_the_shop_renders_as_intended(shop: Analysis) -> None:
    markdown = plan_markdown(migration_plan(shop))
    html = GFM.render(markdown)
    assert html.count("<h2>") == 2 + len(shop.services) + 1
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)[1:]
    assert len(rows) == len(shop.services)
    assert all(row.count("<td>") == 6 for row in rows)
    assert "<code>shop/services/orders.py:108</code>" in html
    assert "user_id" in markdown and "user\\_id" not in markdown  # intraword _ stays legible


def test_markdown_escapes_hostile_names(hostile: Analysis) -> None:
    markdown = plan_markdown(migration_plan(hostile))
    html = GFM.render(markdown)
    for tag in ("<script", "<img", "<svg", "<iframe", "<b>", "<a ", "<em>", "<del>"):
        assert tag not in html, tag
    assert html.count("<h1>") == 1  # "# heading" in a name made no heading
    assert html.count("<h2>") == 2 + len(hostile.services) + 1
    rows = re.findall(r"<tr>(.*?)</tr>", html, re.S)[1:]
    assert len(rows) == len(hostile.services)
    assert all(row.count("<td>") == 6 for row in rows), "a | in a name split a cell"
    code = {_unescape(c) for c in re.findall(r"<code>(.*?)</code>", html, re.S)}
    for name in ("orders", "users", "payments", "notifications", "shipping"):
        assert " ".join(HOSTILE[name].split()) in code, HOSTILE[name]


def _unescape(html: str) -> str:
    return (html.replace("&lt;", "<").replace("&gt;", ">").replace("&quot;", '"')
            .replace("&#39;", "'").replace("&amp;", "&"))


def test_code_spans_and_text_escape_their_own_way() -> None:
    assert md_code("a`b") == "``a`b``"
    assert md_code("`x`") == "`` `x` ``"
    assert md_code("a|b", in_table=True) == "`a\\|b`"
    assert md_text("<b>*x*</b> [l](u) a_b _c_") == "\\<b>\\*x\\*\\</b> \\[l\\](u) a_b \\_c\\_"
    for sample in ("a`b", "``x", "`x`", "a | b", "<script>x</script>", "# h"):
        rendered = GFM.render(f"- {md_code(sample)}")
        assert f"<code>{_escape(sample)}</code>" in rendered, rendered
        rendered = GFM.render(f"- {md_text(sample)}")
        assert f"<li>{_escape(sample)}</li>" in rendered, rendered


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace(
        '"', "&quot;")
