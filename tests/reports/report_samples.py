"""Analyses built by hand for the report tests: the shop, a hostile one and a big one.

The shop mirrors ``fixtures/shop_monolith`` (its real modules, tables and call sites), so
the renderers can be tested before, and independently of, the analysis pipeline.
"""

from __future__ import annotations

import json
import random
from typing import Any

from analyzer.model.analysis import (
    Analysis,
    AnalysisWarning,
    BoundedContext,
    CallSite,
    Column,
    ComplexityFactor,
    CrossServiceForeignKey,
    DecompositionMetrics,
    Dependency,
    ForeignKey,
    Metrics,
    MigrationComplexity,
    Operation,
    SagaCandidate,
    SagaStep,
    ServiceAccess,
    SharedKernelUnit,
    SharedTable,
    SourceInfo,
    SourceLocation,
    Table,
    TableAccess,
)


def loc(path: str, line: int | None = None) -> SourceLocation:
    return SourceLocation(path=path, line=line)


def complexity(score: float, **values: float) -> MigrationComplexity:
    weights = {"inbound_calls": 3.0, "outbound_calls": 2.0, "shared_tables": 6.0,
               "cross_fks": 4.0, "sagas": 8.0, "cycles": 10.0, "size": 0.01}
    factors = [ComplexityFactor(name=name, value=value, weight=weights[name],
                                points=round(value * weights[name], 2),
                                detail=f"{value:g} × {weights[name]:g}")
               for name, value in values.items()]
    level = "low" if score < 20 else "medium" if score < 45 else "high"
    top = sorted(factors, key=lambda f: -f.points)[:2]
    return MigrationComplexity(level=level, score=score, factors=factors,
                               summary=", ".join(f.name.replace("_", " ") for f in top))


def op(name: str, symbol: str, kind: str, path: str, line: int, method: str | None = None,
       route: str | None = None, called_from: list[str] | None = None) -> Operation:
    return Operation(name=name, symbol=symbol, kind=kind, location=loc(path, line),
                     http_method=method, route=route, called_from=called_from or [])


def col(name: str, type_: str = "integer", **kw: Any) -> Column:
    return Column(name=name, type=type_, **kw)


def access(service: str, symbol: str, mode: str, path: str, line: int,
           via: str = "orm") -> TableAccess:
    return TableAccess(service=service, symbol=symbol, mode=mode, via=via,
                       location=loc(path, line))


M = "shop/models.py"
S = "shop/services/"


