"""SQLAlchemy models (declarative, Core, Flask-SQLAlchemy, SQLModel) and ORM access."""

from __future__ import annotations

MODELS = """
    import enum
    from typing import Optional
    from sqlalchemy import (Column, Enum, ForeignKey, Index, Integer, Numeric, String, Table,
                            UniqueConstraint, select, insert, update, delete)
    from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, declared_attr
    from shop.db import metadata

    class Base(DeclarativeBase):
        pass

    class OrderStatus(enum.Enum):
        PENDING = "pending"
        PAID = "paid"

    order_tags = Table(
        "order_tags", metadata,
        Column("order_id", ForeignKey("orders.id"), primary_key=True),
        Column("tag_id", Integer, ForeignKey("tags.id"), primary_key=True),
    )

    class Order(Base):
        __tablename__ = "orders"
        __table_args__ = (
            Index("ix_orders_user_status", "user_id", "status"),
            UniqueConstraint("number", name="uq_number"),
        )

        id: Mapped[int] = mapped_column(primary_key=True)
        number: Mapped[str] = mapped_column(String(32))
        note: Mapped[Optional[str]] = mapped_column(String(200))
        memo: Mapped[str | None]
        total = Column(Numeric(10, 2), nullable=False, default=0)
        status: Mapped[OrderStatus] = mapped_column(Enum(OrderStatus), index=True)
        kind = Column(Enum("web", "phone", name="order_kind"))
        user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), unique=True)
        tags = relationship("Tag", secondary=order_tags)
        labels = relationship("Label", secondary="order_labels")
        user: Mapped["User"] = relationship(back_populates="orders")

    class Tag(Base):
        __tablename__ = "tags"
        id = Column(Integer, primary_key=True)
        status = Column(Enum(ExternalStatus))

    class Dynamic(Base):
        @declared_attr
        def __tablename__(cls):
            return cls.__name__.lower()
        id = Column(Integer, primary_key=True)

    class Manager(Order):
        __mapper_args__ = {"polymorphic_identity": "manager"}
"""


def models(facts):
    return {m.qualname: m for m in facts.models}


def columns(model):
    return {c.name: c for c in model.columns}


def test_declarative_model_columns_and_types(extract, line):
    facts = extract(MODELS, module="shop.models")
    order = models(facts)["shop.models.Order"]
    assert (order.orm, order.table, order.line) == \
        ("sqlalchemy", "orders", line(MODELS, "class Order(Base)"))
    cols = columns(order)
    assert (cols["id"].type, cols["id"].primary_key, cols["id"].nullable) == \
        ("integer", True, False)
    assert (cols["number"].type, cols["number"].length, cols["number"].nullable) == \
        ("string", 32, False)
    assert cols["note"].nullable is True  # Mapped[Optional[str]]
    assert (cols["memo"].type, cols["memo"].nullable) == ("string", True)  # annotation only
    total = cols["total"]
    assert (total.type, total.precision, total.scale, total.nullable, total.default) == \
        ("numeric", 10, 2, False, "0")
    status = cols["status"]
    assert (status.type, status.enum_name, status.enum_values, status.index) == \
        ("enum", "OrderStatus", ["PENDING", "PAID"], True)
    assert (cols["kind"].enum_values, cols["kind"].enum_name) == (["web", "phone"], "order_kind")
    assert (cols["user_id"].foreign_key, cols["user_id"].unique) == ("users.id", True)
    assert "user" not in cols and "tags" not in cols
    fk = next(f for f in order.foreign_keys if f.kind == "fk")
    assert (fk.columns, fk.ref_table, fk.ref_columns) == (["user_id"], "users", ["id"])
    indexes = {(i.name, tuple(i.columns), i.unique) for i in order.indexes}
    assert indexes == {("ix_orders_user_status", ("user_id", "status"), False),
                       ("uq_number", ("number",), True)}
    tag_status = columns(models(facts)["shop.models.Tag"])["status"]
    assert (tag_status.enum_name, tag_status.enum_values) == ("ExternalStatus", None)


