"""Domain models of the orders service: the tables it owns, in its own schema.

Generated from the monolith's analysis. A foreign key to a table owned by another service
is kept as a plain id column (no database constraint): that service is the only one
that may write its tables, and it is reached through its API or its events.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Date,
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    Numeric,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.db import Base, utcnow


class OrderStatus(StrEnum):
    CREATED = "created"
    PAID = "paid"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    FAILED = "failed"


class ShipmentStatus(StrEnum):
    PENDING = "pending"
    SHIPPED = "shipped"
    DELIVERED = "delivered"


# Status changes Order accepts. The monolith's code does not state its
# lifecycle, so any change to another value is allowed; shorten these sets to forbid one.
ORDER_TRANSITIONS = {
    OrderStatus.CREATED: frozenset(
        {
            OrderStatus.PAID,
            OrderStatus.SHIPPED,
            OrderStatus.DELIVERED,
            OrderStatus.CANCELLED,
            OrderStatus.FAILED,
        }
    ),
    OrderStatus.PAID: frozenset(
        {
            OrderStatus.CREATED,
            OrderStatus.SHIPPED,
            OrderStatus.DELIVERED,
            OrderStatus.CANCELLED,
            OrderStatus.FAILED,
        }
    ),
    OrderStatus.SHIPPED: frozenset(
        {
            OrderStatus.CREATED,
            OrderStatus.PAID,
            OrderStatus.DELIVERED,
            OrderStatus.CANCELLED,
            OrderStatus.FAILED,
        }
    ),
    OrderStatus.DELIVERED: frozenset(
        {
            OrderStatus.CREATED,
            OrderStatus.PAID,
            OrderStatus.SHIPPED,
            OrderStatus.CANCELLED,
            OrderStatus.FAILED,
        }
    ),
    OrderStatus.CANCELLED: frozenset(
        {
            OrderStatus.CREATED,
            OrderStatus.PAID,
            OrderStatus.SHIPPED,
            OrderStatus.DELIVERED,
            OrderStatus.FAILED,
        }
    ),
    OrderStatus.FAILED: frozenset(
        {
            OrderStatus.CREATED,
            OrderStatus.PAID,
            OrderStatus.SHIPPED,
            OrderStatus.DELIVERED,
            OrderStatus.CANCELLED,
        }
    ),
}


# Status changes Shipment accepts. The monolith's code does not state its
# lifecycle, so any change to another value is allowed; shorten these sets to forbid one.
SHIPMENT_TRANSITIONS = {
    ShipmentStatus.PENDING: frozenset({ShipmentStatus.SHIPPED, ShipmentStatus.DELIVERED}),
    ShipmentStatus.SHIPPED: frozenset({ShipmentStatus.PENDING, ShipmentStatus.DELIVERED}),
    ShipmentStatus.DELIVERED: frozenset({ShipmentStatus.PENDING, ShipmentStatus.SHIPPED}),
}


def _stored_as_value(enum_class: type[StrEnum], length: int) -> Enum:
    # A VARCHAR holding the values, not the member names: other readers see plain strings,
    # and a new value needs no ALTER TYPE.
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Order(Base):
    """Table ``orders``.

    In the monolith: shop/models.py:192.
    """

    __tablename__ = "orders"
    __table_args__ = (
        Index("ix_orders_user_id", "user_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Plain id of users.id, owned by the users service: a cross-service reference, without a
    # database constraint.
    user_id: Mapped[int] = mapped_column(Integer, comment="users.id in the users service")
    status: Mapped[OrderStatus] = mapped_column(
        _stored_as_value(OrderStatus, 20),
        default=OrderStatus.CREATED,
    )
    total: Mapped[Decimal] = mapped_column(Numeric(10, 2), default=Decimal("0.00"))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    # Plain id of addresses.id, owned by the users service: a cross-service reference, without a
    # database constraint.
    shipping_address_id: Mapped[int | None] = mapped_column(
        Integer,
        comment="addresses.id in the users service",
    )
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True),
        default=utcnow,
        onupdate=utcnow,
    )

    items: Mapped[list[OrderItem]] = relationship(
        back_populates="order",
        cascade="all, delete-orphan",
        lazy="selectin",
        foreign_keys="[OrderItem.order_id]",
        order_by="[OrderItem.id]",
    )


class OrderItem(Base):
    """Table ``order_items``."""

    __tablename__ = "order_items"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("orders.id", name="fk_order_items_order_id"),
    )
    # Plain id of products.id, owned by the catalog service: a cross-service reference, without a
    # database constraint.
    product_id: Mapped[int] = mapped_column(Integer, comment="products.id in the catalog service")
    product_name: Mapped[str] = mapped_column(String(200))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price: Mapped[Decimal] = mapped_column(Numeric(10, 2))

    order: Mapped[Order] = relationship(back_populates="items", foreign_keys="[OrderItem.order_id]")


class Shipment(Base):
    """Table ``shipments``."""

    __tablename__ = "shipments"
    __table_args__ = (
        UniqueConstraint("tracking_number", name="uq_shipments_tracking_number"),
        UniqueConstraint("order_id", name="uq_shipments_order_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("orders.id", name="fk_shipments_order_id"),
    )
    # Plain id of addresses.id, owned by the users service: a cross-service reference, without a
    # database constraint.
    address_id: Mapped[int] = mapped_column(Integer, comment="addresses.id in the users service")
    carrier: Mapped[str] = mapped_column(String(30), default="DHL")
    tracking_number: Mapped[str] = mapped_column(String(40))
    status: Mapped[ShipmentStatus] = mapped_column(
        _stored_as_value(ShipmentStatus, 20),
        default=ShipmentStatus.PENDING,
    )
    estimated_delivery: Mapped[dt.date] = mapped_column(Date)
    shipped_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
