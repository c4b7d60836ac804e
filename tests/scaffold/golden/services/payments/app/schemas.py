"""Request and response bodies of the payments API."""

import datetime as dt
from decimal import Decimal
from typing import ClassVar, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.models import PaymentStatus

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    """One page of a list, with the number of all matching rows."""

    items: list[T]
    total: int
    limit: int
    offset: int


class UpdateBody(BaseModel):
    """A partial update: fields left out keep their value; null only where allowed."""

    not_null: ClassVar[frozenset[str]] = frozenset()

    @model_validator(mode="after")
    def _refuse_null_for_required(self) -> Self:
        given = self.model_fields_set & self.not_null
        nulled = sorted(name for name in given if getattr(self, name) is None)
        if nulled:
            raise ValueError(f"may not be null: {', '.join(nulled)}")
        return self


class PaymentCreate(BaseModel):
    """Body of ``POST /api/payments``."""

    order_id: int
    amount: Decimal = Field(max_digits=10, decimal_places=2)
    currency: str = Field(default="EUR", max_length=3)
    status: PaymentStatus = PaymentStatus.PENDING
    card_last4: str = Field(max_length=4)
    transaction_id: str | None = Field(default=None, max_length=64)
    failure_message: str | None = Field(default=None, max_length=255)


class PaymentRead(BaseModel):
    """Payment as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    order_id: int
    amount: Decimal
    currency: str
    status: PaymentStatus
    card_last4: str
    transaction_id: str | None
    failure_message: str | None
    created_at: dt.datetime
    updated_at: dt.datetime


class PaymentUpdate(UpdateBody):
    """Body of ``PATCH /api/payments/{id}``."""

    not_null: ClassVar[frozenset[str]] = frozenset({"order_id", "amount", "currency", "card_last4"})
    order_id: int | None = None
    amount: Decimal | None = Field(default=None, max_digits=10, decimal_places=2)
    currency: str | None = Field(default=None, max_length=3)
    card_last4: str | None = Field(default=None, max_length=4)
    transaction_id: str | None = Field(default=None, max_length=64)
    failure_message: str | None = Field(default=None, max_length=255)


class PaymentQuery(BaseModel):
    """Paging and filters of ``GET /api/payments``."""

    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)
    order_id: int | None = None
    status: PaymentStatus | None = None
    transaction_id: str | None = None


class PaymentStatusChange(BaseModel):
    """Body of ``POST /api/payments/{id}/status``."""

    status: PaymentStatus


class RefundCreate(BaseModel):
    """Body of ``POST /api/payments/refunds``."""

    payment_id: int
    amount: Decimal = Field(max_digits=10, decimal_places=2)
    reason: str = Field(default="", max_length=255)
    transaction_id: str = Field(max_length=64)


class RefundRead(BaseModel):
    """Refund as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    payment_id: int
    amount: Decimal
    reason: str
    transaction_id: str
    created_at: dt.datetime


class RefundUpdate(UpdateBody):
    """Body of ``PATCH /api/payments/refunds/{id}``."""

    not_null: ClassVar[frozenset[str]] = frozenset(
        {
            "payment_id",
            "amount",
            "reason",
            "transaction_id",
        }
    )
    payment_id: int | None = None
    amount: Decimal | None = Field(default=None, max_digits=10, decimal_places=2)
    reason: str | None = Field(default=None, max_length=255)
    transaction_id: str | None = Field(default=None, max_length=64)


class RefundQuery(BaseModel):
    """Paging and filters of ``GET /api/payments/refunds``."""

    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)
    payment_id: int | None = None
    transaction_id: str | None = None