def test_association_tables_and_m2m(extract):
    facts = extract(MODELS, module="shop.models")
    found = models(facts)
    assoc = found["shop.models.order_tags"]
    assert (assoc.orm, assoc.table) == ("sqlalchemy_core", "order_tags")
    assert {c.name: c.foreign_key for c in assoc.columns} == \
        {"order_id": "orders.id", "tag_id": "tags.id"}
    assert all(c.primary_key and not c.nullable for c in assoc.columns)
    m2m = {f.ref_model: f for f in found["shop.models.Order"].foreign_keys if f.kind == "m2m"}
    assert m2m["shop.models.Tag"].through_table == "order_tags"  # defined in the file
    assert m2m["Label"].through_table == "order_labels"  # not placeable: bare class name


def test_declared_attr_sti_and_base(extract, line):
    facts = extract(MODELS, module="shop.models")
    found = models(facts)
    assert "shop.models.Base" not in found
    assert found["shop.models.Dynamic"].table is None
    warning = next(w for w in facts.warnings if w.kind == "orm_ambiguous")
    assert warning.line == line(MODELS, "def __tablename__")
    assert "declared_attr" in warning.message
    manager = found["shop.models.Manager"]
    assert manager.table is None and manager.bases == ["shop.models.Order"]


def test_table_attribute_and_other_namesakes(extract):
    facts = extract("""
        import sqlalchemy as sa
        from django_tables2 import Column as TableColumn
        from shop.db import Base, metadata

        class Legacy(Base):
            __table__ = sa.Table("legacy_orders", metadata,
                                 sa.Column("id", sa.BigInteger, primary_key=True))

        class OrderTable:
            name = TableColumn(accessor="name")
    """, module="shop.legacy")
    found = models(facts)
    assert list(found) == ["shop.legacy.Legacy"]
    assert found["shop.legacy.Legacy"].table == "legacy_orders"
    assert columns(found["shop.legacy.Legacy"])["id"].type == "bigint"


def test_flask_sqlalchemy_and_sqlmodel_default_tables(extract):
    facts = extract("""
        from flask_sqlalchemy import SQLAlchemy
        from sqlmodel import Field, SQLModel

        db = SQLAlchemy()

        class OrderLine(db.Model):
            id = db.Column(db.Integer, primary_key=True)
            sku = db.Column(db.String(40), nullable=False)

        class Hero(SQLModel, table=True):
            id: int | None = Field(default=None, primary_key=True)
            name: str = Field(index=True)
            team_id: int | None = Field(default=None, foreign_key="team.id")
    """, module="shop.models")
    found = models(facts)
    line = found["shop.models.OrderLine"]
    assert line.table == "order_line"
    assert (columns(line)["sku"].length, columns(line)["sku"].nullable) == (40, False)
    hero = found["shop.models.Hero"]
    assert hero.table == "hero"
    cols = columns(hero)
    assert (cols["id"].primary_key, cols["name"].index, cols["team_id"].foreign_key) == \
        (True, True, "team.id")
    assert cols["team_id"].nullable is True and cols["name"].nullable is False


def accesses(facts):
    return {(a.scope.rpartition(".")[2], a.mode, a.model, a.operation) for a in facts.accesses}


