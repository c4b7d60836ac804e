"""Event contracts of the system: the envelope every message travels in and the typed
events the services publish and consume (version 1.0.0)."""

from .envelope import BaseEvent, EventEnvelope, EventPart, UnknownEvent, UnsupportedVersion
from .events import (
    EVENT_TYPES,
    CheckoutAborted,
    CheckoutCompleted,
    CheckoutStarted,
    CheckoutStepCompensated,
    CheckoutStepFailed,
    CheckoutStepSucceeded,
    OrderCancelled,
    OrderCreated,
    OrderDelivered,
    OrderFailed,
    OrderItem,
    OrderPaid,
    OrderShipped,
    PaymentCaptured,
    PaymentDeclined,
    PaymentPending,
    PaymentRefunded,
    ShipmentDelivered,
    ShipmentPending,
    ShipmentShipped,
)

__version__ = "1.0.0"

__all__ = [
    "EVENT_TYPES",
    "BaseEvent",
    "EventEnvelope",
    "EventPart",
    "UnknownEvent",
    "UnsupportedVersion",
    "CheckoutAborted",
    "CheckoutCompleted",
    "CheckoutStarted",
    "CheckoutStepCompensated",
    "CheckoutStepFailed",
    "CheckoutStepSucceeded",
    "OrderCancelled",
    "OrderCreated",
    "OrderDelivered",
    "OrderFailed",
    "OrderItem",
    "OrderPaid",
    "OrderShipped",
    "PaymentCaptured",
    "PaymentDeclined",
    "PaymentPending",
    "PaymentRefunded",
    "ShipmentDelivered",
    "ShipmentPending",
    "ShipmentShipped",
]
