"""A realistic analysis of a shop monolith, built by hand from the analysis model.

It is what ``strangler analyze`` proposes for a typical shop: five services (users, catalog,
orders, payments, notifications), an orders table with an enum status and its order_items,
cross-service foreign keys, a shared table, a checkout saga and sync/async dependencies.
The scaffold tests generate from it; nothing in ``reports/scaffold`` knows these names.
"""

from __future__ import annotations

from analyzer.model.analysis import (
    Analysis,
    BoundedContext,
    CallSite,
    Column,
    ComplexityFactor,
    CrossServiceForeignKey,
    DecompositionMetrics,
    Dependency,
    ForeignKey,
    Index,
    Metrics,
    MigrationComplexity,
    Operation,
    SagaCandidate,
    SagaStep,
    ServiceAccess,
    SharedTable,
    SourceInfo,
    SourceLocation,
    Table,
)

MODELS = "shop/models.py"


def _loc(path: str, line: int) -> SourceLocation:
    return SourceLocation(path=path, line=line)


def _pk(name: str = "id") -> Column:
    return Column(name=name, type="integer", nullable=False, primary_key=True)


def _stamp(name: str = "created_at") -> Column:
    return Column(name=name, type="datetime", nullable=False, default="utcnow")


def _complexity(level: str, score: float) -> MigrationComplexity:
    return MigrationComplexity(
        level=level,  # type: ignore[arg-type]
        score=score,
        factors=[
            ComplexityFactor(name="inbound_calls", value=2, weight=1.0, points=2.0),
            ComplexityFactor(name="cross_fks", value=1, weight=2.0, points=2.0),
        ],
        summary=f"{level}: a few inbound calls and cross-service foreign keys",
    )


def _op(name: str, symbol: str, kind: str, line: int, method: str, route: str) -> Operation:
    return Operation(name=name, symbol=symbol, kind=kind,  # type: ignore[arg-type]
                     location=_loc(symbol.split(":")[0], line), http_method=method, route=route)