def test_reads_and_writes(extract):
    facts = extract("""
        from sqlalchemy import select, insert, update, delete
        from shop.models import Order, OrderLine, Payment, order_tags
        from shop.db import db

        def reads(session, order_id):
            session.query(Order).filter(Order.id == order_id).all()
            session.scalars(select(Payment).join(OrderLine)).all()
            session.get(Order, order_id)
            Order.query.filter_by(id=order_id).first()
            session.execute(select(order_tags.c.order_id))

        def writes(session, order_id):
            session.add(Order(number="1"))
            line = OrderLine(sku="x")
            session.add_all([line, Payment(amount=1)])
            session.execute(insert(Order).values(number="2"))
            session.execute(update(Payment).where(Payment.id == 1).values(amount=2))
            session.execute(delete(OrderLine))
            session.query(Order).filter(Order.id == order_id).delete()
            session.bulk_insert_mappings(Payment, [{}])
            order_tags.insert()

        def mutate(session, order_id):
            order = session.get(Order, order_id)
            order.status = "paid"
            first = session.query(Payment).filter_by(order_id=order_id).first()
            first.amount += 1
            found = session.scalars(select(OrderLine)).one()
            session.delete(found)
            for line in session.query(OrderLine):
                line.qty = 0
    """)
    found = accesses(facts)
    assert {
        ("reads", "read", "shop.models.Order", "query"),
        ("reads", "read", "shop.models.Payment", "select"),
        ("reads", "read", "shop.models.OrderLine", "join"),
        ("reads", "read", "shop.models.Order", "session.get"),
        ("reads", "read", "shop.models.order_tags", "select"),
    } <= found
    writes = {a for a in found if a[0] == "writes"}
    assert writes == {
        ("writes", "write", "shop.models.Order", "session.add"),
        ("writes", "write", "shop.models.OrderLine", "session.add_all"),
        ("writes", "write", "shop.models.Payment", "session.add_all"),
        ("writes", "write", "shop.models.Order", "insert"),
        ("writes", "write", "shop.models.Payment", "update"),
        ("writes", "write", "shop.models.OrderLine", "delete"),
        ("writes", "write", "shop.models.Order", "query.delete"),
        ("writes", "write", "shop.models.Payment", "session.bulk_insert_mappings"),
        ("writes", "write", "shop.models.order_tags", "table.insert"),
    }
    mutate = {a for a in found if a[0] == "mutate" and a[1] == "write"}
    assert mutate == {
        ("mutate", "write", "shop.models.Order", "attribute_set"),
        ("mutate", "write", "shop.models.Payment", "attribute_set"),
        ("mutate", "write", "shop.models.OrderLine", "session.delete"),
        ("mutate", "write", "shop.models.OrderLine", "attribute_set"),
    }
    assert any(a.model == "shop.models.Order" and a.mode == "read" for a in facts.accesses
               if a.scope.endswith(".reads") and a.line == 10)  # Flask-SQLAlchemy M.query


def test_dict_get_and_list_insert_are_not_orm(extract):
    facts = extract("""
        from shop.models import Order
        REGISTRY = {}

        def f(items):
            REGISTRY.get(Order, None)
            items.insert(0, 1)
            items.delete()
    """)
    assert facts.accesses == []


def test_alembic_create_table(extract):
    facts = extract("""
        import sqlalchemy as sa
        from alembic import op

        def upgrade():
            op.create_table(
                "invoices",
                sa.Column("id", sa.Integer(), nullable=False),
                sa.Column("order_id", sa.Integer(), sa.ForeignKey("orders.id")),
                sa.PrimaryKeyConstraint("id"),
            )
    """, module="migrations.versions.0001_invoices")
    model = facts.models[0]
    assert (model.table, model.orm) == ("invoices", "sqlalchemy_core")
    assert columns(model)["id"].primary_key
    assert columns(model)["order_id"].foreign_key == "orders.id"


def test_session_delete_writes_the_model_of_a_typed_variable_only(extract):
    facts = extract("""
        from sqlalchemy.orm import Session
        from shop.models import Order

        def remove(session: Session, order_id: int) -> None:
            order = session.get(Order, order_id)
            session.delete(order)

        def remove_typed(session: Session, order: Order) -> None:
            session.delete(order)

        def remove_unknown(session: Session, thing) -> None:
            session.delete(thing)
    """)
    writes = {(a.scope.rpartition(".")[2], a.model, a.operation)
              for a in facts.accesses if a.mode == "write"}
    # the session's own class is never the model written
    assert writes == {("remove", "shop.models.Order", "session.delete"),
                      ("remove_typed", "shop.models.Order", "session.delete")}