def shop_analysis() -> Analysis:
    """A realistic analysis of the shop fixture: 6 services, 14 tables, a checkout saga."""
    services = [
        BoundedContext(
            name="users", responsibilities="Customer accounts, login and delivery addresses.",
            domain_words=["user", "account", "address"], modules=["shop.services.users",
                                                                   "shop.auth", "shop.api.users"],
            symbols=["shop.models.User", "shop.models.Address"], tables=["users", "addresses"],
            operations=[
                op("register_user", "shop.services.users.register_user", "command",
                   S + "users.py", 34, "POST", "/api/users"),
                op("get_address", "shop.services.users.get_address", "query", S + "users.py",
                   85, called_from=["shipping", "orders"]),
                op("default_address", "shop.services.users.default_address", "query",
                   S + "users.py", 97, called_from=["shipping"]),
            ],
            lines=310, api_prefix="/api/users",
            complexity=complexity(30.5, inbound_calls=3, outbound_calls=0, shared_tables=1,
                                  cross_fks=3, size=310),
            notes=["named from README words: user, account"]),
        BoundedContext(
            name="catalog", responsibilities="Products, categories and stock levels; holds "
            "stock for orders in reservations.",
            domain_words=["catalog", "product", "inventory", "stock"],
            modules=["shop.services.catalog", "shop.services.inventory", "shop.api.catalog"],
            symbols=["shop.models.Category", "shop.models.Product", "shop.models.Inventory",
                     "shop.models.Reservation", "shop.models.product_categories"],
            tables=["products", "categories", "product_categories", "inventory",
                    "reservations"],
            operations=[
                op("get_product", "shop.services.catalog.get_product", "query",
                   S + "catalog.py", 72, "GET", "/api/products/{product_id}", ["orders"]),
                op("reserve_stock", "shop.services.inventory.reserve_stock", "command",
                   S + "inventory.py", 46, called_from=["orders"]),
                op("release_stock", "shop.services.inventory.release_stock", "command",
                   S + "inventory.py", 79, called_from=["orders"]),
            ],
            lines=420, api_prefix="/api/products",
            complexity=complexity(41.0, inbound_calls=3, outbound_calls=0, shared_tables=1,
                                  cross_fks=2, sagas=1, size=420)),
        BoundedContext(
            name="orders", responsibilities="Checkout, the order status machine and "
            "cancellation.", domain_words=["order", "checkout"],
            modules=["shop.services.orders", "shop.api.orders", "shop.services.audit"],
            symbols=["shop.models.Order", "shop.models.OrderItem", "shop.models.AuditLog",
                     "shop.reporting.sales_report"],
            tables=["orders", "order_items", "audit_log"],
            operations=[
                op("checkout", "shop.services.orders.checkout", "command", S + "orders.py",
                   68, "POST", "/api/orders"),
                op("get_order", "shop.services.orders.get_order", "query", S + "orders.py",
                   147, "GET", "/api/orders/{order_id}", ["shipping", "payments"]),
                op("mark_shipped", "shop.services.orders.mark_shipped", "command",
                   S + "orders.py", 195, called_from=["shipping"]),
            ],
            lines=690, api_prefix="/api/orders",
            complexity=complexity(78.5, inbound_calls=4, outbound_calls=6, shared_tables=2,
                                  cross_fks=4, sagas=1, cycles=1, size=690)),
        BoundedContext(
            name="payments", responsibilities="Charges cards through the gateway and "
            "refunds them.", domain_words=["payment", "refund"],
            modules=["shop.services.payments", "shop.services.payment_gateway",
                     "shop.api.payments"],
            symbols=["shop.models.Payment", "shop.models.Refund"],
            tables=["payments", "refunds"],
            operations=[
                op("charge_card", "shop.services.payments.charge_card", "command",
                   S + "payments.py", 21, called_from=["orders"]),
                op("refund_payment", "shop.services.payments.refund_payment", "command",
                   S + "payments.py", 68, called_from=["orders"]),
                op("get_payment_for_user", "shop.services.payments.get_payment_for_user",
                   "query", S + "payments.py", 110, "GET", "/api/payments/{payment_id}"),
            ],
            lines=280, api_prefix="/api/payments",
            complexity=complexity(36.0, inbound_calls=2, outbound_calls=1, shared_tables=1,
                                  cross_fks=1, sagas=1, size=280)),
        BoundedContext(
            name="notifications", responsibilities="E-mail and SMS to customers about their "
            "orders.", domain_words=["notification", "email", "sms"],
            modules=["shop.services.notifications", "shop.api.notifications"],
            symbols=["shop.models.Notification", "shop.reporting.archive_old_notifications"],
            tables=["notifications"],
            operations=[
                op("send_order_confirmation",
                   "shop.services.notifications.send_order_confirmation", "command",
                   S + "notifications.py", 79, called_from=["orders"]),
                op("send_shipping_update", "shop.services.notifications.send_shipping_update",
                   "command", S + "notifications.py", 103, called_from=["shipping"]),
            ],
            lines=190, api_prefix="/api/notifications",
            complexity=complexity(12.0, inbound_calls=0, outbound_calls=1, cross_fks=1,
                                  size=190)),
        BoundedContext(
            name="shipping", responsibilities="Ships paid orders with a carrier and tracks "
            "delivery.", domain_words=["shipping", "shipment", "delivery"],
            modules=["shop.services.shipping", "shop.api.shipping"],
            symbols=["shop.models.Shipment"], tables=["shipments"],
            operations=[
                op("ship_order", "shop.services.shipping.ship_order", "command",
                   S + "shipping.py", 61, "POST", "/api/shipping/orders/{order_id}/ship"),
            ],
            lines=170, api_prefix="/api/shipping",
            complexity=complexity(18.0, inbound_calls=0, outbound_calls=3, cross_fks=2,
                                  size=170)),
    ]

    def table(name: str, owner: str, model: str | None, line: int, columns: list[Column],
              fks: list[ForeignKey], readers: list[str], writers: list[str],
              accesses: list[TableAccess], join: bool = False,
              orm: str = "sqlalchemy") -> Table:
        return Table(name=name, owner=owner, owner_reason=f"only {owner} writes it"
                     if writers == [owner] else f"{owner} writes it most",
                     model=model, orm=orm, location=loc(M, line),
                     columns=[col("id", primary_key=True, nullable=False), *columns],
                     foreign_keys=fks, readers=readers, writers=writers, accesses=accesses,
                     join_table=join)

    def fk(column: str, ref: str, line: int) -> ForeignKey:
        return ForeignKey(columns=[column], ref_table=ref, ref_columns=["id"],
                          location=loc(M, line))

    tables = [
        table("users", "users", "shop.models.User", 86,
              [col("email", "string", length=255, unique=True), col("password_hash", "string")],
              [], ["users", "orders", "notifications"], ["users"],
              [access("users", "shop.services.users.register_user", "write", S + "users.py",
                      55),
               access("notifications", "shop.services.notifications._send_all_channels",
                      "read", S + "notifications.py", 74)]),
        table("addresses", "users", "shop.models.Address", 107,
              [col("user_id", foreign_key="users.id"), col("city", "string")],
              [fk("user_id", "users", 113)], ["users", "shipping"], ["users"],
              [access("users", "shop.services.users.add_address", "write", S + "users.py",
                      110),
               access("shipping", "shop.services.shipping._shipping_address", "read",
                      S + "shipping.py", 50)]),
        table("categories", "catalog", "shop.models.Category", 137, [col("name", "string")],
              [], ["catalog"], ["catalog"], []),
        table("products", "catalog", "shop.models.Product", 150,
              [col("name", "string"), col("price", "numeric", precision=10, scale=2)],
              [], ["catalog", "orders"], ["catalog"],
              [access("orders", "shop.reporting.sales_report", "read", "shop/reporting.py",
                      88, "raw_sql")]),
        table("product_categories", "catalog", "shop.models.product_categories", 129,
              [col("product_id", foreign_key="products.id"),
               col("category_id", foreign_key="categories.id")],
              [fk("product_id", "products", 132), fk("category_id", "categories", 133)],
              ["catalog"], ["catalog"], [], join=True, orm="sqlalchemy_core"),
        table("inventory", "catalog", "shop.models.Inventory", 170,
              [col("product_id", foreign_key="products.id"), col("quantity")],
              [fk("product_id", "products", 176)], ["catalog"], ["catalog"], []),
        table("reservations", "catalog", "shop.models.Reservation", 184,
              [col("product_id", foreign_key="products.id"),
               col("order_id", foreign_key="orders.id")],
              [fk("product_id", "products", 190), fk("order_id", "orders", 191)],
              ["catalog"], ["catalog"], []),
        table("orders", "orders", "shop.models.Order", 203,
              [col("user_id", foreign_key="users.id"),
               col("status", "enum", enum_values=["created", "paid", "shipped"])],
              [fk("user_id", "users", 207), fk("shipping_address_id", "addresses", 211)],
              ["orders", "shipping", "payments"], ["orders", "shipping"],
              [access("orders", "shop.services.orders.checkout", "write", S + "orders.py", 121),
               access("shipping", "shop.services.shipping.ship_order", "write",
                      S + "shipping.py", 83)]),
        table("order_items", "orders", "shop.models.OrderItem", 226,
              [col("order_id", foreign_key="orders.id"),
               col("product_id", foreign_key="products.id")],
              [fk("order_id", "orders", 230), fk("product_id", "products", 231)],
              ["orders"], ["orders"], []),
        table("payments", "payments", "shop.models.Payment", 248,
              [col("order_id", foreign_key="orders.id"), col("amount", "numeric")],
              [fk("order_id", "orders", 252)], ["payments", "orders"], ["payments"],
              [access("orders", "shop.reporting.sales_report", "read", "shop/reporting.py",
                      102, "raw_sql")]),
        table("refunds", "payments", "shop.models.Refund", 272,
              [col("payment_id", foreign_key="payments.id")],
              [fk("payment_id", "payments", 276)], ["payments"], ["payments"], []),
        table("notifications", "notifications", "shop.models.Notification", 288,
              [col("user_id", foreign_key="users.id"), col("channel", "enum")],
              [fk("user_id", "users", 294)], ["notifications"], ["notifications"], []),
        table("shipments", "shipping", "shop.models.Shipment", 312,
              [col("order_id", foreign_key="orders.id"),
               col("address_id", foreign_key="addresses.id")],
              [fk("order_id", "orders", 317), fk("address_id", "addresses", 318)],
              ["shipping"], ["shipping"], []),
        table("audit_log", "orders", "shop.models.AuditLog", 335,
              [col("action", "string"), col("entity_type", "string")], [],
              ["orders"], ["orders", "payments", "catalog", "users"],
              [access("payments", "shop.services.audit.record", "write", S + "audit.py", 33),
               access("catalog", "shop.services.audit.record", "write", S + "audit.py", 33)]),
    ]

    shared = [
        SharedTable(table="audit_log", owner="orders", accesses=[
            ServiceAccess(service="orders", writes=True, sites=[loc(S + "orders.py", 56)]),
            ServiceAccess(service="payments", writes=True, sites=[loc(S + "payments.py", 52)]),
            ServiceAccess(service="catalog", writes=True, sites=[loc(S + "inventory.py", 118)]),
            ServiceAccess(service="users", writes=True, sites=[loc(S + "users.py", 60)]),
        ], resolution="event_carried_copy",
            reason="four services append to it; each should publish events the audit "
            "trail consumes"),
        SharedTable(table="orders", owner="orders", accesses=[
            ServiceAccess(service="orders", reads=True, writes=True,
                          sites=[loc(S + "orders.py", 121)]),
            ServiceAccess(service="shipping", reads=True, writes=True,
                          sites=[loc(S + "shipping.py", 83)]),
        ], resolution="api", reason="shipping changes the order status directly; it "
            "should call orders' mark_shipped instead"),
        SharedTable(table="addresses", owner="users", accesses=[
            ServiceAccess(service="users", reads=True, writes=True,
                          sites=[loc(S + "users.py", 110)]),
            ServiceAccess(service="shipping", reads=True, sites=[loc(S + "shipping.py", 50)]),
        ], resolution="event_carried_copy", reason="shipping needs the address at ship "
            "time only: copy it into the shipment"),
        SharedTable(table="products", owner="catalog", accesses=[
            ServiceAccess(service="catalog", reads=True, writes=True,
                          sites=[loc(S + "catalog.py", 100)]),
            ServiceAccess(service="orders", reads=True,
                          sites=[loc("shop/reporting.py", 88)]),
        ], resolution="api", reason="the sales report joins products; read them through "
            "the catalog API"),
    ]

    def xfk(ft: str, fc: str, fs: str, tt: str, ts: str, line: int) -> CrossServiceForeignKey:
        return CrossServiceForeignKey(
            from_table=ft, from_columns=[fc], from_service=fs, to_table=tt, to_columns=["id"],
            to_service=ts, location=loc(M, line),
            recommendation=f"keep {fc} as a plain id; validate it through the {ts} API")

    cross = [
        xfk("orders", "user_id", "orders", "users", "users", 207),
        xfk("orders", "shipping_address_id", "orders", "addresses", "users", 211),
        xfk("order_items", "product_id", "orders", "products", "catalog", 231),
        xfk("reservations", "order_id", "catalog", "orders", "orders", 191),
        xfk("payments", "order_id", "payments", "orders", "orders", 252),
        xfk("notifications", "user_id", "notifications", "users", "users", 294),
        xfk("shipments", "order_id", "shipping", "orders", "orders", 317),
        xfk("shipments", "address_id", "shipping", "addresses", "users", 318),
    ]

    def call(caller: str, callee: str, path: str, line: int) -> CallSite:
        return CallSite(caller=caller, callee=callee, location=loc(path, line))

    o = "shop.services.orders."
    deps = [
        Dependency(source="orders", target="catalog", kind="sync", weight=4.0,
                   reason="checkout reserves stock and reads products",
                   call_sites=[call(o + "checkout", "shop.services.inventory.reserve_stock",
                                    S + "orders.py", 96),
                               call(o + "checkout", "shop.services.catalog.get_product",
                                    S + "orders.py", 90),
                               call(o + "cancel_order", "shop.services.inventory.release_stock",
                                    S + "orders.py", 186)],
                   table_sites=[access("orders", "shop.reporting.sales_report", "read",
                                       "shop/reporting.py", 88, "raw_sql")]),
        Dependency(source="orders", target="payments", kind="sync", weight=3.0,
                   reason="checkout charges the card; cancellation refunds it",
                   call_sites=[call(o + "checkout", "shop.services.payments.charge_card",
                                    S + "orders.py", 108),
                               call(o + "cancel_order", "shop.services.payments.refund_payment",
                                    S + "orders.py", 182)]),
        Dependency(source="orders", target="notifications", kind="async", weight=2.0,
                   reason="confirmation and cancellation e-mails are side effects",
                   call_sites=[call(o + "checkout",
                                    "shop.services.notifications.send_order_confirmation",
                                    S + "orders.py", 131),
                               call(o + "cancel_order",
                                    "shop.services.notifications.send_cancellation",
                                    S + "orders.py", 190)]),
        Dependency(source="orders", target="users", kind="sync", weight=1.0,
                   reason="checkout reads the shipping address",
                   call_sites=[call(o + "checkout", "shop.services.users.get_address",
                                    S + "orders.py", 84)]),
        Dependency(source="shipping", target="orders", kind="sync", weight=2.0,
                   reason="shipping reads and advances the order",
                   call_sites=[call("shop.services.shipping.ship_order",
                                    "shop.services.orders.mark_shipped", S + "shipping.py", 88)],
                   table_sites=[access("shipping", "shop.services.shipping.ship_order",
                                       "write", S + "shipping.py", 83)]),
        Dependency(source="shipping", target="notifications", kind="async", weight=1.0,
                   reason="shipping updates are side effects",
                   call_sites=[call("shop.services.shipping.ship_order",
                                    "shop.services.notifications.send_shipping_update",
                                    S + "shipping.py", 95)]),
        Dependency(source="shipping", target="users", kind="sync", weight=1.0,
                   reason="shipping reads the delivery address",
                   call_sites=[call("shop.services.shipping._shipping_address",
                                    "shop.services.users.default_address", S + "shipping.py",
                                    55)]),
        Dependency(source="payments", target="orders", kind="sync", weight=1.0,
                   reason="payments read the order total",
                   call_sites=[call("shop.services.payments.refund_payment",
                                    "shop.services.orders.get_order", S + "payments.py", 74)]),
        Dependency(source="notifications", target="users", kind="sync", weight=1.0,
                   reason="notifications read the user's e-mail and phone",
                   table_sites=[access("notifications",
                                       "shop.services.notifications._send_all_channels",
                                       "read", S + "notifications.py", 74)]),
    ]

    saga = SagaCandidate(
        name="checkout", entrypoint="shop.services.orders.checkout",
        location=loc(S + "orders.py", 68), services=["catalog", "payments", "orders",
                                                       "notifications"],
        tables_written=["reservations", "inventory", "payments", "orders", "order_items",
                        "notifications", "audit_log"],
        steps=[
            SagaStep(order=1, service="catalog", operation="shop.services.inventory."
                     "reserve_stock", tables=["reservations", "inventory"],
                     location=loc(S + "orders.py", 96),
                     compensation="shop.services.inventory.release_stock",
                     compensation_reason="reserve/release pair in the same module"),
            SagaStep(order=2, service="payments", operation="shop.services.payments.charge_card",
                     tables=["payments"], location=loc(S + "orders.py", 108),
                     compensation="shop.services.payments.refund_payment",
                     compensation_reason="charge/refund pair"),
            SagaStep(order=3, service="orders", operation="shop.services.orders.checkout",
                     tables=["orders", "order_items"], location=loc(S + "orders.py", 121),
                     compensation="shop.services.orders.cancel_order",
                     compensation_reason="cancel_order undoes a created order"),
            SagaStep(order=4, service="notifications",
                     operation="shop.services.notifications.send_order_confirmation",
                     tables=["notifications"], location=loc(S + "orders.py", 131)),
        ],
        missing_compensations=["shop.services.notifications.send_order_confirmation"])
    saga_ship = SagaCandidate(
        name="ship order", entrypoint="shop.services.shipping.ship_order",
        location=loc(S + "shipping.py", 61), services=["shipping", "orders"],
        tables_written=["shipments", "orders"],
        steps=[
            SagaStep(order=1, service="shipping", operation="shop.services.shipping.ship_order",
                     tables=["shipments"], location=loc(S + "shipping.py", 80)),
            SagaStep(order=2, service="orders", operation="shop.services.orders.mark_shipped",
                     tables=["orders"], location=loc(S + "shipping.py", 88)),
        ],
        missing_compensations=["shop.services.shipping.ship_order"])

    warnings = [
        AnalysisWarning(kind="sql_parse_error", message="could not parse SQL: unexpected "
                        "token 'FILTER' (sqlglot)", location=loc("shop/reporting.py", 160)),
        AnalysisWarning(kind="dynamic_import", message="importlib.import_module(name) with a "
                        "non-literal name", location=loc("shop/api/__init__.py", 12)),
        AnalysisWarning(kind="unresolved_calls", message="14 calls could not be resolved "
                        "(e.g. session.execute, order.items.append)",
                        location=loc(S + "orders.py")),
        AnalysisWarning(kind="unresolved_calls", message="6 calls could not be resolved",
                        location=loc(S + "shipping.py")),
    ]

    kernel = [
        SharedKernelUnit(symbol="shop.db.Base", location=loc("shop/db.py", 14),
                         used_by=[s.name for s in services],
                         reason="declarative base of every model"),
        SharedKernelUnit(symbol="shop.db.get_session", location=loc("shop/db.py", 31),
                         used_by=[s.name for s in services], reason="session factory"),
        SharedKernelUnit(symbol="shop.config", location=loc("shop/config.py"),
                         used_by=["users", "payments", "notifications"], reason="settings"),
        SharedKernelUnit(symbol="shop.exceptions.ShopError",
                         location=loc("shop/exceptions.py", 8),
                         used_by=[s.name for s in services], reason="common error base"),
    ]

    return Analysis(
        generated_by="strangler 0.1.0",
        shared_kernel=kernel,
        source=SourceInfo(path="fixtures/shop_monolith", commit="9ea0887", python_files=24,
                          files_parsed=24, lines=2394, calls_total=812, calls_resolved=604,
                          calls_external=150, calls_unresolved=58, domains_from="README.md",
                          domain_words=["user", "catalog", "order", "payment", "notification",
                                        "shipping"]),
        config={"services": None, "resolution": 1.0},
        services=services, tables=tables, shared_tables=shared,
        cross_service_foreign_keys=cross, dependencies=deps, sagas=[saga, saga_ship],
        metrics=Metrics(
            proposal=DecompositionMetrics(clusters=6, modularity=0.52, sm=0.31, icp=0.18,
                                          ifn=2.7, ned=0.83),
            package_structure=DecompositionMetrics(clusters=3, modularity=0.21, sm=0.08,
                                                   icp=0.46, ifn=6.3, ned=0.33),
            clustering={"algorithm": "louvain", "resolution": 1.0, "seed": 42}),
        warnings=warnings)


