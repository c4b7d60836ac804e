"""Domain models of the notifications service: the tables it owns, in its own schema.

Generated from the monolith's analysis. A foreign key to a table owned by another service
is kept as a plain id column (no database constraint): that service is the only one
that may write its tables, and it is reached through its API or its events.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Any

from sqlalchemy import DateTime, Enum, Index, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow


class NotificationChannel(StrEnum):
    EMAIL = "email"
    SMS = "sms"


def _stored_as_value(enum_class: type[StrEnum], length: int) -> Enum:
    # A VARCHAR holding the values, not the member names: other readers see plain strings,
    # and a new value needs no ALTER TYPE.
    return Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        validate_strings=True,
    )


class Notification(Base):
    """Table ``notifications``."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_id", "user_id"),
        Index("ix_notifications_order_id", "order_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Plain id of users.id, owned by the users service: a cross-service reference, without a
    # database constraint.
    user_id: Mapped[int] = mapped_column(Integer, comment="users.id in the users service")
    order_id: Mapped[int | None] = mapped_column(Integer)
    channel: Mapped[NotificationChannel] = mapped_column(_stored_as_value(NotificationChannel, 20))
    kind: Mapped[str] = mapped_column(String(50))
    recipient: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255), default="")
    body: Mapped[str] = mapped_column(Text)
    payload: Mapped[Any | None] = mapped_column(JSONB, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    sent_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