def test_explicit_type_wins_over_the_mapped_annotation(extract):
    facts = extract("""
        from typing import Optional
        from sqlalchemy import Numeric, String
        from sqlalchemy.orm import Mapped, mapped_column
        from shop.db import Base

        class Price(Base):
            __tablename__ = "prices"
            id: Mapped[int] = mapped_column(primary_key=True)
            amount: Mapped[float] = mapped_column(Numeric(10, 2))
            code: Mapped[Optional[int]] = mapped_column(String(8))
            rate: Mapped[float]
    """, module="shop.models")
    cols = columns(facts.models[0])
    assert (cols["amount"].type, cols["amount"].precision, cols["amount"].scale,
            cols["amount"].nullable) == ("numeric", 10, 2, False)
    # the annotation still says whether NULL is allowed
    assert (cols["code"].type, cols["code"].length, cols["code"].nullable) == \
        ("string", 8, True)
    assert cols["rate"].type == "float"  # no explicit type: the annotation's


def test_enum_stores_names_unless_values_callable_says_values(extract):
    facts = extract("""
        import enum
        from sqlalchemy import Column, Enum, Integer
        from sqlalchemy.orm import Mapped, mapped_column
        from shop.db import Base

        class Status(enum.StrEnum):
            PAID = "paid"
            SHIPPED = "shipped"

        def _enum(enum_cls):
            "Stored as the lower-case values."
            return Enum(enum_cls, native_enum=False, length=20,
                        values_callable=lambda members: [m.value for m in members])

        class Order(Base):
            __tablename__ = "orders"
            id = Column(Integer, primary_key=True)
            by_name: Mapped[Status] = mapped_column(Enum(Status))
            by_value: Mapped[Status] = mapped_column(
                Enum(Status, values_callable=lambda e: [m.value for m in e], name="st"))
            names_again = Column(Enum(Status, values_callable=lambda e: [x.name for x in e]))
            through_factory: Mapped[Status] = mapped_column(_enum(Status))
            annotated_only: Mapped[Status]
    """, module="shop.models")
    cols = columns(facts.models[0])
    got = {name: (c.type, c.enum_name, c.enum_values, c.length) for name, c in cols.items()
           if name != "id"}
    assert got == {
        "by_name": ("enum", "Status", ["PAID", "SHIPPED"], None),
        "by_value": ("enum", "st", ["paid", "shipped"], None),
        "names_again": ("enum", "Status", ["PAID", "SHIPPED"], None),
        "through_factory": ("enum", "Status", ["paid", "shipped"], 20),
        "annotated_only": ("enum", "Status", ["PAID", "SHIPPED"], None),
    }


def test_same_file_return_types_make_instances(extract, line):
    source = """
        from typing import Optional
        from sqlalchemy import select
        from sqlalchemy.orm import Session
        from shop.models import Inventory, Order

        def _lock_stock(session: Session, sku: str) -> Inventory:
            row = session.scalar(select(Inventory).where(Inventory.sku == sku))
            return row

        def _find(session, sku):
            return session.get(Inventory, sku)

        def _one(session, sku):
            stock = session.scalars(select(Inventory).where(Inventory.sku == sku)).one()
            if stock is None:
                return None
            return stock

        def _maybe_order(session, oid) -> Optional[Order]:
            return None

        def _two_kinds(session, key):
            if key:
                return session.get(Order, key)
            return session.get(Inventory, key)

        def _rows(session):
            yield session.get(Inventory, 1)

        class Stock:
            def _get(self, sku):
                return self.session.get(Inventory, sku)

            async def take(self, sku):
                stock = self._get(sku)
                stock.reserved += 1

        async def reserve(session: Session, sku: str) -> None:
            stock = _lock_stock(session, sku)
            stock.qty -= 1
            found = _find(session, sku)
            found.qty = 0
            one = _one(session, sku)
            one.qty += 2
            order = _maybe_order(session, 1)
            order.state = "held"
            mixed = _two_kinds(session, sku)
            mixed.qty = 1
            for_gen = _rows(session)
            for_gen.qty = 1
    """
    facts = extract(source)
    writes = sorted((a.scope.rpartition(".")[2], a.model.rpartition(".")[2], a.line)
                    for a in facts.accesses if a.mode == "write")
    assert writes == sorted([
        ("take", "Inventory", line(source, "stock.reserved += 1")),
        ("reserve", "Inventory", line(source, "stock.qty -= 1")),
        ("reserve", "Inventory", line(source, "found.qty = 0")),
        ("reserve", "Inventory", line(source, "one.qty += 2")),
        ("reserve", "Order", line(source, 'order.state = "held"')),
    ])  # no single class for _two_kinds, a generator for _rows


