"""What the scaffold decides from the analysis model: aggregates, enums, plain ids for
cross-service keys, keys and names it has to invent, and that it invents them the same way
every time. Fast: no database, no broker."""

from __future__ import annotations

import ast
import keyword
from pathlib import Path

import pytest
import yaml
from scaffold_hostile import LONG, build_hostile_analysis

from analyzer.model.analysis import Analysis
from reports.scaffold import scaffold
from reports.scaffold.blueprint import ServiceBlueprint, build_blueprints
from reports.scaffold.naming import PG_MAX_IDENTIFIER, identifier, singular


@pytest.fixture(scope="module")
def shop(shop_analysis: Analysis) -> dict[str, ServiceBlueprint]:
    return {bp.name: bp for bp in build_blueprints(shop_analysis)}


@pytest.fixture(scope="module")
def hostile() -> list[ServiceBlueprint]:
    return build_blueprints(build_hostile_analysis())


def _class(source: str, name: str) -> ast.ClassDef:
    tree = ast.parse(source)
    return next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == name)


def test_order_aggregate_holds_its_items(shop: dict[str, ServiceBlueprint]) -> None:
    orders = {e.table: e for e in shop["orders"].entities}
    assert [link.child.table for link in orders["orders"].parts] == ["order_items"]
    assert orders["order_items"].part_of is not None
    assert [e.table for e in shop["orders"].aggregates] == ["orders", "shipments"]
    # The routes of the aggregate named like the service sit at its prefix.
    assert (orders["orders"].route_prefix, orders["shipments"].route_prefix) == ("", "/shipments")


def test_enum_status_column_gives_transitions(shop: dict[str, ServiceBlueprint]) -> None:
    order = next(e for e in shop["orders"].entities if e.table == "orders")
    assert order.status is not None and order.status.enum is not None
    assert order.status.enum.class_name == "OrderStatus"
    assert [v for _, v in order.status.enum.members][:2] == ["created", "paid"]
    # An enum that is not a status (channel) gets no transitions.
    notification = shop["notifications"].entities[0]
    assert notification.status is None
    assert [f.enum.class_name for f in notification.fields if f.enum] == ["NotificationChannel"]


def test_models_from_owned_tables(shop_services: Path) -> None:
    models = (shop_services / "orders" / "app" / "models.py").read_text()
    order = _class(models, "Order")
    attrs = [n.target.id for n in order.body
             if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)]
    assert attrs == ["id", "user_id", "status", "total", "currency", "shipping_address_id",
                     "created_at", "updated_at", "items"]
    assert "class OrderStatus(StrEnum):" in models
    assert 'ForeignKey("orders.id", name="fk_order_items_order_id")' in models
    assert 'Index("ix_orders_user_id", "user_id")' in models
    assert "shipping_address_id: Mapped[int | None]" in models  # nullable kept
    assert "total: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal(\"0.00\"))" \
        in models


def test_cross_service_key_becomes_a_plain_id(shop_services: Path) -> None:
    models = (shop_services / "orders" / "app" / "models.py").read_text()
    user_id = models[models.index("    user_id:") - 200: models.index("    user_id:") + 200]
    assert "owned by the users service" in user_id
    assert 'comment="users.id in the users service"' in user_id
    assert "ForeignKey" not in user_id
    migration = (shop_services / "orders/migrations/versions/0001_initial.py").read_text()
    assert '"users.id"' not in migration and '["orders.id"]' in migration


def test_tables_go_to_the_service_schema(shop_services: Path) -> None:
    for name in ("orders", "users"):
        config = (shop_services / name / "app" / "core" / "config.py").read_text()
        assert f'db_schema: str = Field(default="{name}"' in config


def test_each_sync_dependency_gets_one_client(shop: dict[str, ServiceBlueprint],
                                              shop_services: Path) -> None:
    orders = shop["orders"]
    # orders → payments has a call site, so a gRPC contract: the gRPC client, no HTTP one
    assert [(g.target, g.class_name, g.attr, g.target_address) for g in orders.grpc_clients] == [
        ("payments", "PaymentServiceClient", "payments_grpc", "payments:50054")]
    # orders → catalog has none (prices are read from catalog's tables): an HTTP client
    assert [(c.target, c.class_name) for c in orders.clients] == [("catalog", "CatalogClient")]
    clients = shop_services / "orders" / "app" / "clients"
    assert not (clients / "payments.py").exists()
    assert (clients / "payments_grpc.py").is_file()
    catalog = (clients / "catalog.py").read_text()
    assert 'return await self.get_json(f"/api/catalog/products/{id}")' in catalog
    main = (shop_services / "orders" / "app" / "main.py").read_text()
    assert "payments_grpc=PaymentServiceClient(interceptors=grpc_client_interceptors())," in main
    assert "await runtime.payments_grpc.close()" in main
    config = (shop_services / "orders" / "app" / "core" / "config.py").read_text()
    assert "catalog_service_url" in config and "payments_service_url" not in config
    readme = (shop_services / "orders" / "README.md").read_text()
    assert "shop/services/orders.py:61" in readme  # the call site the gRPC call replaces
    assert not (shop_services / "users" / "app" / "clients" / "orders.py").exists()