# Names an attacker (or an unlucky codebase) could give: HTML, attribute breakers, Mermaid
# arrows, comments and directives, keywords, Markdown code fences and tables, DOT escapes.
HOSTILE = {
    "orders": "<script>window.__pwned=1</script>",
    "users": '<img src=x onerror="window.__pwned=2">',
    "catalog": "end",
    "payments": "pay\"ments' --> %%{init: {'securityLevel':'loose'}}%%",
    "notifications": "``` click style `tick` | classDef default",
    "shipping": "subgraph graph\\N ]]> <!-- x --> {{ 7*7 }} #quot; &amp;",
    "inventory": "</code></pre><svg onload=\"window.__pwned=3\">",
    "products": "a|b|c [x](javascript:window.__pwned=4) $x$",
    "checkout": "# heading\n1. list",
    "reporting": "<iframe src=\"http://127.0.0.1:9/\"></iframe>",
}
HOSTILE_MARKER = "window.__pwned"


def hostile_analysis() -> Analysis:
    """The shop with every domain name replaced by something that tries to inject."""
    data = json.loads(shop_analysis().model_dump_json())

    def rename(value: Any) -> Any:
        if isinstance(value, str):
            for plain, hostile in HOSTILE.items():
                value = value.replace(plain, hostile)
            return value
        if isinstance(value, list):
            return [rename(v) for v in value]
        if isinstance(value, dict):
            return {k: rename(v) for k, v in value.items()}
        return value

    data = rename(data)
    data["warnings"].append({"kind": "parse_error<script>window.__pwned=5</script>",
                             "message": "<b>bold</b> `x` | y", "location": None})
    return Analysis.model_validate(data)


