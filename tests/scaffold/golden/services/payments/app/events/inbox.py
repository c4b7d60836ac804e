"""Idempotent consumption: a consumer processes an event at most once, because the row
saying so is written in the same transaction as the handler's effects."""

import datetime as dt
from uuid import UUID

from sqlalchemy import BigInteger, DateTime, String, UniqueConstraint, Uuid
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow


class ProcessedMessage(Base):
    __tablename__ = "processed_messages"
    __table_args__ = (
        UniqueConstraint("consumer", "event_id", name="uq_processed_messages_consumer_event_id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    consumer: Mapped[str] = mapped_column(String(200))
    event_id: Mapped[UUID] = mapped_column(Uuid)
    event_type: Mapped[str] = mapped_column(String(200))
    processed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


async def claim(session: AsyncSession, consumer: str, event_id: UUID, event_type: str) -> bool:
    """Record the event as processed by ``consumer``; False when it already was.

    A concurrent duplicate waits on the unique key until the first transaction ends, then
    finds the row: exactly one of them runs the handler.
    """
    statement = (
        insert(ProcessedMessage)
        .values(consumer=consumer, event_id=event_id, event_type=event_type, processed_at=utcnow())
        .on_conflict_do_nothing(constraint="uq_processed_messages_consumer_event_id")
        .returning(ProcessedMessage.id)
    )
    return (await session.scalar(statement)) is not None