def test_the_called_service_runs_its_grpc_server_in_its_lifespan(
        shop: dict[str, ServiceBlueprint], shop_services: Path) -> None:
    payments = shop["payments"]
    assert payments.grpc_server is not None
    assert (payments.grpc_server.full_name, payments.grpc_server.port) == (
        "payments.v1.PaymentService", 50054)
    assert [(c.module, c.factory) for c in payments.lifespan_components] == [
        ("app.grpc.lifespan", "serve_grpc")]
    assert all(bp.grpc_server is None and not bp.lifespan_components
               for name, bp in shop.items() if name != "payments")
    app = shop_services / "payments" / "app"
    assert "    serve_grpc,\n" in (app / "lifespan.py").read_text()
    serving = (app / "grpc" / "lifespan.py").read_text()
    assert "interceptors=grpc_server_interceptors()" in serving
    assert "SqlIdempotencyStore(runtime.sessions)" in serving
    assert 'grpc_listen: str = "[::]:50054"' in (app / "core" / "config.py").read_text()
    migration = (shop_services / "payments" / "migrations" / "versions" /
                 "0001_initial.py").read_text()
    assert '"grpc_idempotency",' in migration
    assert not (shop_services / "orders" / "app" / "grpc").exists()


def test_dependencies_name_tracing_grpc_and_reload(shop_services: Path) -> None:
    for name, grpc in (("orders", True), ("payments", True), ("users", False)):
        lines = (shop_services / name / "requirements.txt").read_text().splitlines()
        packages = [line.split(">=")[0] for line in lines if not line.startswith("#")]
        assert "uvicorn[standard]" in packages and "opentelemetry-sdk" in packages, name
        assert ("grpcio" in packages and "protobuf" in packages) is grpc, name
        assert len(packages) == len(set(packages)), name  # one pin per package


def test_compose_fragment_and_dockerfile(shop_services: Path) -> None:
    fragment = yaml.safe_load((shop_services / "orders" / "docker-compose.service.yml").read_text())
    service = fragment["services"]["orders"]
    assert service["build"] == "./services/orders"
    assert service["ports"] == ["8003:8003"]  # the port the gateway and compose use
    assert {k: v["condition"] for k, v in service["depends_on"].items()} == {
        "postgres": "service_healthy", "rabbitmq": "service_healthy"}
    assert service["environment"]["CATALOG_SERVICE_URL"] == "http://catalog:8002"
    assert "/health" in " ".join(service["healthcheck"]["test"])
    dockerfile = (shop_services / "orders" / "Dockerfile").read_text()
    assert dockerfile.startswith("# ") and "FROM python:3.11-slim" in dockerfile
    assert "\nUSER service\n" in dockerfile and "HEALTHCHECK" in dockerfile
    assert dockerfile.index("USER service") < dockerfile.index("CMD [")
    assert "--port 8003" in dockerfile and "\nWORKDIR /srv\n" in dockerfile
    payments = (shop_services / "payments" / "Dockerfile").read_text()
    assert "\nEXPOSE 8004 50054\n" in payments


def test_readme_carries_the_analysis(shop_services: Path) -> None:
    readme = (shop_services / "orders" / "README.md").read_text()
    for expected in ("Creates and manages orders", "**high**", "`orders.order.status_changed.v1`",
                     "checkout", "order confirmation mail is a side effect", "`audit_log`",
                     "`payments.order_id` of the **payments** service"):
        assert expected in readme, expected


