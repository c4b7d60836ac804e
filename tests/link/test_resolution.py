"""Link stage: symbol table, reference resolution and call counting."""

from __future__ import annotations

from analyzer.link import link
from link.facts_builder import FileBuilder, facts_from_sources, scan_of


def _graph(*builders: FileBuilder):
    facts = [b.build() for b in builders]
    return link(scan_of(facts), facts)


def _callees(graph, caller: str) -> set[str]:
    return {c.callee for c in graph.calls if c.caller == caller}


def test_units_are_top_level_classes_functions_and_module_code() -> None:
    mod = FileBuilder("shop.orders").func("checkout").cls("Order", methods=("total",))
    graph = _graph(mod)
    assert set(graph.units) == {"shop.orders", "shop.orders.checkout", "shop.orders.Order"}
    assert graph.symbols["shop.orders.Order.total"].unit == "shop.orders.Order"
    assert graph.units["shop.orders"].kind == "module"
    # module-level code is what the top-level definitions leave over
    whole = graph.modules["shop.orders"].lines
    parts = sum(u.lines for u in graph.units.values())
    assert parts == whole


def test_reexport_through_package_init_and_star_import() -> None:
    pkg = FileBuilder("shop.services", is_package=True).imp(
        "shop.services.stock.reserve", "reserve")
    stock = FileBuilder("shop.services.stock").func("reserve").func("release")
    facade = FileBuilder("shop.facade").imp("shop.services.stock", kind="star")
    caller = (FileBuilder("shop.checkout").func("checkout")
              .call("checkout", "shop.services.reserve")
              .call("checkout", "shop.facade.release"))
    graph = _graph(pkg, stock, facade, caller)
    assert _callees(graph, "shop.checkout.checkout") == {
        "shop.services.stock.reserve", "shop.services.stock.release"}
    assert graph.stats.resolved == 2 and graph.stats.unresolved == 0


def test_method_resolution_through_known_bases_and_self() -> None:
    base = FileBuilder("app.base").cls("Repository", methods=("save", "get"))
    repo = (FileBuilder("app.orders").imp("app.base.Repository", "Repository")
            .cls("OrderRepository", bases=("app.base.Repository",), methods=("place",))
            .call("OrderRepository.place", None, expr="self.save")
            .call("OrderRepository.place", None, expr="super().get")
            .func("handler")
            .call("handler", "app.orders.OrderRepository.get"))
    graph = _graph(base, repo)
    assert _callees(graph, "app.orders.OrderRepository.place") == {
        "app.base.Repository.save", "app.base.Repository.get"}
    assert _callees(graph, "app.orders.handler") == {"app.base.Repository.get"}


def test_calls_are_classified_and_unresolved_ones_summarised_per_file() -> None:
    mod = (FileBuilder("shop.jobs").func("run")
           .call("run", "json.dumps")  # stdlib
           .call("run", "sqlalchemy.select")  # third party
           .call("run", None, expr="session.commit")
           .call("run", None, expr="row.save")
           .call("run", "shop.jobs.nowhere_defined")  # internal package, unknown name... module
           .call("run", "shop.missing.thing"))  # internal top package, unknown module
    graph = _graph(mod)
    stats = graph.stats
    assert stats.total == 6
    assert stats.external == 2
    # `shop.jobs.nowhere_defined` depends on module shop.jobs (a module-level name)
    assert stats.resolved == 1
    assert stats.unresolved == 3
    warnings = [w for w in graph.warnings if w.kind == "unresolved_calls"]
    assert len(warnings) == 1
    assert warnings[0].location is not None and warnings[0].location.path == "shop/jobs.py"
    assert warnings[0].message.startswith("3 call(s)")
    assert "session.commit()" in warnings[0].message


def test_class_instantiation_is_a_reference_to_the_class() -> None:
    mod = (FileBuilder("shop.mail").cls("Mailer", methods=("send",)).func("notify")
           .call("notify", "shop.mail.Mailer")
           .call("notify", "shop.mail.Mailer.send", result_used=False))
    graph = _graph(mod)
    sites = [c for c in graph.calls if c.caller == "shop.mail.notify"]
    assert {(c.callee, c.callee_unit, c.result_used) for c in sites} == {
        ("shop.mail.Mailer", "shop.mail.Mailer", True),
        ("shop.mail.Mailer.send", "shop.mail.Mailer", False)}


def test_imports_become_unit_edges_except_type_checking_ones() -> None:
    models = FileBuilder("shop.models").cls("Order").cls("User")
    svc = (FileBuilder("shop.svc").imp("shop.models.Order", "Order")
           .imp("shop.models.User", "User", type_checking=True)
           .func("load").imp("shop.models.User", "User", scope="load")
           # importing a whole module says nothing: the calls through it do
           .imp("shop.models", "models"))
    graph = _graph(models, svc)
    assert graph.imports == {("shop.svc", "shop.models.Order"): 1,
                             ("shop.svc.load", "shop.models.User"): 1}


