"""Pluggable delivery of e-mail and SMS. The default sender records each message in its
own table and in the log; a real one (SMTP, an SMS gateway) implements ``Sender``.

A sender runs inside the consumer's transaction: the default one's row commits with the
processed-message mark. A sender that talks to the outside world should pass
``message.idempotency_key`` to its provider, so a redelivered event cannot send twice.
"""

import datetime as dt
import importlib
import logging
from dataclasses import dataclass
from typing import Literal, Protocol
from uuid import UUID

from sqlalchemy import BigInteger, DateTime, String, Text, Uuid
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from app.core.db import Base, utcnow

logger = logging.getLogger(__name__)

Channel = Literal["email", "sms"]


@dataclass(frozen=True)
class OutgoingMessage:
    channel: Channel
    recipient: str  # "<kind>:<id>", resolved to an address by the sender
    subject: str
    body: str
    event_id: UUID
    event_type: str

    @property
    def idempotency_key(self) -> str:
        return f"{self.event_id}:{self.channel}"


class Sender(Protocol):
    async def send(self, session: AsyncSession, message: OutgoingMessage) -> None: ...


class SentMessage(Base):
    __tablename__ = "sent_messages"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    channel: Mapped[str] = mapped_column(String(10))
    recipient: Mapped[str] = mapped_column(String(255))
    subject: Mapped[str] = mapped_column(String(255))
    body: Mapped[str] = mapped_column(Text)
    event_id: Mapped[UUID] = mapped_column(Uuid, index=True)
    event_type: Mapped[str] = mapped_column(String(200))
    sent_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RecordingSender:
    """Sends nothing: records the message (same transaction as the event's processing)."""

    async def send(self, session: AsyncSession, message: OutgoingMessage) -> None:
        session.add(
            SentMessage(
                channel=message.channel,
                recipient=message.recipient,
                subject=message.subject[:255],
                body=message.body,
                event_id=message.event_id,
                event_type=message.event_type,
                sent_at=utcnow(),
            )
        )
        logger.info(
            "message sent",
            extra={
                "channel": message.channel,
                "recipient": message.recipient,
                "subject": message.subject,
                "event_id": str(message.event_id),
            },
        )


def load_sender(path: str) -> Sender:
    """``"package.module:Name"``: a Sender class (instantiated without arguments) or
    instance, chosen by the ``EVENTS_SENDER`` setting."""
    module_name, _, attribute = path.partition(":")
    if not attribute:
        raise ValueError(f"EVENTS_SENDER must look like 'module:Name', not {path!r}")
    found = getattr(importlib.import_module(module_name), attribute)
    sender = found() if isinstance(found, type) else found
    if not callable(getattr(sender, "send", None)):
        raise ValueError(f"{path} has no send(session, message) method")
    sent: Sender = sender
    return sent
