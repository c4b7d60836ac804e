"""What this service did in each saga, one row per (saga, step): ``done`` (its effect holds,
e.g. stock reserved, money charged), ``compensated`` (undone, or never done because the
saga failed first), ``failed`` (refused), ``refused`` (locked: the saga failed before the
step came, so a late request for it is ignored). The row is written in the transaction of
the step's effect and of the event announcing it."""

import datetime as dt
from typing import Any
from uuid import UUID

from sqlalchemy import BigInteger, DateTime, String, Text, UniqueConstraint, Uuid, select
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow


class SagaLedgerEntry(Base):
    __tablename__ = "saga_ledger"
    __table_args__ = (
        UniqueConstraint("saga", "saga_id", "step", name="uq_saga_ledger_saga_saga_id_step"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    saga: Mapped[str] = mapped_column(String(100))
    saga_id: Mapped[UUID] = mapped_column(Uuid)
    step: Mapped[str] = mapped_column(String(100))
    state: Mapped[str] = mapped_column(String(20))
    data: Mapped[dict[str, Any]] = mapped_column(JSONB)
    reason: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


async def entry(
    session: AsyncSession, saga: str, saga_id: UUID, step: str
) -> SagaLedgerEntry | None:
    statement = (
        select(SagaLedgerEntry)
        .where(
            SagaLedgerEntry.saga == saga,
            SagaLedgerEntry.saga_id == saga_id,
            SagaLedgerEntry.step == step,
        )
        .with_for_update()
    )
    found: SagaLedgerEntry | None = await session.scalar(statement)
    return found


def write(
    session: AsyncSession,
    saga: str,
    saga_id: UUID,
    step: str,
    state: str,
    data: dict[str, Any],
    reason: str | None = None,
) -> SagaLedgerEntry:
    """A new row; a concurrent writer of the same step fails on the unique key and its
    message is retried, finding this row."""
    row = SagaLedgerEntry(
        saga=saga,
        saga_id=saga_id,
        step=step,
        state=state,
        data=data,
        reason=reason,
        updated_at=utcnow(),
    )
    session.add(row)
    return row
