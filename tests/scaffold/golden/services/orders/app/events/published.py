"""The contract events (shop_monolith_contracts) the orders service publishes: built from its
models and recorded in the outbox, in the transaction of the change they announce.
"""

import datetime as dt
from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

import shop_monolith_contracts.events as contract
from app.events.outbox import OutboxEvent, record_event
from app.models import Order, Shipment
from shop_monolith_contracts import BaseEvent


def record_contract_event(session: AsyncSession, event: BaseEvent) -> OutboxEvent:
    """Add ``event`` to the session's transaction; the relay publishes it after commit."""
    return record_event(
        session,
        event_type=event.event_type,
        version=event.version,
        routing_key=event.routing_key,
        aggregate_type=event.aggregate_type,
        aggregate_id=event.aggregate_id(),
        payload=event.wire(),
    )


def order_created(order: Order) -> contract.OrderCreated:
    """The OrderCreated event of ``order``, whose ``items`` must be loaded (they are after create).
    """
    return contract.OrderCreated(
        order_id=order.id,
        user_id=order.user_id,
        total=order.total,
        currency=order.currency,
        shipping_address_id=order.shipping_address_id,
        items=[
            contract.OrderItem(
                product_id=part.product_id,
                product_name=part.product_name,
                quantity=part.quantity,
                unit_price=part.unit_price,
            )
            for part in order.items
        ],
    )


def order_paid(order: Order, *, payment_id: int, amount: Decimal) -> contract.OrderPaid:
    """The OrderPaid event of ``order`` (the other values come from the payments row that reports
    it).
    """
    return contract.OrderPaid(
        order_id=order.id,
        user_id=order.user_id,
        payment_id=payment_id,
        amount=amount,
    )


def order_shipped(
    order: Order, *, shipment_id: int, tracking_number: str, estimated_delivery: dt.date
) -> contract.OrderShipped:
    """The OrderShipped event of ``order`` (the other values come from the shipments row that
    reports it).
    """
    return contract.OrderShipped(
        order_id=order.id,
        user_id=order.user_id,
        shipment_id=shipment_id,
        tracking_number=tracking_number,
        estimated_delivery=estimated_delivery,
    )


def order_delivered(order: Order) -> contract.OrderDelivered:
    """The OrderDelivered event of ``order``."""
    return contract.OrderDelivered(
        order_id=order.id,
        user_id=order.user_id,
    )


def order_cancelled(order: Order) -> contract.OrderCancelled:
    """The OrderCancelled event of ``order``."""
    return contract.OrderCancelled(
        order_id=order.id,
        user_id=order.user_id,
    )


def order_failed(order: Order) -> contract.OrderFailed:
    """The OrderFailed event of ``order``."""
    return contract.OrderFailed(
        order_id=order.id,
        user_id=order.user_id,
    )


def shipment_pending(shipment: Shipment) -> contract.ShipmentPending:
    """The ShipmentPending event of ``shipment``."""
    return contract.ShipmentPending(
        shipment_id=shipment.id,
        address_id=shipment.address_id,
        order_id=shipment.order_id,
        carrier=shipment.carrier,
        tracking_number=shipment.tracking_number,
        estimated_delivery=shipment.estimated_delivery,
        shipped_at=shipment.shipped_at,
    )


def shipment_shipped(shipment: Shipment) -> contract.ShipmentShipped:
    """The ShipmentShipped event of ``shipment``."""
    return contract.ShipmentShipped(
        shipment_id=shipment.id,
        address_id=shipment.address_id,
    )


def shipment_delivered(shipment: Shipment) -> contract.ShipmentDelivered:
    """The ShipmentDelivered event of ``shipment``."""
    return contract.ShipmentDelivered(
        shipment_id=shipment.id,
        address_id=shipment.address_id,
    )


def contract_events(entity: object, action: str, status: str | None = None) -> list[BaseEvent]:
    """The contract events a change announces by itself: the snapshot event when an
    aggregate is created, and on a status change the event of the new value when the
    model alone holds its fields. Events that need more (another row's id) are recorded,
    with their builder above, by the code that has those values:
    OrderPaid needs payment_id, amount (payments row).
    OrderShipped needs shipment_id, tracking_number, estimated_delivery (shipments row).
    """
    if isinstance(entity, Order):
        if action == "created" or (action == "status_changed" and status == "created"):
            return [order_created(entity)]
        if action == "status_changed" and status == "delivered":
            return [order_delivered(entity)]
        if action == "status_changed" and status == "cancelled":
            return [order_cancelled(entity)]
        if action == "status_changed" and status == "failed":
            return [order_failed(entity)]
    if isinstance(entity, Shipment):
        if action == "created" or (action == "status_changed" and status == "pending"):
            return [shipment_pending(entity)]
        if action == "status_changed" and status == "shipped":
            return [shipment_shipped(entity)]
        if action == "status_changed" and status == "delivered":
            return [shipment_delivered(entity)]
    return []