def _tables() -> list[Table]:
    users = Table(
        name="users", owner="users", owner_reason="written only by users code", model="User",
        location=_loc(MODELS, 88),
        columns=[
            _pk(),
            Column(name="email", type="string", length=255, nullable=False, unique=True,
                   index=True),
            Column(name="password_hash", type="string", length=255, nullable=False),
            Column(name="full_name", type="string", length=200, nullable=False, default="''"),
            Column(name="phone", type="string", length=32),
            Column(name="sms_opt_in", type="boolean", nullable=False, default="False"),
            Column(name="is_active", type="boolean", nullable=False, default="True"),
            _stamp(),
            Column(name="last_login_at", type="datetime"),
        ],
        writers=["users"], readers=["users", "orders", "notifications"],
    )
    addresses = Table(
        name="addresses", owner="users", owner_reason="written only by users code",
        location=_loc(MODELS, 107),
        columns=[
            _pk(),
            Column(name="user_id", type="integer", nullable=False, index=True,
                   foreign_key="users.id"),
            Column(name="label", type="string", length=50, nullable=False, default="'home'"),
            Column(name="line1", type="string", length=200, nullable=False),
            Column(name="city", type="string", length=100, nullable=False),
            Column(name="postal_code", type="string", length=20, nullable=False),
            Column(name="country", type="string", length=2, nullable=False, default="'DE'"),
            _stamp(),
        ],
        foreign_keys=[ForeignKey(columns=["user_id"], ref_table="users", ref_columns=["id"])],
    )
    categories = Table(
        name="categories", owner="catalog", owner_reason="catalog code writes it",
        columns=[
            _pk(),
            Column(name="name", type="string", length=100, nullable=False, unique=True),
            Column(name="slug", type="string", length=120, nullable=False, unique=True),
            Column(name="description", type="text", nullable=False, default="''"),
        ],
    )
    products = Table(
        name="products", owner="catalog", owner_reason="catalog code writes it",
        location=_loc(MODELS, 150),
        columns=[
            _pk(),
            Column(name="sku", type="string", length=64, nullable=False, unique=True),
            Column(name="name", type="string", length=200, nullable=False, index=True),
            Column(name="description", type="text", nullable=False, default="''"),
            Column(name="price", type="numeric", precision=10, scale=2, nullable=False),
            Column(name="is_active", type="boolean", nullable=False, default="True"),
            _stamp(),
        ],
    )
    product_categories = Table(
        name="product_categories", owner="catalog", owner_reason="association of products",
        join_table=True,
        columns=[
            Column(name="product_id", type="integer", nullable=False, primary_key=True),
            Column(name="category_id", type="integer", nullable=False, primary_key=True),
        ],
        foreign_keys=[
            ForeignKey(columns=["product_id"], ref_table="products", ref_columns=["id"],
                       kind="m2m"),
            ForeignKey(columns=["category_id"], ref_table="categories", ref_columns=["id"],
                       kind="m2m"),
        ],
    )
    inventory = Table(
        name="inventory", owner="catalog", owner_reason="stock of products",
        columns=[
            _pk(),
            Column(name="product_id", type="integer", nullable=False, unique=True,
                   foreign_key="products.id"),
            Column(name="quantity", type="integer", nullable=False, default="0"),
            Column(name="reorder_level", type="integer", nullable=False, default="5"),
            Column(name="updated_at", type="datetime", default="utcnow"),
        ],
        foreign_keys=[ForeignKey(columns=["product_id"], ref_table="products",
                                 ref_columns=["id"], kind="one_to_one")],
    )
    orders = Table(
        name="orders", owner="orders", owner_reason="written by checkout and order code",
        model="Order", location=_loc(MODELS, 192),
        columns=[
            _pk(),
            Column(name="user_id", type="integer", nullable=False, index=True,
                   foreign_key="users.id"),
            Column(name="status", type="enum", nullable=False, enum_name="OrderStatus",
                   enum_values=["created", "paid", "shipped", "delivered", "cancelled",
                                "failed"], length=20, default="OrderStatus.CREATED"),
            Column(name="total", type="numeric", precision=10, scale=2, nullable=False,
                   default="Decimal('0.00')"),
            Column(name="currency", type="string", length=3, nullable=False, default="'EUR'"),
            Column(name="shipping_address_id", type="integer", foreign_key="addresses.id"),
            _stamp(),
            Column(name="updated_at", type="datetime", nullable=False, default="utcnow"),
        ],
        foreign_keys=[
            ForeignKey(columns=["user_id"], ref_table="users", ref_columns=["id"]),
            ForeignKey(columns=["shipping_address_id"], ref_table="addresses",
                       ref_columns=["id"]),
        ],
        writers=["orders", "payments"], readers=["orders", "payments", "notifications"],
    )
    order_items = Table(
        name="order_items", owner="orders", owner_reason="written with its order",
        columns=[
            _pk(),
            Column(name="order_id", type="integer", nullable=False, foreign_key="orders.id"),
            Column(name="product_id", type="integer", nullable=False,
                   foreign_key="products.id"),
            Column(name="product_name", type="string", length=200, nullable=False),
            Column(name="quantity", type="integer", nullable=False),
            Column(name="unit_price", type="numeric", precision=10, scale=2, nullable=False),
        ],
        foreign_keys=[
            ForeignKey(columns=["order_id"], ref_table="orders", ref_columns=["id"]),
            ForeignKey(columns=["product_id"], ref_table="products", ref_columns=["id"]),
        ],
    )
    shipments = Table(
        name="shipments", owner="orders", owner_reason="shipping follows the order",
        columns=[
            _pk(),
            Column(name="order_id", type="integer", nullable=False, foreign_key="orders.id"),
            Column(name="address_id", type="integer", nullable=False,
                   foreign_key="addresses.id"),
            Column(name="carrier", type="string", length=30, nullable=False, default="'DHL'"),
            Column(name="tracking_number", type="string", length=40, nullable=False,
                   unique=True),
            Column(name="status", type="enum", nullable=False, enum_name="ShipmentStatus",
                   enum_values=["pending", "shipped", "delivered"], length=20,
                   default="ShipmentStatus.PENDING"),
            Column(name="estimated_delivery", type="date", nullable=False),
            Column(name="shipped_at", type="datetime"),
        ],
        indexes=[Index(name="uq_shipments_order", columns=["order_id"], unique=True)],
    )
    payments = Table(
        name="payments", owner="payments", owner_reason="payment code writes it",
        columns=[
            _pk(),
            Column(name="order_id", type="integer", nullable=False, index=True,
                   foreign_key="orders.id"),
            Column(name="amount", type="numeric", precision=10, scale=2, nullable=False),
            Column(name="currency", type="string", length=3, nullable=False, default="'EUR'"),
            Column(name="status", type="enum", nullable=False, enum_name="PaymentStatus",
                   enum_values=["pending", "captured", "declined", "refunded"], length=20,
                   default="PaymentStatus.PENDING"),
            Column(name="card_last4", type="string", length=4, nullable=False),
            Column(name="transaction_id", type="string", length=64, unique=True),
            Column(name="failure_message", type="string", length=255),
            _stamp(),
            Column(name="updated_at", type="datetime", nullable=False, default="utcnow"),
        ],
    )
    refunds = Table(
        name="refunds", owner="payments", owner_reason="payment code writes it",
        columns=[
            _pk(),
            Column(name="payment_id", type="integer", nullable=False, index=True,
                   foreign_key="payments.id"),
            Column(name="amount", type="numeric", precision=10, scale=2, nullable=False),
            Column(name="reason", type="string", length=255, nullable=False, default="''"),
            Column(name="transaction_id", type="string", length=64, nullable=False),
            _stamp(),
        ],
    )
    notifications = Table(
        name="notifications", owner="notifications", owner_reason="notification code",
        columns=[
            _pk(),
            Column(name="user_id", type="integer", nullable=False, index=True,
                   foreign_key="users.id"),
            Column(name="order_id", type="integer", index=True),
            Column(name="channel", type="enum", nullable=False, enum_name="NotificationChannel",
                   enum_values=["email", "sms"], length=20),
            Column(name="kind", type="string", length=50, nullable=False),
            Column(name="recipient", type="string", length=255, nullable=False),
            Column(name="subject", type="string", length=255, nullable=False, default="''"),
            Column(name="body", type="text", nullable=False),
            Column(name="payload", type="json"),
            _stamp(),
            Column(name="sent_at", type="datetime"),
        ],
    )
    audit_log = Table(
        name="audit_log", owner="users", owner_reason="most writes come from users code",
        orm="sql_only",
        columns=[
            _pk(),
            Column(name="actor_id", type="integer"),
            Column(name="action", type="string", length=80, nullable=False),
            Column(name="entity_id", type="string", length=40),
            Column(name="details", type="text", nullable=False, default="'{}'"),
            _stamp(),
        ],
        writers=["users", "orders", "payments"],
    )
    return [users, addresses, audit_log, categories, products, product_categories, inventory,
            orders, order_items, shipments, payments, refunds, notifications]


