"""The events of the system, derived from the analysis of shop_monolith. Each class says where its
fields come from; contracts/README.md explains the rules.
"""

import datetime as dt
from decimal import Decimal
from typing import Any, ClassVar, Literal
from uuid import UUID

from pydantic import Field

from .envelope import BaseEvent, EventPart


class OrderItem(EventPart):
    """One line of OrderCreated: a row of order_items."""

    product_id: int = Field(alias="productId")
    product_name: str = Field(alias="productName")
    quantity: int = Field(alias="quantity")
    unit_price: Decimal = Field(alias="unitPrice")


class OrderCreated(BaseEvent):
    """From the initial status of orders: its identity, business columns and parts (order_items as
    items).
    """

    event_type: ClassVar[str] = "OrderCreated"
    version: ClassVar[int] = 1
    routing_key: ClassVar[str] = "orders.order.created.v1"
    publisher: ClassVar[str] = "orders"
    aggregate_type: ClassVar[str] = "order"
    aggregate_key: ClassVar[tuple[str, ...]] = ("order_id",)
    status: ClassVar[str | None] = "created"

    order_id: int = Field(alias="orderId")
    user_id: int = Field(alias="userId")
    total: Decimal = Field(alias="total")
    currency: str = Field(alias="currency")
    shipping_address_id: int | None = Field(default=None, alias="shippingAddressId")
    items: list[OrderItem] = Field(alias="items")


class OrderPaid(BaseEvent):
    """From orders.status = 'paid', reported by a payments row (its foreign key to orders; 'paid' ~
    payments).
    """

    event_type: ClassVar[str] = "OrderPaid"
    version: ClassVar[int] = 1
    routing_key: ClassVar[str] = "orders.order.paid.v1"
    publisher: ClassVar[str] = "orders"
    aggregate_type: ClassVar[str] = "order"
    aggregate_key: ClassVar[tuple[str, ...]] = ("order_id",)
    status: ClassVar[str | None] = "paid"

    order_id: int = Field(alias="orderId")
    user_id: int = Field(alias="userId")
    payment_id: int = Field(alias="paymentId")
    amount: Decimal = Field(alias="amount")


class OrderShipped(BaseEvent):
    """From orders.status = 'shipped', reported by a shipments row (its foreign key to orders;
    'shipped' ~ shipments).
    """

    event_type: ClassVar[str] = "OrderShipped"
    version: ClassVar[int] = 1
    routing_key: ClassVar[str] = "orders.order.shipped.v1"
    publisher: ClassVar[str] = "orders"
    aggregate_type: ClassVar[str] = "order"
    aggregate_key: ClassVar[tuple[str, ...]] = ("order_id",)
    status: ClassVar[str | None] = "shipped"

    order_id: int = Field(alias="orderId")
    user_id: int = Field(alias="userId")
    shipment_id: int = Field(alias="shipmentId")
    tracking_number: str = Field(alias="trackingNumber")
    estimated_delivery: dt.date = Field(alias="estimatedDelivery")


class OrderDelivered(BaseEvent):
    """From orders.status = 'delivered' (no table reports it: identity only)."""

    event_type: ClassVar[str] = "OrderDelivered"
    version: ClassVar[int] = 1
    routing_key: ClassVar[str] = "orders.order.delivered.v1"
    publisher: ClassVar[str] = "orders"
    aggregate_type: ClassVar[str] = "order"
    aggregate_key: ClassVar[tuple[str, ...]] = ("order_id",)
    status: ClassVar[str | None] = "delivered"

    order_id: int = Field(alias="orderId")
    user_id: int = Field(alias="userId")


class OrderCancelled(BaseEvent):
    """From orders.status = 'cancelled' (no table reports it: identity only)."""

    event_type: ClassVar[str] = "OrderCancelled"
    version: ClassVar[int] = 1
    routing_key: ClassVar[str] = "orders.order.cancelled.v1"
    publisher: ClassVar[str] = "orders"
    aggregate_type: ClassVar[str] = "order"
    aggregate_key: ClassVar[tuple[str, ...]] = ("order_id",)
    status: ClassVar[str | None] = "cancelled"

    order_id: int = Field(alias="orderId")
    user_id: int = Field(alias="userId")


class OrderFailed(BaseEvent):
    """From orders.status = 'failed' (no table reports it: identity only)."""

    event_type: ClassVar[str] = "OrderFailed"
    version: ClassVar[int] = 1
    routing_key: ClassVar[str] = "orders.order.failed.v1"
    publisher: ClassVar[str] = "orders"
    aggregate_type: ClassVar[str] = "order"
    aggregate_key: ClassVar[tuple[str, ...]] = ("order_id",)
    status: ClassVar[str | None] = "failed"

    order_id: int = Field(alias="orderId")
    user_id: int = Field(alias="userId")


