"""Link stage: ORM models to tables, foreign keys and data access."""

from __future__ import annotations

from pathlib import Path

from analyzer.link import django_app_label, link
from link.facts_builder import FileBuilder, facts_from_sources, scan_of


def _graph(*builders: FileBuilder):
    facts = [b.build() for b in builders]
    return link(scan_of(facts), facts)


def test_sqlalchemy_models_sti_and_base_defined_elsewhere() -> None:
    db = FileBuilder("shop.db").cls("Base")
    models = (FileBuilder("shop.models").imp("shop.db.Base", "Base")
              .model("User", "users", bases=("shop.db.Base",))
              .model("Order", "orders", bases=("shop.db.Base",),
                     fks=(("user_id", "users", None),))
              # single-table inheritance: no __tablename__, maps to the parent's table
              .model("GiftOrder", None, bases=("shop.models.Order",))
              # a subclass the parser did not even recognise as a model
              .cls("RushOrder", bases=("shop.models.Order",)))
    graph = _graph(db, models)
    assert graph.model_tables == {
        "shop.models.User": "users", "shop.models.Order": "orders",
        "shop.models.GiftOrder": "orders", "shop.models.RushOrder": "orders"}
    orders = graph.tables["orders"]
    assert orders.model == "shop.models.Order"
    assert orders.models == ["shop.models.GiftOrder", "shop.models.Order",
                             "shop.models.RushOrder"]
    assert orders.unit == "shop.models.Order"
    assert [(fk.columns, fk.ref_table) for fk in orders.foreign_keys] == [
        (["user_id"], "users")]
    assert graph.units["shop.models.Order"].model_of == "orders"


def test_django_default_names_abstract_inheritance_and_m2m() -> None:
    assert django_app_label("oscar.apps.order.models") == "order"
    assert django_app_label("shop.catalogue.models.product") == "catalogue"
    abstract = (FileBuilder("oscar.apps.catalogue.abstract_models")
                .model("AbstractProduct", None, orm="django", bases=("django.db.models.Model",),
                       columns=("id", "title"), abstract=True, app_label="catalogue",
                       m2m=(("categories", "catalogue.Category", None),)))
    models = (FileBuilder("oscar.apps.catalogue.models")
              .cls("Product", bases=("oscar.apps.catalogue.abstract_models.AbstractProduct",))
              .model("Category", None, orm="django", bases=("django.db.models.Model",))
              .model("Tag", None, orm="django", bases=("django.db.models.Model",),
                     m2m=(("products", "Product", "ProductTag"),))
              .model("ProductTag", None, orm="django", bases=("django.db.models.Model",),
                     fks=(("tag_id", None, "Tag"), ("product_id", None, "catalogue.Product"))))
    orders = (FileBuilder("oscar.apps.order.models")
              .model("Line", "order_line_custom", orm="django",
                     bases=("django.db.models.Model",),
                     fks=(("product_id", None, "catalogue.Product"), ("parent_id", None,
                                                                       "self"))))
    graph = _graph(abstract, models, orders)
    assert "oscar.apps.catalogue.abstract_models.AbstractProduct" not in graph.model_tables
    assert graph.model_tables["oscar.apps.catalogue.models.Product"] == "catalogue_product"
    product = graph.tables["catalogue_product"]
    # fields of the abstract parent are inherited
    assert [c.name for c in product.columns] == ["id", "title"]
    join = graph.tables["catalogue_product_categories"]
    assert join.join_table
    assert sorted(fk.ref_table for fk in join.foreign_keys) == [
        "catalogue_category", "catalogue_product"]
    # an explicit through model makes no synthetic join table
    assert "catalogue_tag_products" not in graph.tables
    assert {fk.ref_table for fk in graph.tables["catalogue_producttag"].foreign_keys} == {
        "catalogue_tag", "catalogue_product"}
    line = graph.tables["order_line_custom"]
    assert {fk.ref_table for fk in line.foreign_keys} == {
        "catalogue_product", "order_line_custom"}


