"""Request and response bodies of the orders API."""

import datetime as dt
from decimal import Decimal
from typing import ClassVar, Generic, Self, TypeVar

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.models import OrderStatus, ShipmentStatus

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


class OrderItemCreate(BaseModel):
    """One order item inside the body that creates its order."""

    product_id: int
    product_name: str = Field(max_length=200)
    quantity: int
    unit_price: Decimal = Field(max_digits=10, decimal_places=2)


class OrderItemRead(BaseModel):
    """OrderItem as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    order_id: int
    product_id: int
    product_name: str
    quantity: int
    unit_price: Decimal


class OrderCreate(BaseModel):
    """Body of ``POST /api/orders``."""

    user_id: int
    status: OrderStatus = OrderStatus.CREATED
    total: Decimal = Field(default=Decimal("0.00"), max_digits=10, decimal_places=2)
    currency: str = Field(default="EUR", max_length=3)
    shipping_address_id: int | None = None
    items: list[OrderItemCreate] = Field(default_factory=list)


class OrderRead(BaseModel):
    """Order as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    user_id: int
    status: OrderStatus
    total: Decimal
    currency: str
    shipping_address_id: int | None
    created_at: dt.datetime
    updated_at: dt.datetime
    items: list[OrderItemRead]


class OrderUpdate(UpdateBody):
    """Body of ``PATCH /api/orders/{id}``."""

    not_null: ClassVar[frozenset[str]] = frozenset({"user_id", "total", "currency"})
    user_id: int | None = None
    total: Decimal | None = Field(default=None, max_digits=10, decimal_places=2)
    currency: str | None = Field(default=None, max_length=3)
    shipping_address_id: int | None = None


class OrderQuery(BaseModel):
    """Paging and filters of ``GET /api/orders``."""

    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)
    user_id: int | None = None
    status: OrderStatus | None = None
    shipping_address_id: int | None = None


class OrderStatusChange(BaseModel):
    """Body of ``POST /api/orders/{id}/status``."""

    status: OrderStatus


class ShipmentCreate(BaseModel):
    """Body of ``POST /api/orders/shipments``."""

    order_id: int
    address_id: int
    carrier: str = Field(default="DHL", max_length=30)
    tracking_number: str = Field(max_length=40)
    status: ShipmentStatus = ShipmentStatus.PENDING
    estimated_delivery: dt.date
    shipped_at: dt.datetime | None = None


class ShipmentRead(BaseModel):
    """Shipment as the API returns it."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    order_id: int
    address_id: int
    carrier: str
    tracking_number: str
    status: ShipmentStatus
    estimated_delivery: dt.date
    shipped_at: dt.datetime | None


class ShipmentUpdate(UpdateBody):
    """Body of ``PATCH /api/orders/shipments/{id}``."""

    not_null: ClassVar[frozenset[str]] = frozenset(
        {
            "order_id",
            "address_id",
            "carrier",
            "tracking_number",
            "estimated_delivery",
        }
    )
    order_id: int | None = None
    address_id: int | None = None
    carrier: str | None = Field(default=None, max_length=30)
    tracking_number: str | None = Field(default=None, max_length=40)
    estimated_delivery: dt.date | None = None
    shipped_at: dt.datetime | None = None


class ShipmentQuery(BaseModel):
    """Paging and filters of ``GET /api/orders/shipments``."""

    limit: int = Field(default=50, ge=1, le=200)
    offset: int = Field(default=0, ge=0)
    order_id: int | None = None
    address_id: int | None = None
    tracking_number: str | None = None
    status: ShipmentStatus | None = None


class ShipmentStatusChange(BaseModel):
    """Body of ``POST /api/orders/shipments/{id}/status``."""

    status: ShipmentStatus