class ShipmentPending(BaseEvent):
    """From the initial status of shipments: its identity, business columns and parts."""

    event_type: ClassVar[str] = "ShipmentPending"
    version: ClassVar[int] = 1
    routing_key: ClassVar[str] = "orders.shipment.pending.v1"
    publisher: ClassVar[str] = "orders"
    aggregate_type: ClassVar[str] = "shipment"
    aggregate_key: ClassVar[tuple[str, ...]] = ("shipment_id",)
    status: ClassVar[str | None] = "pending"

    shipment_id: int = Field(alias="shipmentId")
    address_id: int = Field(alias="addressId")
    order_id: int = Field(alias="orderId")
    carrier: str = Field(alias="carrier")
    tracking_number: str = Field(alias="trackingNumber")
    estimated_delivery: dt.date = Field(alias="estimatedDelivery")
    shipped_at: dt.datetime | None = Field(default=None, alias="shippedAt")


class ShipmentShipped(BaseEvent):
    """From shipments.status = 'shipped' (no table reports it: identity only)."""

    event_type: ClassVar[str] = "ShipmentShipped"
    version: ClassVar[int] = 1
    routing_key: ClassVar[str] = "orders.shipment.shipped.v1"
    publisher: ClassVar[str] = "orders"
    aggregate_type: ClassVar[str] = "shipment"
    aggregate_key: ClassVar[tuple[str, ...]] = ("shipment_id",)
    status: ClassVar[str | None] = "shipped"

    shipment_id: int = Field(alias="shipmentId")
    address_id: int = Field(alias="addressId")


class ShipmentDelivered(BaseEvent):
    """From shipments.status = 'delivered' (no table reports it: identity only)."""

    event_type: ClassVar[str] = "ShipmentDelivered"
    version: ClassVar[int] = 1
    routing_key: ClassVar[str] = "orders.shipment.delivered.v1"
    publisher: ClassVar[str] = "orders"
    aggregate_type: ClassVar[str] = "shipment"
    aggregate_key: ClassVar[tuple[str, ...]] = ("shipment_id",)
    status: ClassVar[str | None] = "delivered"

    shipment_id: int = Field(alias="shipmentId")
    address_id: int = Field(alias="addressId")


class PaymentPending(BaseEvent):
    """From the initial status of payments: its identity, business columns and parts."""

    event_type: ClassVar[str] = "PaymentPending"
    version: ClassVar[int] = 1
    routing_key: ClassVar[str] = "payments.payment.pending.v1"
    publisher: ClassVar[str] = "payments"
    aggregate_type: ClassVar[str] = "payment"
    aggregate_key: ClassVar[tuple[str, ...]] = ("payment_id",)
    status: ClassVar[str | None] = "pending"

    payment_id: int = Field(alias="paymentId")
    order_id: int = Field(alias="orderId")
    amount: Decimal = Field(alias="amount")
    currency: str = Field(alias="currency")
    transaction_id: str | None = Field(default=None, alias="transactionId")
    failure_message: str | None = Field(default=None, alias="failureMessage")


class PaymentCaptured(BaseEvent):
    """From payments.status = 'captured' (no table reports it: identity only)."""

    event_type: ClassVar[str] = "PaymentCaptured"
    version: ClassVar[int] = 1
    routing_key: ClassVar[str] = "payments.payment.captured.v1"
    publisher: ClassVar[str] = "payments"
    aggregate_type: ClassVar[str] = "payment"
    aggregate_key: ClassVar[tuple[str, ...]] = ("payment_id",)
    status: ClassVar[str | None] = "captured"

    payment_id: int = Field(alias="paymentId")
    order_id: int = Field(alias="orderId")


class PaymentDeclined(BaseEvent):
    """From payments.status = 'declined' (no table reports it: identity only)."""

    event_type: ClassVar[str] = "PaymentDeclined"
    version: ClassVar[int] = 1
    routing_key: ClassVar[str] = "payments.payment.declined.v1"
    publisher: ClassVar[str] = "payments"
    aggregate_type: ClassVar[str] = "payment"
    aggregate_key: ClassVar[tuple[str, ...]] = ("payment_id",)
    status: ClassVar[str | None] = "declined"

    payment_id: int = Field(alias="paymentId")
    order_id: int = Field(alias="orderId")


class PaymentRefunded(BaseEvent):
    """From payments.status = 'refunded', reported by a refunds row (its foreign key to payments;
    'refunded' ~ refunds).
    """

    event_type: ClassVar[str] = "PaymentRefunded"
    version: ClassVar[int] = 1
    routing_key: ClassVar[str] = "payments.payment.refunded.v1"
    publisher: ClassVar[str] = "payments"
    aggregate_type: ClassVar[str] = "payment"
    aggregate_key: ClassVar[tuple[str, ...]] = ("payment_id",)
    status: ClassVar[str | None] = "refunded"

    payment_id: int = Field(alias="paymentId")
    order_id: int = Field(alias="orderId")
    refund_id: int = Field(alias="refundId")
    amount: Decimal = Field(alias="amount")


