"""Django models (fields, FK/O2O/M2M, Meta) and objects/instance reads and writes."""

from __future__ import annotations

MODELS = """
    from django.db import models
    from django.contrib.auth.models import User

    class OrderStatus(models.TextChoices):
        PENDING = "pending", "Pending"
        PAID = "paid", "Paid"

    class TimeStamped(models.Model):
        created = models.DateTimeField(auto_now_add=True)

        class Meta:
            abstract = True

    class Order(TimeStamped):
        number = models.CharField(max_length=32, unique=True)
        status = models.CharField(max_length=16, choices=OrderStatus.choices, default="pending")
        total = models.DecimalField(max_digits=12, decimal_places=2)
        user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="orders")
        basket = models.OneToOneField("basket.Basket", null=True, on_delete=models.SET_NULL)
        parent = models.ForeignKey("self", null=True, on_delete=models.CASCADE)
        tags = models.ManyToManyField("Tag")
        promos = models.ManyToManyField("offers.Promo", through="OrderPromo")

        class Meta:
            unique_together = ("number", "user")
            indexes = [models.Index(fields=["status", "-total"], name="ix_status")]

    class Tag(models.Model):
        code = models.SlugField(primary_key=True)
        orders = models.ManyToManyField(Order, db_table="shop_tag_orders")

        class Meta:
            db_table = "shop_tags"
            app_label = "catalog"
"""


def models(facts):
    return {m.qualname: m for m in facts.models}


def columns(model):
    return {c.name: c for c in model.columns}


def test_model_fields_and_defaults(extract):
    facts = extract(MODELS, module="shop.orders.models")
    found = models(facts)
    order = found["shop.orders.models.Order"]
    assert (order.orm, order.table, order.app_label, order.abstract) == \
        ("django", None, "orders", False)
    cols = columns(order)
    assert (cols["id"].type, cols["id"].primary_key) == ("integer", True)  # implicit
    assert (cols["number"].type, cols["number"].length, cols["number"].unique,
            cols["number"].nullable) == ("string", 32, True, False)
    assert (cols["status"].enum_name, cols["status"].enum_values, cols["status"].default) == \
        ("OrderStatus", ["pending", "paid"], "'pending'")
    assert (cols["total"].type, cols["total"].precision, cols["total"].scale) == \
        ("numeric", 12, 2)
    assert cols["user_id"].index and not cols["user_id"].nullable
    assert cols["basket_id"].nullable and cols["basket_id"].unique
    assert "tags" not in cols and "created" not in cols  # inherited fields stay on the base
    assert found["shop.orders.models.TimeStamped"].abstract
    assert {(i.name, tuple(i.columns), i.unique) for i in order.indexes} == \
        {(None, ("number", "user"), True), ("ix_status", ("status", "total"), False)}


def test_foreign_keys_and_many_to_many(extract):
    facts = extract(MODELS, module="shop.orders.models")
    found = models(facts)
    keys = {tuple(f.columns): f for f in found["shop.orders.models.Order"].foreign_keys}
    assert (keys[("user_id",)].ref_model, keys[("user_id",)].kind) == \
        ("django.contrib.auth.models.User", "fk")
    assert (keys[("basket_id",)].ref_model, keys[("basket_id",)].kind) == \
        ("basket.Basket", "one_to_one")
    assert keys[("parent_id",)].ref_model == "shop.orders.models.Order"  # "self"
    tags = keys[("tags",)]
    assert (tags.kind, tags.ref_model, tags.through_table, tags.through_model) == \
        ("m2m", "shop.orders.models.Tag", None, None)
    promos = keys[("promos",)]
    assert (promos.ref_model, promos.through_model) == \
        ("offers.Promo", "shop.orders.models.OrderPromo")
    tag = found["shop.orders.models.Tag"]
    assert (tag.table, tag.app_label) == ("shop_tags", "catalog")
    assert columns(tag)["code"].primary_key and "id" not in columns(tag)
    orders = next(f for f in tag.foreign_keys if f.kind == "m2m")
    assert (orders.ref_model, orders.through_table) == \
        ("shop.orders.models.Order", "shop_tag_orders")


def test_app_label_rules(extract):
    from analyzer.parse.orm_django import app_label

    assert app_label("oscar.apps.order.models") == "order"
    assert app_label("shop.models.order") == "shop"
    assert app_label("shop.orders.entities") == "orders"
    assert app_label("models") is None


def test_explicit_table_gives_default_join_table(extract):
    facts = extract("""
        from django.db import models

        class Product(models.Model):
            categories = models.ManyToManyField("Category")

            class Meta:
                db_table = "catalog_product"
    """, module="shop.catalog.models")
    m2m = facts.models[0].foreign_keys[0]
    assert m2m.through_table == "catalog_product_categories"


def test_objects_reads_and_writes(extract):
    facts = extract("""
        from django.shortcuts import get_object_or_404
        from shop.orders.models import Order, Line

        def view(request, pk):
            Order.objects.filter(user=request.user).exclude(status="x").count()
            Order.objects.filter(pk=pk).update(status="paid")
            Line.objects.bulk_create([])
            order = Order.objects.get(pk=pk)
            order.status = "shipped"
            order.save()
            line = get_object_or_404(Line, pk=1)
            line.delete()
            for item in Line.objects.filter(order=order):
                item.save()
            Order.objects.get_or_create(number="1")
    """)
    found = {(a.mode, a.model.rpartition(".")[2], a.operation, a.line) for a in facts.accesses}
    assert found == {
        ("read", "Order", "objects.filter", 6),
        ("write", "Order", "objects.update", 7),
        ("write", "Line", "objects.bulk_create", 8),
        ("read", "Order", "objects.get", 9),
        ("write", "Order", "attribute_set", 10),
        ("write", "Order", "save", 11),
        ("read", "Line", "get_object_or_404", 12),
        ("write", "Line", "delete", 13),
        ("read", "Line", "objects.filter", 14),
        ("write", "Line", "save", 15),
        ("write", "Order", "objects.get_or_create", 16),
    }
    assert all(a.scope == "shop.services.view" for a in facts.accesses)


