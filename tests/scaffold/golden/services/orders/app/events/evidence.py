"""Contract events whose values come from another table's row, their evidence:
OrderPaid (orders becomes paid; the payments row, from PaymentPending).
OrderShipped (orders becomes shipped; the shipments row, from ShipmentPending).

Each is published once both are known, whichever comes last: the aggregate's status, changed
here (the repository calls ``publish_evidenced_order``), and
its evidence, the evidence table's snapshot event, which this service consumes from queue
``<EVENTS_QUEUE>.evidence``. ``contract_evidence`` keeps the latest evidence of each (event,
aggregate) until the event is recorded in the outbox, then marks it published: one event per
aggregate, also when the evidence is delivered twice or the status is set again.
"""

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import DateTime, PrimaryKeyConstraint, String, select
from sqlalchemy.dialects.postgresql import JSONB, insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

import shop_monolith_contracts.events as contract
from app.core.db import Base, utcnow
from app.core.runtime import Runtime
from app.events.consumer import ConsumerSettings, EventConsumer
from app.events.published import order_paid, order_shipped, record_contract_event
from app.models import Order, OrderStatus
from shop_monolith_contracts import BaseEvent, EventEnvelope


class ContractEvidence(Base):
    __tablename__ = "contract_evidence"
    __table_args__ = (
        PrimaryKeyConstraint(
            "event_type",
            "aggregate_id",
            name="pk_contract_evidence_event_type_aggregate_id",
        ),
    )

    event_type: Mapped[str] = mapped_column(String(200))
    aggregate_id: Mapped[str] = mapped_column(String(255))
    evidence_type: Mapped[str] = mapped_column(String(200))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSONB)
    noted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


async def _unpublished(
    session: AsyncSession, event_type: str, aggregate_id: str
) -> ContractEvidence | None:
    return await session.scalar(
        select(ContractEvidence)
        .where(
            ContractEvidence.event_type == event_type,
            ContractEvidence.aggregate_id == aggregate_id,
            ContractEvidence.published_at.is_(None),
        )
        .with_for_update()
    )


async def _note(
    session: AsyncSession, event_type: str, aggregate_id: str, evidence: BaseEvent
) -> None:
    """Keep ``evidence`` for the event, replacing older evidence until it is published."""
    values = {
        "event_type": event_type,
        "aggregate_id": aggregate_id,
        "evidence_type": evidence.event_type,
        "evidence": evidence.wire(),
        "noted_at": utcnow(),
    }
    statement = insert(ContractEvidence).values(**values)
    await session.execute(
        statement.on_conflict_do_update(
            constraint="pk_contract_evidence_event_type_aggregate_id",
            set_={k: statement.excluded[k] for k in ("evidence_type", "evidence", "noted_at")},
            where=ContractEvidence.published_at.is_(None),
        )
    )


async def publish_evidenced_order(session: AsyncSession, order: Order) -> None:
    """Record the events of ``order``'s status whose evidence has arrived (once each)."""
    key = str(order.id)
    if order.status == OrderStatus.PAID:
        row = await _unpublished(session, "OrderPaid", key)
        if row is not None:
            payment_pending = contract.PaymentPending.model_validate(row.evidence)
            order_paid_event = order_paid(
                order,
                payment_id=payment_pending.payment_id,
                amount=payment_pending.amount,
            )
            record_contract_event(session, order_paid_event)
            row.published_at = utcnow()
    if order.status == OrderStatus.SHIPPED:
        row = await _unpublished(session, "OrderShipped", key)
        if row is not None:
            shipment_pending = contract.ShipmentPending.model_validate(row.evidence)
            order_shipped_event = order_shipped(
                order,
                shipment_id=shipment_pending.shipment_id,
                tracking_number=shipment_pending.tracking_number,
                estimated_delivery=shipment_pending.estimated_delivery,
            )
            record_contract_event(session, order_shipped_event)
            row.published_at = utcnow()


async def follow(session: AsyncSession, envelope: EventEnvelope, event: BaseEvent) -> None:
    """The consumer's handler: note the evidence, publish what it completes."""
    if isinstance(event, contract.PaymentPending):
        await _note(session, "OrderPaid", str(event.order_id), event)
        order = await session.get(Order, event.order_id, with_for_update=True)
        if order is not None:
            await publish_evidenced_order(session, order)
    if isinstance(event, contract.ShipmentPending):
        await _note(session, "OrderShipped", str(event.order_id), event)
        order = await session.get(Order, event.order_id, with_for_update=True)
        if order is not None:
            await publish_evidenced_order(session, order)


CONSUMED: dict[str, type[BaseEvent]] = {
    contract.PaymentPending.event_type: contract.PaymentPending,
    contract.ShipmentPending.event_type: contract.ShipmentPending,
}


@asynccontextmanager
async def following_evidence(runtime: Runtime) -> AsyncIterator[EventConsumer]:
    """The lifespan component (app.lifespan): the evidence consumer on its own queue."""
    base = ConsumerSettings()
    consumer = EventConsumer(
        runtime.sessions,
        follow,
        CONSUMED,
        url=runtime.settings.rabbitmq_url,
        exchange=runtime.settings.events_exchange,
        settings=base.model_copy(update={"queue": f"{base.queue}.evidence"}),
        connect_timeout=runtime.settings.broker_connect_timeout,
        max_delay=runtime.settings.broker_reconnect_max_delay,
        after_commit=runtime.relay.wake,
    )
    await consumer.start()
    try:
        yield consumer
    finally:
        await consumer.stop()