class CheckoutStarted(BaseEvent):
    """From saga candidate checkout (shop/services/orders.py:40): the saga was started with the
    data its steps need.
    """

    event_type: ClassVar[str] = "CheckoutStarted"
    version: ClassVar[int] = 1
    routing_key: ClassVar[str] = "saga.checkout.started.v1"
    publisher: ClassVar[str] = "catalog"
    aggregate_type: ClassVar[str] = "saga.checkout"
    aggregate_key: ClassVar[tuple[str, ...]] = ("saga_id",)

    saga_id: UUID = Field(alias="sagaId")
    reason: str | None = Field(default=None, alias="reason")
    data: dict[str, Any] = Field(default_factory=dict, alias="data")


class CheckoutStepSucceeded(BaseEvent):
    """From saga candidate checkout (shop/services/orders.py:40): a step of the saga was done."""

    event_type: ClassVar[str] = "CheckoutStepSucceeded"
    version: ClassVar[int] = 1
    routing_key: ClassVar[str] = "saga.checkout.step_succeeded.v1"
    publisher: ClassVar[str] = "catalog"
    aggregate_type: ClassVar[str] = "saga.checkout"
    aggregate_key: ClassVar[tuple[str, ...]] = ("saga_id",)

    saga_id: UUID = Field(alias="sagaId")
    step: Literal["reserve", "charge", "create_order"] = Field(alias="step")
    reason: str | None = Field(default=None, alias="reason")
    data: dict[str, Any] = Field(default_factory=dict, alias="data")


class CheckoutStepFailed(BaseEvent):
    """From saga candidate checkout (shop/services/orders.py:40): a step of the saga failed:
    compensate the done ones.
    """

    event_type: ClassVar[str] = "CheckoutStepFailed"
    version: ClassVar[int] = 1
    routing_key: ClassVar[str] = "saga.checkout.step_failed.v1"
    publisher: ClassVar[str] = "catalog"
    aggregate_type: ClassVar[str] = "saga.checkout"
    aggregate_key: ClassVar[tuple[str, ...]] = ("saga_id",)

    saga_id: UUID = Field(alias="sagaId")
    step: Literal["reserve", "charge", "create_order"] = Field(alias="step")
    reason: str | None = Field(default=None, alias="reason")
    data: dict[str, Any] = Field(default_factory=dict, alias="data")


class CheckoutStepCompensated(BaseEvent):
    """From saga candidate checkout (shop/services/orders.py:40): a done step was undone."""

    event_type: ClassVar[str] = "CheckoutStepCompensated"
    version: ClassVar[int] = 1
    routing_key: ClassVar[str] = "saga.checkout.step_compensated.v1"
    publisher: ClassVar[str] = "catalog"
    aggregate_type: ClassVar[str] = "saga.checkout"
    aggregate_key: ClassVar[tuple[str, ...]] = ("saga_id",)

    saga_id: UUID = Field(alias="sagaId")
    step: Literal["reserve", "charge", "create_order"] = Field(alias="step")
    reason: str | None = Field(default=None, alias="reason")
    data: dict[str, Any] = Field(default_factory=dict, alias="data")


class CheckoutCompleted(BaseEvent):
    """From saga candidate checkout (shop/services/orders.py:40): every step was done."""

    event_type: ClassVar[str] = "CheckoutCompleted"
    version: ClassVar[int] = 1
    routing_key: ClassVar[str] = "saga.checkout.completed.v1"
    publisher: ClassVar[str] = "catalog"
    aggregate_type: ClassVar[str] = "saga.checkout"
    aggregate_key: ClassVar[tuple[str, ...]] = ("saga_id",)

    saga_id: UUID = Field(alias="sagaId")
    reason: str | None = Field(default=None, alias="reason")
    data: dict[str, Any] = Field(default_factory=dict, alias="data")


class CheckoutAborted(BaseEvent):
    """From saga candidate checkout (shop/services/orders.py:40): the saga failed and every done
    step was undone.
    """

    event_type: ClassVar[str] = "CheckoutAborted"
    version: ClassVar[int] = 1
    routing_key: ClassVar[str] = "saga.checkout.aborted.v1"
    publisher: ClassVar[str] = "catalog"
    aggregate_type: ClassVar[str] = "saga.checkout"
    aggregate_key: ClassVar[tuple[str, ...]] = ("saga_id",)

    saga_id: UUID = Field(alias="sagaId")
    reason: str | None = Field(default=None, alias="reason")
    data: dict[str, Any] = Field(default_factory=dict, alias="data")


EVENT_TYPES: dict[str, type[BaseEvent]] = {
    cls.event_type: cls
    for cls in (
        OrderCreated,
        OrderPaid,
        OrderShipped,
        OrderDelivered,
        OrderCancelled,
        OrderFailed,
        ShipmentPending,
        ShipmentShipped,
        ShipmentDelivered,
        PaymentPending,
        PaymentCaptured,
        PaymentDeclined,
        PaymentRefunded,
        CheckoutStarted,
        CheckoutStepSucceeded,
        CheckoutStepFailed,
        CheckoutStepCompensated,
        CheckoutCompleted,
        CheckoutAborted,
    )
}