def test_model_methods_write_their_own_table(extract):
    facts = extract("""
        from django.db import models

        class Order(models.Model):
            status = models.CharField(max_length=10)

            def mark_paid(self):
                self.status = "paid"
                self.save(update_fields=["status"])

            def save(self, *args, **kwargs):
                super().save(*args, **kwargs)
    """, module="shop.models")
    found = {(a.scope.rpartition(".")[2], a.model, a.operation) for a in facts.accesses}
    assert found == {("mark_paid", "shop.models.Order", "attribute_set"),
                     ("mark_paid", "shop.models.Order", "save"),
                     ("save", "shop.models.Order", "save")}


def test_field_evidence_without_direct_base(extract):
    facts = extract("""
        from django.db.models import CharField, Model
        from shop.core.models import AbstractBase

        class Coupon(AbstractBase):
            code = CharField(max_length=20)

        class Plain(AbstractBase):
            pass
    """, module="shop.offers.models")
    assert [m.qualname for m in facts.models] == ["shop.offers.models.Coupon"]


def test_fields_in_a_class_that_cannot_be_a_model(extract):
    facts = extract("""
        from django.db.models import Aggregate, Expression, Func, JSONField, Model, CharField
        from django.db import models
        from shop.core.models import AbstractBase

        class PostgresJsonConcatenate(Expression):
            template = "%(left)s || %(right)s"
            output_field = JSONField()

        class Lower(Func):
            output_field = CharField()

        class JsonAgg(Aggregate):
            output_field = models.JSONField()

        class Mixin:
            created = CharField(max_length=10)

        class Tag(Model):
            name = CharField(max_length=10)

        class Coupon(AbstractBase):
            code = CharField(max_length=20)
    """, module="shop.core.models")
    assert [m.qualname.rpartition(".")[2] for m in facts.models] == ["Tag", "Coupon"]


def test_proxy_models_are_recorded_with_their_flag(extract):
    facts = extract("""
        from shop.offer.models import Benefit

        class PercentageBenefit(Benefit):
            class Meta:
                proxy = True
                app_label = "offer"

        class NotAModel(Benefit):
            def apply(self):
                return 1
    """, module="shop.offer.benefits")
    [proxy] = facts.models
    assert (proxy.qualname, proxy.proxy, proxy.app_label, proxy.columns) == \
        ("shop.offer.benefits.PercentageBenefit", True, "offer", [])


def test_user_model_references_and_the_setting(extract):
    facts = extract("""
        from django.conf import settings
        from django.contrib.auth import get_user_model
        from django.db import models
        from shop.compat import AUTH_USER_MODEL

        User = get_user_model()

        class Order(models.Model):
            user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
            buyer = models.ForeignKey(AUTH_USER_MODEL, on_delete=models.CASCADE)
            seller = models.ForeignKey(get_user_model(), on_delete=models.CASCADE)
            agent = models.ForeignKey(User, on_delete=models.CASCADE)

        def active():
            return User.objects.filter(is_active=True)

        def staff():
            Member = get_user_model()
            return Member.objects.filter(is_staff=True)
    """, module="shop.orders.models")
    order = models(facts)["shop.orders.models.Order"]
    user_model = "django.conf.settings.AUTH_USER_MODEL"
    assert {fk.columns[0]: fk.ref_model for fk in order.foreign_keys} == {
        "user_id": user_model, "buyer_id": user_model, "seller_id": user_model,
        "agent_id": user_model}
    assert {(a.scope.rpartition(".")[2], a.model) for a in facts.accesses} == {
        ("active", user_model), ("staff", user_model)}
    settings = extract("""
        AUTH_USER_MODEL = "accounts.Member"
        INSTALLED_APPS = ["shop.accounts"]
    """, module="shop.settings")
    assert [(i.target, i.alias, i.kind) for i in settings.imports] == [
        ("accounts.Member", "AUTH_USER_MODEL", "django_model"),
        ("shop.accounts", None, "django_app")]


def test_choices_pairs_and_defaults_through_constants(extract):
    facts = extract("""
        from django.db import models
        from django.utils import timezone
        from django.utils.translation import gettext_lazy as _

        TITLES = (("Mr", _("Mr")), ("Ms", _("Ms")))
        GROUPED = (("Audio", (("cd", "CD"),)),)

        class Basket(models.Model):
            OPEN, FROZEN = "Open", "Frozen"
            STATUS_CHOICES = ((OPEN, _("Open")), (FROZEN, _("Frozen")))
            status = models.CharField(max_length=16, default=OPEN, choices=STATUS_CHOICES)
            title = models.CharField(max_length=4, choices=TITLES, default=_("Mr"))
            media = models.CharField(max_length=4, choices=GROUPED)
            created = models.DateTimeField(default=timezone.now)
    """, module="shop.basket.models")
    cols = columns(models(facts)["shop.basket.models.Basket"])
    got = {n: (c.enum_name, c.enum_values, c.default) for n, c in cols.items() if n != "id"}
    assert got == {
        "status": ("STATUS_CHOICES", ["Open", "Frozen"], "'Open'"),
        "title": ("TITLES", ["Mr", "Ms"], "'Mr'"),
        "media": (None, None, None),  # grouped choices: not a flat list of values
        "created": (None, None, "timezone.now"),
    }
