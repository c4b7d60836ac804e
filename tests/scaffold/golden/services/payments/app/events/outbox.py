"""The transactional outbox: an event is a row written in the same transaction as the
change it announces, so it exists if and only if the change was committed."""

import datetime as dt
from typing import Any
from uuid import UUID, uuid4

from sqlalchemy import (
    BigInteger,
    DateTime,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow
from app.core.logging import correlation_id
from app.core.message_tracing import trace_headers


class OutboxEvent(Base):
    __tablename__ = "outbox_events"
    __table_args__ = (
        UniqueConstraint("event_id", name="uq_outbox_events_event_id"),
        # The relay only ever scans unpublished rows, oldest first.
        Index(
            "ix_outbox_events_unpublished",
            "id",
            postgresql_where=text("published_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    event_id: Mapped[UUID] = mapped_column(Uuid, default=uuid4)
    event_type: Mapped[str] = mapped_column(String(200))
    # The schema version of the payload (a contract event's ``version``; the routing key
    # ends in ``.v<version>``): readers refuse a version newer than the one they know.
    version: Mapped[int] = mapped_column(Integer, default=1)
    routing_key: Mapped[str] = mapped_column(String(255))
    aggregate_type: Mapped[str] = mapped_column(String(100))
    aggregate_id: Mapped[str] = mapped_column(String(255))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONB)
    correlation_id: Mapped[str | None] = mapped_column(String(128))
    # The trace context of the request that recorded the event (W3C traceparent/tracestate):
    # the relay publishes the event later, in that request's trace.
    headers: Mapped[dict[str, str]] = mapped_column(JSONB, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    published_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)

    def envelope(self) -> dict[str, Any]:
        """The message body consumers receive: the contracts' envelope (EventEnvelope), with
        the event's fields in ``payload`` and the trace context of the request that wrote it.
        """
        return {
            "event_id": str(self.event_id),
            "type": self.event_type,
            "version": self.version,
            "occurred_at": self.created_at.isoformat(),
            "correlation_id": self.correlation_id,
            "traceparent": (self.headers or {}).get("traceparent"),
            "source": "payments",
            "aggregate_type": self.aggregate_type,
            "aggregate_id": self.aggregate_id,
            "payload": self.payload,
        }


def record_event(
    session: AsyncSession,
    *,
    event_type: str,
    routing_key: str,
    aggregate_type: str,
    aggregate_id: str,
    payload: dict[str, Any],
    version: int = 1,
) -> OutboxEvent:
    """Add an event to the session's transaction; it is published only after commit."""
    event = OutboxEvent(
        event_id=uuid4(),
        event_type=event_type,
        version=version,
        routing_key=routing_key,
        aggregate_type=aggregate_type,
        aggregate_id=aggregate_id,
        payload=payload,
        correlation_id=correlation_id.get(),
        headers=trace_headers(),
        created_at=utcnow(),
        attempts=0,
    )
    session.add(event)
    return event