def test_django_multi_table_inheritance_gets_a_parent_link() -> None:
    models = (FileBuilder("shop.places.models")
              .model("Place", None, orm="django", bases=("django.db.models.Model",))
              .cls("Restaurant", bases=("shop.places.models.Place",)))
    graph = _graph(models)
    restaurant = graph.tables["places_restaurant"]
    assert [(fk.kind, fk.ref_table) for fk in restaurant.foreign_keys] == [
        ("one_to_one", "places_place")]


def test_core_tables_association_and_unknown_models_warn() -> None:
    models = (FileBuilder("shop.models")
              .model("Product", "products").model("Category", "categories")
              .core_table("product_categories", "product_categories",
                          fks=(("product_id", "products"), ("category_id", "categories")))
              .model("Review", "reviews", fks=(("author_id", None, "Reviewer"),)))
    svc = (FileBuilder("shop.svc").func("tag")
           .access("tag", "write", model="shop.models.product_categories", operation="insert")
           .access("tag", "read", model="shop.models.Ghost", operation="query"))
    graph = _graph(models, svc)
    assert graph.tables["product_categories"].join_table
    assert graph.tables["product_categories"].orm == "sqlalchemy_core"
    assert [(a.table, a.mode) for a in graph.accesses] == [("product_categories", "write")]
    kinds = sorted(w.kind for w in graph.warnings)
    assert kinds == ["orm_unknown_model", "orm_unknown_model"]
    assert any("Reviewer" in w.message for w in graph.warnings)
    assert any("shop.models.Ghost" in w.message and w.location
               and w.location.path == "shop/svc.py" for w in graph.warnings)


def test_accesses_resolve_reexported_models_raw_sql_and_instantiation() -> None:
    pkg = FileBuilder("shop.models", is_package=True).imp("shop.models.order.Order", "Order")
    order = FileBuilder("shop.models.order").model("Order", "orders")
    svc = (FileBuilder("shop.svc").func("place").func("report")
           .call("place", "shop.models.Order")  # Order(...) then session.add(order)
           .call("place", "shop.models.Order.query.filter")  # not an instantiation
           .access("place", "read", model="shop.models.Order", operation="query")
           .sql("report", "SELECT * FROM Orders JOIN legacy_totals USING (id)",
                reads=("Orders", "legacy_totals")))
    graph = _graph(pkg, order, svc)
    got = sorted((a.symbol, a.table, a.mode, a.via, a.operation) for a in graph.accesses)
    assert got == [
        ("shop.svc.place", "orders", "read", "orm", "query"),
        ("shop.svc.place", "orders", "write", "orm", "instantiate"),
        ("shop.svc.report", "legacy_totals", "read", "raw_sql", "sql"),
        ("shop.svc.report", "orders", "read", "raw_sql", "sql"),
    ]
    assert graph.tables["legacy_totals"].orm == "sql_only"
    assert graph.tables["orders"].orm == "sqlalchemy"


DJANGO_APPS = {
    "shop/__init__.py": "",
    "shop/catalogue/__init__.py": "",
    "shop/catalogue/abstract_models.py": '''
from django.db import models

class AbstractProduct(models.Model):
    title = models.CharField(max_length=100)
    categories = models.ManyToManyField("catalogue.Category")

    class Meta:
        abstract = True
        app_label = "catalogue"
''',
    "shop/catalogue/models.py": '''
from django.db import models
from shop.catalogue.abstract_models import AbstractProduct

class Category(models.Model):
    name = models.CharField(max_length=50)

class Product(AbstractProduct):
    pass
''',
    "shop/order/__init__.py": "",
    "shop/order/models.py": '''
from django.db import models

class Order(models.Model):
    number = models.CharField(max_length=20)

class Line(models.Model):
    order = models.ForeignKey("order.Order", on_delete=models.CASCADE)
    product = models.ForeignKey("catalogue.Product", on_delete=models.SET_NULL, null=True)
''',
    "shop/order/services.py": '''
from shop.order.models import Line, Order

def place(number):
    order = Order.objects.create(number=number)
    Line.objects.create(order=order)
    return order
''',
}


