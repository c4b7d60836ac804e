"""Domain models of the payments service: the tables it owns, in its own schema.

Generated from the monolith's analysis. A foreign key to a table owned by another service
is kept as a plain id column (no database constraint): that service is the only one
that may write its tables, and it is reached through its API or its events.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import DateTime, Enum, ForeignKey, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow


class PaymentStatus(StrEnum):
    PENDING = "pending"
    CAPTURED = "captured"
    DECLINED = "declined"
    REFUNDED = "refunded"


# Status changes Payment accepts. The monolith's code does not state its
# lifecycle, so any change to another value is allowed; shorten these sets to forbid one.
PAYMENT_TRANSITIONS = {
    PaymentStatus.PENDING: frozenset(
        {
            PaymentStatus.CAPTURED,
            PaymentStatus.DECLINED,
            PaymentStatus.REFUNDED,
        }
    ),
    PaymentStatus.CAPTURED: frozenset(
        {
            PaymentStatus.PENDING,
            PaymentStatus.DECLINED,
            PaymentStatus.REFUNDED,
        }
    ),
    PaymentStatus.DECLINED: frozenset(
        {
            PaymentStatus.PENDING,
            PaymentStatus.CAPTURED,
            PaymentStatus.REFUNDED,
        }
    ),
    PaymentStatus.REFUNDED: frozenset(
        {
            PaymentStatus.PENDING,
            PaymentStatus.CAPTURED,
            PaymentStatus.DECLINED,
        }
    ),
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


class Payment(Base):
    """Table ``payments``."""

    __tablename__ = "payments"
    __table_args__ = (
        Index("ix_payments_order_id", "order_id"),
        UniqueConstraint("transaction_id", name="uq_payments_transaction_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Plain id of orders.id, owned by the orders service: a cross-service reference, without a
    # database constraint.
    order_id: Mapped[int] = mapped_column(Integer, comment="orders.id in the orders service")
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    currency: Mapped[str] = mapped_column(String(3), default="EUR")
    status: Mapped[PaymentStatus] = mapped_column(
        _stored_as_value(PaymentStatus, 20),
        default=PaymentStatus.PENDING,
    )
    card_last4: Mapped[str] = mapped_column(String(4))
    transaction_id: Mapped[str | None] = mapped_column(String(64))
    failure_message: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True),
        default=utcnow,
        onupdate=utcnow,
    )


class Refund(Base):
    """Table ``refunds``."""

    __tablename__ = "refunds"
    __table_args__ = (
        Index("ix_refunds_payment_id", "payment_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    payment_id: Mapped[int] = mapped_column(
        Integer,
        ForeignKey("payments.id", name="fk_refunds_payment_id"),
    )
    amount: Mapped[Decimal] = mapped_column(Numeric(10, 2))
    reason: Mapped[str] = mapped_column(String(255), default="")
    transaction_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