def test_flask_sqlalchemy_instance_project_base_and_column_alias(extract):
    """flask-shop's shape: ``db = SQLAlchemy(model_class=BaseModel)`` where BaseModel
    subclasses the plain ``flask_sqlalchemy.model.Model``; an abstract project base with a
    key; a ``Column`` alias imported from the project's own database module."""
    facts = extract("""
        import sqlalchemy as sa
        from flask_sqlalchemy import SQLAlchemy
        from flask_sqlalchemy.model import Model
        from sqlalchemy.orm import column_property, deferred
        from shop.database import Column

        class BaseModel(Model):
            id = sa.Column(sa.Integer, primary_key=True)

        class LockedAlchemy(SQLAlchemy):
            pass

        db = LockedAlchemy(model_class=BaseModel)

        class Base(db.Model):
            __abstract__ = True
            id = db.Column(db.Integer, primary_key=True)

        class Legacy(db.Model):
            __tablename__ = "legacy"
            code = Column(db.String(8))
            total = column_property(db.Column(db.Integer))
            notes = deferred(db.Column(db.Text))

        class Child(Legacy):
            __tablename__ = None
    """, module="shop.models")
    found = models(facts)
    # the plain Model class maps nothing: BaseModel is a mixin, not table "base_model"
    assert found["shop.models.BaseModel"].table is None
    base = found["shop.models.Base"]
    assert (base.abstract, base.table) == (True, None)
    instance = found["shop.models.db.Model"]
    assert (instance.abstract, instance.table, instance.bases) == (
        True, None, ["shop.models.BaseModel", "flask_sqlalchemy.SQLAlchemy.Model"])
    legacy = columns(found["shop.models.Legacy"])
    assert (legacy["code"].type, legacy["code"].length) == ("string", 8)
    assert legacy["total"].type == "integer" and legacy["notes"].type == "text"
    assert found["shop.models.Child"].table is None  # single-table: no table of its own
    # a plugin package importing the alias: a class that declares a table takes it
    plugin = extract("""
        from shop.database import Column, Model, db

        class Message(Model):
            __tablename__ = "messages"
            body = Column(db.Text, nullable=False)

        class NotMapped(Model):
            body = Column(db.Text)
    """, module="plugins.chat.models")
    assert {m.qualname: [c.name for c in m.columns] for m in plugin.models} == {
        "plugins.chat.models.Message": ["body"]}


def test_a_namesake_column_outside_a_mapped_class_is_no_column(extract):
    facts = extract("""
        import django_tables2 as tables

        class OrderTable(tables.Table):
            number = tables.Column()
    """, module="shop.tables")
    assert facts.models == []


