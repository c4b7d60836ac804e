"""Link stage: symbol table, reference resolution and call counting."""

from __future__ import annotations

from analyzer.link import link
from link.facts_builder import FileBuilder, scan_of


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