def test_awkward_names_become_safe_identifiers(hostile: list[ServiceBlueprint]) -> None:
    desk = hostile[0]
    assert (desk.slug, desk.schema, desk.api_prefix) == ("help-desk", "help_desk",
                                                        "/api/help-desk")
    names = [e.class_name for e in desk.entities]
    names += [f.attr for e in desk.entities for f in e.fields]
    names += [m for enum in desk.enums for m, _ in enum.members]
    for name in names:
        assert name.isidentifier() and not keyword.iskeyword(name), name
    script = desk.entities[0]
    attrs = {f.source_name: f.attr for f in script.fields}
    assert (attrs["class"], attrs["from"], attrs["metadata"], attrs["Order Date"]) == (
        "class_", "from_", "metadata_", "order_date")
    status = next(enum for enum in desk.enums if enum.class_name == "Status")
    assert status.members == [("IN_PROGRESS", "in progress"), ("DONE", "done!"),
                              ("V_0DAY", "0day"), ("NONE", "None")]


def test_missing_keys_and_columns_are_inferred(hostile: list[ServiceBlueprint]) -> None:
    by_table = {e.source_table: e for e in hostile[0].entities}
    assert [f.attr for f in by_table["tickets"].pk] == ["id"]  # surrogate key
    assert [f.attr for f in by_table["memberships"].pk] == ["ticket_id", "person_id"]
    assert by_table["memberships"].fields[1].reference is not None  # people is elsewhere
    assert [f.attr for f in by_table["ticket_lines"].fields] == ["id", "text", "ticket_ref"]
    assert by_table["cycle_a"].creatable_in_tests is False
    assert any(f.use_alter for f in by_table["cycle_a"].fields + by_table["cycle_b"].fields)
    assert by_table["grid_marks"].composite_fks[0].ref_columns == ["x", "y"]
    assert len(by_table[LONG].table) <= PG_MAX_IDENTIFIER
    assert by_table["outbox_events"].class_name == "OutboxEvent2"
    assert hostile[0].outbox_table == "outbox_events_2"


def test_generation_is_deterministic(shop_analysis: Analysis, tmp_path: Path) -> None:
    first = scaffold(shop_analysis, tmp_path / "a")
    second = scaffold(shop_analysis, tmp_path / "b")
    assert [p.relative_to(tmp_path / "a") for p in first] == [
        p.relative_to(tmp_path / "b") for p in second]
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(first, second, strict=True))


def test_text_from_the_analysis_cannot_break_out(tmp_path: Path) -> None:
    scaffold(build_hostile_analysis(), tmp_path)
    root = tmp_path / "services" / "help-desk"
    for path in root.rglob("*.py"):
        ast.parse(path.read_text(), str(path))  # a stray quote would not parse
    models = ast.parse((root / "app" / "models.py").read_text())
    imported = {alias.name for node in ast.walk(models)
                if isinstance(node, ast.Import | ast.ImportFrom) for alias in node.names}
    assert "os" not in imported  # the column named 'note""" ; import os' stayed a string
    main = (root / "app" / "main.py").read_text()
    assert '"""' not in main.split("DESCRIPTION = (", 1)[1].split(")", 1)[0]
    readme = (root / "README.md").read_text()
    assert "<b>" not in readme and "<script>" not in readme.replace("`<script>", "")


@pytest.mark.parametrize(("word", "expected"), [
    ("orders", "order"), ("order_items", "order_item"), ("categories", "category"),
    ("addresses", "address"), ("statuses", "status"), ("inventory", "inventory"),
    ("purchases", "purchase"), ("boxes", "box"),
])
def test_singular(word: str, expected: str) -> None:
    assert singular(word) == expected


def test_identifier_is_short_and_stable() -> None:
    long_name = identifier(LONG + "_and_more", max_length=40)
    assert len(long_name) <= 40 and long_name == identifier(LONG + "_and_more", max_length=40)
    assert long_name != identifier(LONG + "_and_less", max_length=40)
    assert identifier("class") == "class_" and identifier("9lives") == "field_9lives"


def test_data_migration_copies_parents_before_the_rows_that_reference_them(
        shop: dict[str, ServiceBlueprint], hostile: list[ServiceBlueprint]) -> None:
    from reports.scaffold.data import copy_order

    orders = [e.table for e in copy_order(shop["orders"])]
    assert orders.index("orders") < orders.index("order_items")
    assert orders.index("orders") < orders.index("shipments")
    users = [e.table for e in copy_order(shop["users"])]
    assert users.index("users") < users.index("addresses")
    for bp in [*shop.values(), *hostile]:
        ordered = copy_order(bp)
        assert sorted(e.table for e in ordered) == sorted(e.table for e in bp.entities)
        for position, entity in enumerate(ordered):
            for f in entity.fields:
                if f.target is not None and not f.use_alter and f.target[0] is not entity:
                    assert ordered.index(f.target[0]) < position, (bp.name, entity.table)
