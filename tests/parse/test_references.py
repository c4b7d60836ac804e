"""Calls and class references resolved to candidate qualified names."""

from __future__ import annotations


def calls(facts, scope=None):
    return {(r.expr, r.target) for r in facts.references
            if r.is_call and (scope is None or r.scope == scope)}


def test_module_functions_aliases_and_attribute_chains(extract):
    facts = extract("""
        import shop.payments.gateway as gw
        from shop import inventory
        from shop.core import money

        def total(order):
            return money.cents.round_half(order.total)

        def checkout(order):
            inventory.reserve_stock(order)
            gw.charge(order)
            total(order)
            later()
            len(order.lines)

        def later():
            pass
    """, module="shop.orders")
    found = calls(facts, "shop.orders.checkout")
    assert ("inventory.reserve_stock", "shop.inventory.reserve_stock") in found
    assert ("gw.charge", "shop.payments.gateway.charge") in found
    assert ("total", "shop.orders.total") in found
    assert ("later", "shop.orders.later") in found  # defined after its caller
    assert ("len", "builtins.len") in found
    assert ("money.cents.round_half", "shop.core.money.cents.round_half") in \
        calls(facts, "shop.orders.total")


def test_self_cls_super_and_typed_locals(extract):
    facts = extract("""
        from shop.models import Order
        from shop.repo import OrderRepository, BaseService

        class OrderService(BaseService):
            def __init__(self, repo: OrderRepository):
                self.repo = repo
                self.audit = AuditTrail()

            def place(self, order: Order | None, user):
                self.validate(order)
                order.mark_placed()
                fresh = Order(user=user)
                fresh.save_draft()
                copy: Order = make()
                copy.touch()
                self.repo.add(order)
                self.audit.record("placed")
                super().place(order)
                user.notify()
                return self.validate

            @classmethod
            def build(cls):
                return cls.create()

            def validate(self, order):
                pass

        class AuditTrail:
            def record(self, what):
                pass
    """, module="shop.orders")
    found = calls(facts, "shop.orders.OrderService.place")
    assert ("self.validate", "shop.orders.OrderService.validate") in found
    assert ("order.mark_placed", "shop.models.Order.mark_placed") in found
    assert ("Order", "shop.models.Order") in found
    assert ("fresh.save_draft", "shop.models.Order.save_draft") in found
    assert ("copy.touch", "shop.models.Order.touch") in found
    assert ("self.repo.add", "shop.repo.OrderRepository.add") in found
    assert ("self.audit.record", "shop.orders.AuditTrail.record") in found
    assert ("super().place", "shop.repo.BaseService.place") in found
    assert ("user.notify", None) in found  # unknown receiver: kept, unresolved
    assert ("cls.create", "shop.orders.OrderService.create") in \
        calls(facts, "shop.orders.OrderService.build")
    warning = next(w for w in facts.warnings if w.kind == "unresolved_calls")
    assert warning.message.startswith("2 of ")  # make() and user.notify()


def test_locals_shadow_module_names_and_builtins(extract):
    facts = extract("""
        from shop import mailer

        def send(id, mailer):
            id.strip()
            mailer.send()
    """)
    found = calls(facts, "shop.services.send")
    assert found == {("id.strip", None), ("mailer.send", None)}


def test_non_call_class_references(extract):
    facts = extract("""
        from sqlalchemy import select
        from shop.models import Order, OrderStatus
        from shop import models

        def paid(session, status: OrderStatus):
            stmt = select(Order).where(Order.status == OrderStatus.PAID)
            return isinstance(stmt, models.Payment)
    """)
    refs = {(r.target, r.line) for r in facts.references if not r.is_call}
    assert ("shop.models.Order", 7) in refs
    assert ("shop.models.OrderStatus", 6) in refs  # annotation
    assert ("shop.models.OrderStatus", 7) in refs
    assert ("shop.models.Payment", 8) in refs
    assert not any(t and t.startswith("builtins.") for t, _ in refs)


def test_result_used_flag(extract):
    facts = extract("""
        from shop import notify, pricing

        async def checkout(order):
            notify.send_confirmation(order)
            await notify.push(order)
            total = pricing.total(order)
            return total
    """)
    used = {r.expr: r.result_used for r in facts.references if r.is_call}
    assert used == {"notify.send_confirmation": False, "notify.push": False,
                    "pricing.total": True}


def test_star_import_candidate(extract):
    facts = extract("""
        from shop.helpers import *

        def go():
            format_money(1)
    """)
    assert ("format_money", "shop.helpers.format_money") in calls(facts)


def test_functions_passed_as_arguments_and_dependency_aliases(extract, line):
    source = """
        from typing import Annotated
        from fastapi import Depends
        from django.urls import path
        from sqlalchemy.orm import Session
        from shop.db import get_db
        from shop import settings, views

        DbSession = Annotated[Session, Depends(get_db)]

        def current_user(db: Session = Depends(get_db)):
            return db

        def orders(db: DbSession, user=Depends(current_user)):
            return settings.DEBUG

        urlpatterns = [path("orders/", views.order_list, name="orders")]
    """
    facts = extract(source, module="shop.deps")
    refs = {(r.scope, r.target, r.line) for r in facts.references if not r.is_call}
    assert ("shop.deps", "shop.db.get_db", line(source, "DbSession =")) in refs
    assert ("shop.deps.current_user", "shop.db.get_db", line(source, "def current_user")) \
        in refs
    assert ("shop.deps.orders", "shop.deps.current_user", line(source, "def orders")) in refs
    assert ("shop.deps.orders", "shop.deps.DbSession", line(source, "def orders")) in refs
    assert ("shop.deps", "shop.views.order_list", line(source, "urlpatterns")) in refs
    # constants and library functions handed over are not references of the monolith
    assert not any(t in ("shop.settings.DEBUG", "django.urls.path") for _, t, _ in refs)
