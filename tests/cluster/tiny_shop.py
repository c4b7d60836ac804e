"""A tiny layer-organised shop monolith (one models module, services calling each other,
a checkout writing four domains, raw-SQL reporting) shared by the cluster and assess tests,
and a helper that runs link → cluster → assess on it."""

from __future__ import annotations

from link.facts_builder import facts_from_sources, scan_of

from analyzer.assess import Assessment, assess
from analyzer.cluster import cluster
from analyzer.domains import domains
from analyzer.link import link
from analyzer.model.config import Settings
from analyzer.model.graph import CoChangeHistory, Decomposition, ProgramGraph

README = """# Tiny shop

## Business domains

**Users.** Customers register and keep their addresses.

**Orders.** Orders and their order items; checkout places the order.

**Payments.** Payments charge the card; refunds give money back.

**Inventory.** Stock levels and reservations of stock for orders.

**Notifications.** E-mails we send to customers.
"""

SOURCES = {
    "shop/__init__.py": "",
    "shop/db.py": '''
from sqlalchemy.orm import DeclarativeBase, sessionmaker

class Base(DeclarativeBase):
    pass

SessionLocal = sessionmaker()

def get_session():
    return SessionLocal()
''',
    "shop/errors.py": '''
class ShopError(Exception):
    pass

class NotFound(ShopError):
    pass
''',
    "shop/models.py": '''
from decimal import Decimal
from sqlalchemy import ForeignKey, String, Numeric
from sqlalchemy.orm import Mapped, mapped_column
from shop.db import Base

class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(255), unique=True)

class Address(Base):
    __tablename__ = "addresses"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    city: Mapped[str] = mapped_column(String(100))

class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    total: Mapped[Decimal] = mapped_column(Numeric(10, 2))

class OrderItem(Base):
    __tablename__ = "order_items"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    quantity: Mapped[int] = mapped_column()

class Payment(Base):
    __tablename__ = "payments"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))

class Refund(Base):
    __tablename__ = "refunds"
    id: Mapped[int] = mapped_column(primary_key=True)
    payment_id: Mapped[int] = mapped_column(ForeignKey("payments.id"))

class Stock(Base):
    __tablename__ = "stock"
    id: Mapped[int] = mapped_column(primary_key=True)
    quantity: Mapped[int] = mapped_column()

class Reservation(Base):
    __tablename__ = "reservations"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    quantity: Mapped[int] = mapped_column()

class Notification(Base):
    __tablename__ = "notifications"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(String(500))
''',
    "shop/services/__init__.py": "",
    "shop/services/users.py": '''
from sqlalchemy import select
from shop.db import get_session
from shop.errors import NotFound
from shop.models import Address, User

def register_user(email):
    session = get_session()
    user = User(email=email)
    session.add(user)
    return user

def get_user(user_id):
    session = get_session()
    user = session.get(User, user_id)
    if user is None:
        raise NotFound()
    return user

def add_address(user_id, city):
    session = get_session()
    session.add(Address(user_id=user_id, city=city))

def list_addresses(user_id):
    session = get_session()
    return session.scalars(select(Address).where(Address.user_id == user_id)).all()
''',
    "shop/services/inventory.py": '''
from sqlalchemy import select
from shop.db import get_session
from shop.errors import NotFound
from shop.models import Reservation, Stock

def reserve_stock(order_id, quantity):
    session = get_session()
    stock = session.scalar(select(Stock))
    if stock is None:
        raise NotFound()
    session.add(Reservation(order_id=order_id, quantity=quantity))

def release_stock(order_id):
    session = get_session()
    for reservation in session.scalars(select(Reservation)):
        session.delete(reservation)

def stock_level():
    session = get_session()
    return session.scalar(select(Stock))
''',
    "shop/services/payments.py": '''
from sqlalchemy import select
from shop.db import get_session
from shop.models import Payment, Refund

def charge_card(order_id, amount):
    session = get_session()
    payment = Payment(order_id=order_id, amount=amount)
    session.add(payment)
    return payment

def refund_payment(payment_id):
    session = get_session()
    session.add(Refund(payment_id=payment_id))

def payments_for_order(order_id):
    session = get_session()
    return session.scalars(select(Payment).where(Payment.order_id == order_id)).all()
''',
    "shop/services/notifications.py": '''
from shop.db import get_session
from shop.models import Notification

def send_confirmation(user_id, text):
    session = get_session()
    session.add(Notification(user_id=user_id, body=text))
''',
    "shop/services/orders.py": '''
from sqlalchemy import select
from shop.db import get_session
from shop.errors import NotFound
from shop.models import Order, OrderItem
from shop.services import inventory, notifications, payments, users

def checkout(user_id, quantity, amount):
    session = get_session()
    users.get_user(user_id)
    order = Order(user_id=user_id, total=amount)
    session.add(order)
    session.add(OrderItem(order_id=order.id, quantity=quantity))
    inventory.reserve_stock(order.id, quantity)
    payment = payments.charge_card(order.id, amount)
    if payment is None:
        inventory.release_stock(order.id)
        raise NotFound()
    notifications.send_confirmation(user_id, "thanks")
    return order

def cancel_order(order_id):
    session = get_session()
    order = session.get(Order, order_id)
    session.delete(order)

def get_order(order_id):
    session = get_session()
    order = session.get(Order, order_id)
    if order is None:
        raise NotFound()
    return order
''',
    "shop/reporting.py": '''
from sqlalchemy import text
from shop.db import get_session

def sales_report():
    session = get_session()
    return session.execute(text(
        "SELECT u.email, SUM(p.amount) FROM orders o JOIN payments p ON p.order_id = o.id "
        "JOIN users u ON u.id = o.user_id JOIN order_items i ON i.order_id = o.id "
        "JOIN stock s ON s.id = i.id GROUP BY u.email"
    )).all()
''',
}


def tiny_graph(sources: dict[str, str] | None = None) -> ProgramGraph:
    facts = facts_from_sources(sources or SOURCES)
    return link(scan_of(facts), facts)


def tiny_shop(settings: Settings | None = None, readme: str | None = README,
              sources: dict[str, str] | None = None,
              ) -> tuple[ProgramGraph, Decomposition, Assessment]:
    settings = settings or Settings()
    graph = tiny_graph(sources)
    vocab = domains(readme, source="README.md")
    decomposition = cluster(graph, CoChangeHistory(), vocab, settings)
    return graph, decomposition, assess(graph, decomposition, vocab, settings)
