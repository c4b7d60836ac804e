"""Imports of every form, resolved to absolute targets with scope and TYPE_CHECKING."""

from __future__ import annotations


def by_alias(facts):
    return {i.alias: i for i in facts.imports if i.alias}


def test_absolute_aliased_and_dotted(extract):
    facts = extract("""
        import os
        import shop.models
        import shop.payments.gateway as gw
        from shop.models import Order as O, User
    """)
    imports = by_alias(facts)
    assert imports["os"].target == "os" and imports["os"].kind == "absolute"
    assert imports["shop"].target == "shop.models"  # `import a.b` binds `a`
    assert imports["gw"].target == "shop.payments.gateway"
    assert imports["O"].target == "shop.models.Order"
    assert imports["O"].from_module == "shop.models"
    assert imports["User"].line == 5
    assert all(i.scope == "shop.services" for i in facts.imports)


def test_relative_imports_resolve_against_module_and_package(extract):
    module_facts = extract("""
        from . import models
        from .models import Order
        from ..core import money
        from .. import settings
    """, module="shop.orders.services")
    imports = by_alias(module_facts)
    assert imports["models"].target == "shop.orders.models"
    assert imports["models"].kind == "relative"
    assert imports["Order"].target == "shop.orders.models.Order"
    assert imports["money"].target == "shop.core.money"
    assert imports["settings"].target == "shop.settings"

    package_facts = extract("from . import views\nfrom .views import index\n",
                            module="shop.orders", is_package=True)
    imports = by_alias(package_facts)
    assert imports["views"].target == "shop.orders.views"
    assert imports["index"].target == "shop.orders.views.index"


def test_star_import(extract):
    facts = extract("from shop.models import *\nfrom .helpers import *\n", module="shop.api")
    stars = [i for i in facts.imports if i.kind == "star"]
    assert [(s.target, s.alias) for s in stars] == [("shop.models", None), ("shop.helpers", None)]


def test_function_scope_and_type_checking(extract):
    facts = extract("""
        from typing import TYPE_CHECKING
        if TYPE_CHECKING:
            from shop.models import Order
        else:
            import json

        class Checkout:
            def run(self):
                from shop.payments import charge
                return charge()
    """)
    imports = by_alias(facts)
    assert imports["Order"].type_checking is True
    assert imports["json"].type_checking is False
    assert imports["charge"].scope == "shop.services.Checkout.run"
    call = next(r for r in facts.references if r.expr == "charge")
    assert call.target == "shop.payments.charge"


def test_dynamic_imports_literal_and_not(extract):
    facts = extract("""
        import importlib
        plugin = importlib.import_module("shop.plugins.stripe")
        legacy = __import__("shop.legacy")
        rel = importlib.import_module(".tasks", package=__name__)

        def load(name):
            return importlib.import_module(name)

        def use():
            plugin.pay()
    """, module="shop.loader")
    dynamic = [(i.target, i.line) for i in facts.imports if i.kind == "dynamic"]
    assert dynamic == [("shop.plugins.stripe", 3), ("shop.legacy", 4), ("shop.tasks", 5)]
    warning = next(w for w in facts.warnings if w.kind == "dynamic_import")
    assert warning.line == 8 and "import_module(name)" in warning.message
    assert next(r for r in facts.references if r.expr == "plugin.pay").target == \
        "shop.plugins.stripe.pay"


def test_django_installed_apps_and_model_strings(extract):
    facts = extract("""
        from django.apps import apps
        from django.db import models

        INSTALLED_APPS = [
            "django.contrib.auth",
            "shop.orders.apps.OrdersConfig",
        ]
        LOCAL_APPS = ("shop.payments",)
        INSTALLED_APPS += LOCAL_APPS

        class Line(models.Model):
            order = models.ForeignKey("orders.Order", on_delete=models.CASCADE)
            tags = models.ManyToManyField("catalog.Tag")
            parent = models.ForeignKey("self", on_delete=models.CASCADE)

        def refund():
            Payment = apps.get_model("payments", "Payment")
            Payment.objects.filter(x=1).update(state="refunded")
    """, module="shop.settings")
    apps_ = [(i.target, i.line) for i in facts.imports if i.kind == "django_app"]
    assert apps_ == [("django.contrib.auth", 6), ("shop.orders.apps.OrdersConfig", 7),
                     ("shop.payments", 9)]
    models = [i.target for i in facts.imports if i.kind == "django_model"]
    assert models == ["orders.Order", "catalog.Tag", "payments.Payment"]
    write = next(a for a in facts.accesses if a.mode == "write")
    assert write.model == "payments.Payment" and write.operation == "objects.update"


def test_all_exports(extract):
    facts = extract('__all__ = ["checkout", "refund"]\n__all__ += ["cancel"]\n')
    assert facts.exports == ["checkout", "refund", "cancel"]


def test_dynamic_class_loaders_bind_names(extract):
    facts = extract("""
        from django.utils.module_loading import import_string
        from oscar.core.loading import get_class, get_classes, get_model

        OrderCreator = get_class("order.utils", "OrderCreator")
        OrderTotalCalculator, = get_classes("checkout.calculators", ["OrderTotalCalculator"])
        Line, Dispatcher = get_classes("order.models", ("Line", "Dispatcher"))
        Basket = get_model("basket", "Basket")
        Backend = import_string("shop.search.backends.Elastic")

        def place(basket):
            creator = OrderCreator()
            creator.place_order(basket)
            OrderTotalCalculator().calculate(basket)
            Basket.objects.filter(id=basket.id).update(status="Frozen")
            Backend.index(basket)
            Surcharge = get_class("checkout.surcharges", "SurchargeApplicator")
            return Surcharge(basket).apply()
    """, module="oscar.apps.checkout.views")
    loads = {(i.alias, i.target, i.kind, i.from_module, i.scope.rpartition(".")[2])
             for i in facts.imports if i.kind in ("app_class", "django_model", "dynamic")}
    assert loads == {
        ("OrderCreator", "order.utils.OrderCreator", "app_class", "order.utils", "views"),
        ("OrderTotalCalculator", "checkout.calculators.OrderTotalCalculator", "app_class",
         "checkout.calculators", "views"),
        ("Line", "order.models.Line", "app_class", "order.models", "views"),
        ("Dispatcher", "order.models.Dispatcher", "app_class", "order.models", "views"),
        ("Basket", "basket.Basket", "django_model", None, "views"),
        ("Backend", "shop.search.backends.Elastic", "dynamic", None, "views"),
        ("Surcharge", "checkout.surcharges.SurchargeApplicator", "app_class",
         "checkout.surcharges", "place"),
    }
    calls = {r.expr: r.target for r in facts.references if r.is_call}
    assert calls["creator.place_order"] == "order.utils.OrderCreator.place_order"
    assert calls["OrderTotalCalculator().calculate"] == \
        "checkout.calculators.OrderTotalCalculator.calculate"
    assert calls["Backend.index"] == "shop.search.backends.Elastic.index"
    assert calls["Surcharge().apply"] == "checkout.surcharges.SurchargeApplicator.apply"
    write = next(a for a in facts.accesses if a.mode == "write")
    assert (write.model, write.operation) == ("basket.Basket", "objects.update")