def test_column_defaults_literals_enum_members_callables_and_sql(extract):
    facts = extract("""
        import datetime
        import enum
        import uuid
        from decimal import Decimal
        from sqlalchemy import Column, DateTime, Enum, Integer, Numeric, String, func, text
        from shop.db import Base
        from shop.enums import Remote

        DEFAULT_CURRENCY = "EUR"

        class Status(enum.Enum):
            NEW = "new"
            PAID = "paid"

        class Level(enum.IntEnum):
            LOW = 1
            HIGH = 2

        class Order(Base):
            __tablename__ = "orders"
            OPEN = "open"
            id = Column(Integer, primary_key=True)
            by_name = Column(Enum(Status), default=Status.NEW)
            by_value = Column(Enum(Status, values_callable=lambda e: [m.value for m in e]),
                              default=Status.PAID)
            plain = Column(String(10), default=Status.PAID.value)
            level = Column(Integer, default=Level.HIGH)
            remote = Column(Enum(Remote), default=Remote.SENT)
            created = Column(DateTime, default=datetime.datetime.utcnow)
            updated = Column(DateTime, server_default=func.now())
            seen = Column(DateTime, server_default=text("CURRENT_TIMESTAMP"))
            quantity = Column(Integer, server_default="0")
            state = Column(String(10), server_default="pending")
            token = Column(String(36), default=uuid.uuid4)
            total = Column(Numeric(10, 2), default=Decimal("0.00"))
            currency = Column(String(3), default=DEFAULT_CURRENCY)
            phase = Column(String(10), default=OPEN)
            negative = Column(Integer, default=-1)
    """, module="shop.models")
    cols = columns(models(facts)["shop.models.Order"])
    got = {name: c.default for name, c in cols.items() if name != "id"}
    assert got == {
        "by_name": "'NEW'",  # Enum(Status) stores member names
        "by_value": "'paid'",  # values_callable: the values
        "plain": "'paid'",
        "level": "2",
        "remote": "Remote.SENT",  # another file's enum: the link stage finishes it
        "created": "datetime.datetime.utcnow",
        "updated": "now()",
        "seen": "CURRENT_TIMESTAMP",
        "quantity": "0",
        "state": "'pending'",
        "token": "uuid.uuid4",
        "total": "Decimal('0.00')",
        "currency": "'EUR'",
        "phase": "'open'",
        "negative": "-1",
    }
    assert cols["remote"].default_member == "shop.enums.Remote.SENT"
    assert (cols["remote"].enum_class, cols["remote"].enum_stored) == ("shop.enums.Remote", "name")
    assert cols["by_value"].enum_stored == "value"


def test_enum_facts_of_every_enum_form(extract):
    facts = extract("""
        import enum
        from enum import Enum, IntEnum, StrEnum, auto
        import sqlalchemy as sa
        from django.db import models

        class Color(str, Enum):
            RED = "r"
            GREEN = "g"

        class Size(IntEnum):
            SMALL = auto()
            LARGE = auto()

        class Mode(StrEnum):
            FAST = auto()

        class BaseChoice(Enum):
            def label(self):
                return self.name.title()

        class Kind(BaseChoice):
            A = "a"
            label_text = property(lambda self: "x")

        Ship = enum.Enum(value="Ship", names="pending delivered")
        Pair = Enum("Pair", [("ON", 1), ("OFF", 0)])
        status_type = sa.Enum("new", "old", name="status")

        class Order(models.Model):
            class Status(models.TextChoices):
                NEW = "new", "New"
                DONE = "done", "Done"
            status = models.CharField(max_length=8, choices=Status.choices,
                                      default=Status.DONE)
    """, module="shop.enums")
    got = {e.qualname.rpartition(".")[2]: (e.names, e.values, e.int_valued)
           for e in facts.enums}
    assert got == {
        "Color": (["RED", "GREEN"], ["r", "g"], False),
        "Size": (["SMALL", "LARGE"], ["1", "2"], True),
        "Mode": (["FAST"], ["fast"], False),
        "BaseChoice": ([], [], False),
        "Kind": (["A"], ["a"], False),
        "Ship": (["pending", "delivered"], ["1", "2"], True),
        "Pair": (["ON", "OFF"], ["1", "0"], True),
        "Status": (["NEW", "DONE"], ["new", "done"], False),
    }
    assert next(e for e in facts.enums if e.qualname.endswith("Status")).qualname == \
        "shop.enums.Order.Status"
    status = columns(models(facts)["shop.enums.Order"])["status"]
    # Django stores a choice's value; the nested class is found through the model
    assert (status.enum_values, status.default) == (["new", "done"], "'done'")