def test_django_apps_through_the_real_parser() -> None:
    facts = facts_from_sources(DJANGO_APPS)
    graph = link(scan_of(facts), facts)
    assert set(graph.tables) == {"catalogue_category", "catalogue_product",
                                 "catalogue_product_categories", "order_order", "order_line"}
    # Product is a model only through its abstract parent, whose fields it inherits
    assert graph.model_tables["shop.catalogue.models.Product"] == "catalogue_product"
    assert [c.name for c in graph.tables["catalogue_product"].columns] == ["id", "title"]
    line = graph.tables["order_line"]
    assert {(tuple(fk.columns), fk.ref_table) for fk in line.foreign_keys} == {
        (("order_id",), "order_order"), (("product_id",), "catalogue_product")}
    assert [(a.table, a.mode) for a in graph.accesses] == [
        ("order_order", "write"), ("order_line", "write")]


NOT_MODELS = {
    "shop/__init__.py": "",
    "shop/core/__init__.py": "",
    "shop/core/expressions.py": '''
from django.db.models import Expression, JSONField

class PostgresJsonConcatenate(Expression):
    output_field = JSONField()
''',
    "shop/core/more.py": '''
from django.db.models import CharField
from shop.core.expressions import PostgresJsonConcatenate

class KeyedConcatenate(PostgresJsonConcatenate):
    output_field = CharField()
''',
    "shop/users/__init__.py": "",
    "shop/users/base.py": '''
from django.contrib.auth.models import AbstractUser

class BaseUser(AbstractUser):
    """No field of its own: the parser cannot tell it is a model."""
''',
    "shop/users/models.py": '''
from django.db import models
from shop.users.base import BaseUser
from thirdparty.models import TimeStamped

class User(BaseUser):
    phone = models.CharField(max_length=20)

class Profile(TimeStamped):
    bio = models.TextField()
''',
    "shop/offer/__init__.py": "",
    "shop/offer/models.py": '''
from django.db import models

class Benefit(models.Model):
    value = models.IntegerField()
''',
    "shop/offer/benefits.py": '''
from shop.offer.models import Benefit

class PercentageBenefit(Benefit):
    class Meta:
        proxy = True
        app_label = "offer"

    def apply(self):
        self.save()
''',
    "shop/offer/orphans.py": '''
from thirdparty.offers import Unknown

class Orphan(Unknown):
    class Meta:
        proxy = True
''',
}


def test_django_models_need_a_base_that_may_be_a_model() -> None:
    facts = facts_from_sources(NOT_MODELS)
    graph = link(scan_of(facts), facts)
    # Expression subclasses declare output fields, not tables, even through a chain;
    # a chain through an analysed class to AbstractUser, or an unknown library base, may be
    assert set(graph.tables) == {"users_user", "users_profile", "offer_benefit"}
    # a proxy is its concrete parent's rows; an orphan proxy gets no made-up table
    assert graph.model_tables["shop.offer.benefits.PercentageBenefit"] == "offer_benefit"
    assert "shop.offer.orphans.Orphan" not in graph.model_tables
    assert graph.tables["offer_benefit"].model == "shop.offer.models.Benefit"
    assert [(a.symbol, a.table, a.mode) for a in graph.accesses] == [
        ("shop.offer.benefits.PercentageBenefit.apply", "offer_benefit", "write")]


def test_self_key_of_an_abstract_model_points_at_the_concrete_child() -> None:
    facts = facts_from_sources({
        "shop/__init__.py": "",
        "shop/catalogue/__init__.py": "",
        "shop/catalogue/abstract_models.py": '''
from django.db import models

class AbstractProduct(models.Model):
    parent = models.ForeignKey("self", null=True, on_delete=models.CASCADE)

    class Meta:
        abstract = True
        app_label = "catalogue"
''',
        "shop/catalogue/models.py": '''
from shop.catalogue.abstract_models import AbstractProduct

class Product(AbstractProduct):
    pass
''',
    })
    graph = link(scan_of(facts), facts)
    assert [(fk.columns, fk.ref_table) for fk in graph.tables["catalogue_product"].foreign_keys] \
        == [(["parent_id"], "catalogue_product")]
    assert not [w for w in graph.warnings if w.kind == "orm_unknown_model"]