def big_analysis(n_services: int = 300, tables_per_service: int = 10,
                 n_warnings: int = 5000, seed: int = 7) -> Analysis:
    """A synthetic monolith far bigger than the shop: the report must stay small and fast."""
    rng = random.Random(seed)
    names = [f"domain{i:03d}" for i in range(n_services)]
    tables: list[Table] = []
    services: list[BoundedContext] = []
    for i, name in enumerate(names):
        own = [f"{name}_t{j}" for j in range(tables_per_service)]
        services.append(BoundedContext(
            name=name, responsibilities=f"Everything about {name}.",
            modules=[f"big.{name}.m{k}" for k in range(20)],
            symbols=[f"big.shared.{name}_f{k}" for k in range(40)],
            tables=own,
            operations=[op(f"op{k}", f"big.{name}.m0.op{k}", "query", f"big/{name}/m0.py",
                           k + 1, "GET", f"/api/{name}/op{k}") for k in range(30)],
            lines=1000 + i, api_prefix=f"/api/{name}",
            complexity=complexity(float(i % 90), inbound_calls=i % 7, outbound_calls=i % 5,
                                  size=1000 + i)))
        for j, tname in enumerate(own):
            fks = []
            if j and rng.random() < 0.5:
                target = f"{names[rng.randrange(n_services)]}_t0"
                fks.append(ForeignKey(columns=[f"ref{j}_id"], ref_table=target,
                                      ref_columns=["id"]))
            tables.append(Table(name=tname, owner=name, owner_reason="writes it",
                                columns=[col("id", primary_key=True)], foreign_keys=fks,
                                readers=[name, names[(i + 1) % n_services]], writers=[name]))
    cross = [CrossServiceForeignKey(from_table=t.name, from_columns=fk.columns,
                                    from_service=t.owner, to_table=fk.ref_table,
                                    to_columns=["id"], to_service=fk.ref_table.split("_t")[0],
                                    recommendation="keep a plain id")
             for t in tables for fk in t.foreign_keys
             if fk.ref_table.split("_t")[0] != t.owner]
    deps = []
    for name in names:
        for target in rng.sample(names, 5):
            if target != name:
                deps.append(Dependency(
                    source=name, target=target, kind=rng.choice(["sync", "async"]),
                    reason="calls", weight=rng.random() * 5,
                    call_sites=[CallSite(caller=f"big.{name}.m1.f{k}",
                                         callee=f"big.{target}.m0.op{k}",
                                         location=loc(f"big/{name}/m1.py", 10 + k))
                                for k in range(8)]))
    shared = [SharedTable(table=f"{name}_t0", owner=name, accesses=[
        ServiceAccess(service=name, reads=True, writes=True),
        ServiceAccess(service=names[(i + 1) % n_services], reads=True)],
        resolution="api", reason="read by a neighbour") for i, name in enumerate(names)]
    sagas = [SagaCandidate(
        name=f"flow{i}", entrypoint=f"big.{names[i]}.m0.flow", location=loc("big/x.py", i + 1),
        services=names[i:i + 3], tables_written=[f"{n}_t1" for n in names[i:i + 3]],
        steps=[SagaStep(order=k + 1, service=n, operation=f"big.{n}.m0.step")
               for k, n in enumerate(names[i:i + 3])],
        missing_compensations=[f"big.{names[i]}.m0.step"]) for i in range(0, n_services, 3)]
    kinds = ["unresolved_calls", "sql_parse_error", "dynamic_import", "parse_error"]
    warnings = [AnalysisWarning(kind=kinds[k % 4], message=f"problem number {k}",
                                location=loc(f"big/file{k}.py", k % 400 + 1))
                for k in range(n_warnings)]
    metrics = DecompositionMetrics(clusters=n_services, modularity=0.4, sm=0.2, icp=0.3,
                                   ifn=4.0, ned=0.7)
    return Analysis(
        source=SourceInfo(path="big", python_files=20 * n_services,
                          files_parsed=20 * n_services - 100, files_failed=100),
        services=services, tables=tables, shared_tables=shared,
        cross_service_foreign_keys=cross, dependencies=deps, sagas=sagas,
        metrics=Metrics(proposal=metrics, package_structure=metrics), warnings=warnings)