OSCAR_LIKE = {
    "oscar/__init__.py": "",
    "oscar/apps/__init__.py": "",
    "oscar/apps/order/__init__.py": "",
    "oscar/apps/order/models.py": '''
from django.db import models

class Order(models.Model):
    number = models.CharField(max_length=20)
''',
    "oscar/apps/order/utils.py": '''
from oscar.core.loading import get_model

Order = get_model("order", "Order")

class OrderCreator:
    def place_order(self, number):
        return Order.objects.create(number=number)
''',
    "oscar/apps/checkout/__init__.py": "",
    "oscar/apps/checkout/calculators.py": '''
class OrderTotalCalculator:
    def calculate(self, basket):
        return 0
''',
    "oscar/apps/checkout/mixins.py": '''
from oscar.core.loading import get_class, get_classes, get_model

OrderCreator = get_class("order.utils", "OrderCreator")
OrderTotalCalculator, = get_classes("checkout.calculators", ["OrderTotalCalculator"])
Order = get_model("order", "Order")

class OrderPlacementMixin:
    def handle(self, basket):
        total = OrderTotalCalculator().calculate(basket)
        creator = OrderCreator()
        order = creator.place_order(total)
        Order.objects.create(number=order.number)
        return order
''',
    "oscar/apps/checkout/views.py": '''
from oscar.apps.checkout.mixins import OrderCreator
from oscar.core.loading import get_class

def place(number):
    return OrderCreator().place_order(number)

def total(basket):
    Calculator = get_class("checkout.calculators", "OrderTotalCalculator")
    return Calculator().calculate(basket)
''',
    "sandbox/__init__.py": "",
    "sandbox/order/__init__.py": "",
    "sandbox/order/utils.py": "HELPER = 1\n",
}


def test_dynamic_loads_resolve_to_the_app_modules() -> None:
    facts = facts_from_sources(OSCAR_LIKE)
    graph = link(scan_of(facts), facts)
    mixin = "oscar.apps.checkout.mixins.OrderPlacementMixin.handle"
    assert _callees(graph, mixin) >= {
        "oscar.apps.checkout.calculators.OrderTotalCalculator",
        "oscar.apps.checkout.calculators.OrderTotalCalculator.calculate",
        "oscar.apps.order.utils.OrderCreator",
        "oscar.apps.order.utils.OrderCreator.place_order"}
    # the name a module bound with get_class is importable from it like any other
    assert _callees(graph, "oscar.apps.checkout.views.place") == {
        "oscar.apps.order.utils.OrderCreator", "oscar.apps.order.utils.OrderCreator.place_order"}
    # a load inside a function is mapped all the same
    assert _callees(graph, "oscar.apps.checkout.views.total") >= {
        "oscar.apps.checkout.calculators.OrderTotalCalculator",
        "oscar.apps.checkout.calculators.OrderTotalCalculator.calculate"}
    assert graph.stats.unresolved == 0
    assert sorted((a.symbol, a.table, a.mode) for a in graph.accesses) == [
        (mixin, "order_order", "write"),
        ("oscar.apps.order.utils.OrderCreator.place_order", "order_order", "write")]


def test_dependency_functions_passed_by_reference_are_used() -> None:
    facts = facts_from_sources({
        "app/__init__.py": "",
        "app/db.py": '''
def get_db():
    yield 1
''',
        "app/deps.py": '''
from typing import Annotated
from fastapi import Depends
from app.db import get_db

DbSession = Annotated[object, Depends(get_db)]
''',
        "app/routes.py": '''
from app.deps import DbSession

def list_orders(db: DbSession):
    return db
''',
    })
    graph = link(scan_of(facts), facts)
    uses = {(c.caller, c.callee, c.is_call) for c in graph.calls}
    assert ("app.deps", "app.db.get_db", False) in uses
    assert ("app.routes.list_orders", "app.deps", False) in uses


def test_calls_through_a_query_loader_reach_the_named_queries() -> None:
    facts = facts_from_sources({
        "app/__init__.py": "",
        "app/db/__init__.py": "",
        "app/db/queries/__init__.py": "",
        "app/db/queries/queries.py": '''
import pathlib
import aiosql

queries = aiosql.from_path(pathlib.Path(__file__).parent / "sql", "asyncpg")
''',
        "app/db/queries/sql/users.sql": '''-- name: get-user-by-email^
SELECT id FROM users WHERE email = :email;

-- name: create-new-user<!
INSERT INTO users (email) VALUES (:email) RETURNING id;
''',
        "app/other/sql/users.sql": '''-- name: get-user-by-email^
SELECT id FROM legacy_users WHERE email = :email;
''',
        "app/users.py": '''
from app.db.queries.queries import queries

class UsersRepository:
    async def get(self, conn, email):
        return await queries.get_user_by_email(conn, email=email)

    async def create(self, conn, email):
        return await queries.create_new_user(conn, email=email)

    async def cache(self, store, email):
        return store.get_user_by_email(email)
''',
    })
    graph = link(scan_of(facts), facts)
    assert _callees(graph, "app.users.UsersRepository.get") == {
        "app.db.queries.sql.users.get_user_by_email"}
    assert _callees(graph, "app.users.UsersRepository.create") == {
        "app.db.queries.sql.users.create_new_user"}
    assert _callees(graph, "app.users.UsersRepository.cache") == set()
    assert {(a.symbol.rpartition(".")[2], a.table, a.mode) for a in graph.accesses} == {
        ("get_user_by_email", "users", "read"), ("create_new_user", "users", "write"),
        ("get_user_by_email", "legacy_users", "read")}
    assert graph.units["app.db.queries.sql.users.create_new_user"].kind == "function"