FLASK_SHOP = {
    "app/__init__.py": "",
    "app/extensions.py": '''
from flask_sqlalchemy import SQLAlchemy
from flask_sqlalchemy.model import Model
from sqlalchemy import Column, DateTime, Integer

class BaseModel(Model):
    id = Column(Integer, primary_key=True)
    created_at = Column(DateTime)

class LockedAlchemy(SQLAlchemy):
    pass

db = LockedAlchemy(model_class=BaseModel)
''',
    "app/database.py": '''
from app.extensions import db

Column = db.Column

class CRUDMixin:
    def save(self):
        db.session.add(self)

class Model(CRUDMixin, db.Model):
    __abstract__ = True
''',
    "app/orders.py": '''
from app.database import Column, Model, db

class OrderItem(Model):
    sku = Column(db.String(40), nullable=False)

class Order(Model):
    __tablename__ = "orders"
    kind = Column(db.String(10))

class GiftOrder(Order):
    message = Column(db.Text)
    item_id = Column(db.Integer, db.ForeignKey("order_item.id"))

class Wholesale(Order):
    __tablename__ = "wholesale"  # no key of its own: Flask-SQLAlchemy drops the name

class Subscription(Order):
    id = Column(None, db.ForeignKey("orders.id"), primary_key=True)
    period = Column(db.Integer)
''',
    "plugins/__init__.py": "",
    "plugins/chat.py": '''
from app.database import Column, Model, db

class ChatMessage(Model):
    __tablename__ = "chat_messages"
    body = Column(db.Text)
''',
}


def test_flask_sqlalchemy_names_bases_and_inheritance_across_files() -> None:
    facts = facts_from_sources(FLASK_SHOP)
    graph = link(scan_of(facts), facts)
    # no "base_model" (a mixin) and no "wholesale" (single-table despite its name)
    assert set(graph.tables) == {"order_item", "orders", "subscription", "chat_messages"}
    assert graph.model_tables["app.orders.OrderItem"] == "order_item"  # from the class name
    assert graph.model_tables["app.orders.GiftOrder"] == "orders"  # single-table
    assert graph.model_tables["app.orders.Wholesale"] == "orders"
    # every model inherits the columns of the model_class given to SQLAlchemy()
    assert [c.name for c in graph.tables["order_item"].columns] == ["sku", "id", "created_at"]
    assert [c.name for c in graph.tables["chat_messages"].columns] == [
        "body", "id", "created_at"]
    orders = graph.tables["orders"]
    assert [c.name for c in orders.columns] == [
        "kind", "id", "created_at", "message", "item_id"]
    # the single-table child's key lands on the shared table
    assert [(fk.columns, fk.ref_table) for fk in orders.foreign_keys] == [
        (["item_id"], "order_item")]
    # joined-table inheritance: its own table, the key column typed like the parent's
    subscription = {c.name: c for c in graph.tables["subscription"].columns}
    assert (subscription["id"].type, subscription["id"].primary_key) == ("integer", True)
    assert not [w for w in graph.warnings if w.kind.startswith("orm")]


ENUMS = {
    "shop/__init__.py": "",
    "shop/domain/__init__.py": "from shop.domain.enums import OrderStatus, Channel\n",
    "shop/domain/enums.py": '''
import enum
from django.db import models

class OrderStatus(enum.StrEnum):
    CREATED = "created"
    PAID = "paid"

class Channel(enum.IntEnum):
    EMAIL = 1
    SMS = 2

class Rating(models.IntegerChoices):
    BAD = 1, "Bad"
    GOOD = 5, "Good"

Legacy = enum.Enum("Legacy", "old older")
''',
    "shop/models.py": '''
from sqlalchemy import Column, Enum, Integer
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from shop.domain import Channel, OrderStatus
from shop.domain.enums import Legacy

class Base(DeclarativeBase):
    pass

def _enum(cls):
    return Enum(cls, values_callable=lambda members: [m.value for m in members])

class Order(Base):
    __tablename__ = "orders"
    id = Column(Integer, primary_key=True)
    status = Column(_enum(OrderStatus), default=OrderStatus.CREATED)
    status_name = Column(Enum(OrderStatus), default=OrderStatus.PAID)
    channel: Mapped[Channel] = mapped_column(default=Channel.SMS)
    legacy = Column(Enum(Legacy), default=Legacy.old)
''',
    "shop/reviews/__init__.py": "",
    "shop/reviews/models.py": '''
from django.db import models
from shop.domain.enums import Rating

class Review(models.Model):
    rating = models.IntegerField(choices=Rating.choices, default=Rating.GOOD)
''',
}


