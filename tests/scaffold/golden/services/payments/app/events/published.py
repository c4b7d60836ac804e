"""The contract events (shop_monolith_contracts) the payments service publishes: built from its
models and recorded in the outbox, in the transaction of the change they announce.
"""

from decimal import Decimal

from sqlalchemy.ext.asyncio import AsyncSession

import shop_monolith_contracts.events as contract
from app.events.outbox import OutboxEvent, record_event
from app.models import Payment
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


def payment_pending(payment: Payment) -> contract.PaymentPending:
    """The PaymentPending event of ``payment``."""
    return contract.PaymentPending(
        payment_id=payment.id,
        order_id=payment.order_id,
        amount=payment.amount,
        currency=payment.currency,
        transaction_id=payment.transaction_id,
        failure_message=payment.failure_message,
    )


def payment_captured(payment: Payment) -> contract.PaymentCaptured:
    """The PaymentCaptured event of ``payment``."""
    return contract.PaymentCaptured(
        payment_id=payment.id,
        order_id=payment.order_id,
    )


def payment_declined(payment: Payment) -> contract.PaymentDeclined:
    """The PaymentDeclined event of ``payment``."""
    return contract.PaymentDeclined(
        payment_id=payment.id,
        order_id=payment.order_id,
    )


def payment_refunded(
    payment: Payment, *, refund_id: int, amount: Decimal
) -> contract.PaymentRefunded:
    """The PaymentRefunded event of ``payment`` (the other values come from the refunds row that
    reports it).
    """
    return contract.PaymentRefunded(
        payment_id=payment.id,
        order_id=payment.order_id,
        refund_id=refund_id,
        amount=amount,
    )


def contract_events(entity: object, action: str, status: str | None = None) -> list[BaseEvent]:
    """The contract events a change announces by itself: the snapshot event when an
    aggregate is created, and on a status change the event of the new value when the
    model alone holds its fields. Events that need more (another row's id) are recorded,
    with their builder above, by the code that has those values:
    PaymentRefunded needs refund_id, amount (refunds row).
    """
    if isinstance(entity, Payment):
        if action == "created" or (action == "status_changed" and status == "pending"):
            return [payment_pending(entity)]
        if action == "status_changed" and status == "captured":
            return [payment_captured(entity)]
        if action == "status_changed" and status == "declined":
            return [payment_declined(entity)]
    return []