def build_shop_analysis() -> Analysis:
    """The hand-built analysis of a shop monolith the scaffold tests generate from."""
    services = [
        BoundedContext(
            name="users", responsibilities="Registers customers, their addresses and logins.",
            domain_words=["user", "address"], modules=["shop.services.users"],
            tables=["users", "addresses", "audit_log"],
            operations=[_op("register", "shop/services/users.py:register", "command", 12,
                            "POST", "/api/users")],
            complexity=_complexity("low", 3.0), api_prefix="/api/users", lines=240,
        ),
        BoundedContext(
            name="catalog", responsibilities="Products, categories and stock on hand.",
            domain_words=["product", "category", "inventory"],
            tables=["categories", "products", "product_categories", "inventory"],
            complexity=_complexity("medium", 6.0), api_prefix="/api/catalog", lines=310,
        ),
        BoundedContext(
            name="orders", responsibilities="Creates and manages orders and their shipments; "
            "emits events when an order changes status; answers order history queries.",
            domain_words=["order", "shipment"], modules=["shop.services.orders"],
            tables=["orders", "order_items", "shipments"],
            operations=[_op("checkout", "shop/services/orders.py:checkout", "command", 40,
                            "POST", "/api/orders"),
                        _op("order_history", "shop/services/orders.py:history", "query", 90,
                            "GET", "/api/orders")],
            complexity=_complexity("high", 11.0), api_prefix="/api/orders", lines=520,
        ),
        BoundedContext(
            name="payments", responsibilities="Charges and refunds payments for orders.",
            domain_words=["payment", "refund"], tables=["payments", "refunds"],
            complexity=_complexity("medium", 7.0), api_prefix="/api/payments", lines=280,
        ),
        BoundedContext(
            name="notifications", responsibilities="Sends e-mail and SMS to customers.",
            domain_words=["notification"], tables=["notifications"],
            complexity=_complexity("low", 2.0), api_prefix="/api/notifications", lines=150,
        ),
    ]
    cross = [
        CrossServiceForeignKey(from_table="orders", from_columns=["user_id"],
                               from_service="orders", to_table="users", to_columns=["id"],
                               to_service="users", location=_loc(MODELS, 196),
                               recommendation="keep user_id as a plain id"),
        CrossServiceForeignKey(from_table="order_items", from_columns=["product_id"],
                               from_service="orders", to_table="products", to_columns=["id"],
                               to_service="catalog", recommendation="keep a plain id"),
        CrossServiceForeignKey(from_table="payments", from_columns=["order_id"],
                               from_service="payments", to_table="orders", to_columns=["id"],
                               to_service="orders", recommendation="keep a plain id"),
    ]
    checkout = CallSite(caller="shop.services.orders.checkout",
                        callee="shop.services.payments.charge",
                        location=_loc("shop/services/orders.py", 61))
    dependencies = [
        Dependency(source="orders", target="payments", kind="sync",
                   reason="checkout needs the charge result", weight=3.0,
                   call_sites=[checkout]),
        Dependency(source="orders", target="catalog", kind="sync",
                   reason="checkout reads product prices", weight=2.0),
        Dependency(source="orders", target="notifications", kind="async",
                   reason="order confirmation mail is a side effect", weight=1.0),
    ]
    shared = [SharedTable(
        table="audit_log", owner="users",
        accesses=[ServiceAccess(service="users", writes=True),
                  ServiceAccess(service="orders", writes=True),
                  ServiceAccess(service="payments", writes=True)],
        resolution="api", reason="append-only trail written by three services",
    )]
    saga = SagaCandidate(
        name="checkout", entrypoint="shop.services.orders.checkout",
        location=_loc("shop/services/orders.py", 40),
        services=["catalog", "payments", "orders", "notifications"],
        tables_written=["inventory", "payments", "orders", "notifications"],
        steps=[
            SagaStep(order=1, service="catalog", operation="shop.services.inventory.reserve",
                     tables=["inventory"], compensation="shop.services.inventory.release"),
            SagaStep(order=2, service="payments", operation="shop.services.payments.charge",
                     tables=["payments"], compensation="shop.services.payments.refund"),
            SagaStep(order=3, service="orders", operation="shop.services.orders.create_order",
                     tables=["orders"]),
        ],
        missing_compensations=["shop.services.orders.create_order"],
    )
    metrics = DecompositionMetrics(clusters=5, modularity=0.42, sm=0.3, icp=0.2, ifn=2.0,
                                   ned=0.8)
    return Analysis(
        generated_by="tests/scaffold/shop_analysis.py",
        source=SourceInfo(path="shop_monolith", python_files=19, files_parsed=19),
        services=services,
        tables=_tables(),
        shared_tables=shared,
        cross_service_foreign_keys=cross,
        dependencies=dependencies,
        sagas=[saga],
        metrics=Metrics(proposal=metrics, package_structure=metrics),
        warnings=[],
    )