def test_enums_of_another_file_give_values_and_defaults() -> None:
    facts = facts_from_sources(ENUMS)
    graph = link(scan_of(facts), facts)
    cols = {c.name: c for c in graph.tables["orders"].columns}
    got = {n: (c.type, c.enum_values, c.default) for n, c in cols.items() if n != "id"}
    assert got == {
        "status": ("enum", ["created", "paid"], "'created'"),  # values_callable: values
        "status_name": ("enum", ["CREATED", "PAID"], "'PAID'"),  # plain Enum(): names
        "channel": ("enum", ["EMAIL", "SMS"], "'SMS'"),  # Mapped[Channel], re-exported
        "legacy": ("enum", ["old", "older"], "'old'"),  # the functional API
    }
    rating = next(c for c in graph.tables["reviews_review"].columns if c.name == "rating")
    assert (rating.type, rating.enum_values, rating.default) == ("integer", ["1", "5"], "5")


DJANGO_USERS = {
    "proj/__init__.py": "",
    "proj/settings.py": 'AUTH_USER_MODEL = "accounts.Member"\n',
    "proj/tests/__init__.py": "",
    "proj/tests/settings.py": 'AUTH_USER_MODEL = "testauth.User"\n',
    "accounts/__init__.py": "",
    "accounts/models.py": '''
from django.contrib.auth.models import AbstractUser

class Member(AbstractUser):
    pass
''',
    "orders/__init__.py": "",
    "orders/models.py": '''
from django.conf import settings
from django.db import models

class Order(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE)
    site = models.ForeignKey("sites.Site", on_delete=models.CASCADE)
''',
    "orders/views.py": '''
from django.contrib.auth import get_user_model

User = get_user_model()

def customers():
    return User.objects.filter(is_staff=False)
''',
}


def test_django_user_model_from_the_settings_else_auth_user() -> None:
    facts = facts_from_sources(DJANGO_USERS)
    graph = link(scan_of(facts), facts)
    order = graph.tables["orders_order"]
    assert {(tuple(fk.columns), fk.ref_table) for fk in order.foreign_keys} == {
        (("user_id",), "accounts_member"), (("site_id",), "django_site")}
    assert [(a.symbol, a.table) for a in graph.accesses] == [
        ("orders.views.customers", "accounts_member")]
    assert graph.tables["django_site"].orm == "django"
    assert not [w for w in graph.warnings if w.kind == "orm_unknown_model"]
    # no AUTH_USER_MODEL in the project's settings: Django's own auth_user, with its columns
    default = {k: v for k, v in DJANGO_USERS.items() if k != "proj/settings.py"}
    default["proj/settings.py"] = "DEBUG = True\n"
    facts = facts_from_sources(default)
    graph = link(scan_of(facts), facts)
    assert {(tuple(fk.columns), fk.ref_table) for fk in graph.tables["orders_order"]
            .foreign_keys} >= {(("user_id",), "auth_user")}
    auth_user = graph.tables["auth_user"]
    assert (auth_user.orm, auth_user.model) == ("django", "django.contrib.auth.models.User")
    assert {"username", "email", "password"} <= {c.name for c in auth_user.columns}


def test_the_bundled_shop_models_keep_their_defaults() -> None:
    """The fixture's models module (enum members stored by value through a type factory,
    a Decimal, callables) read and linked as `strangler analyze` does."""
    shop = Path(__file__).resolve().parents[2] / "fixtures" / "shop_monolith"
    sources = {f"shop/{name}": (shop / "shop" / name).read_text()
               for name in ("__init__.py", "db.py", "models.py")}
    facts = facts_from_sources(sources)
    graph = link(scan_of(facts), facts)

    def default(table: str, column: str) -> str | None:
        return next(c.default for c in graph.tables[table].columns if c.name == column)

    assert default("orders", "status") == "'created'"
    assert default("payments", "status") == "'pending'"
    assert default("reservations", "status") == "'held'"
    assert default("orders", "total") == "Decimal('0.00')"
    assert default("orders", "currency") == "'EUR'"
    assert default("orders", "created_at") == "utcnow"
    assert default("inventory", "reorder_level") == "5"
    assert default("users", "is_active") == "True"
