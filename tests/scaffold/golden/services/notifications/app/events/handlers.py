"""What the notifications service does with the events it consumes: it tells the person each event
names, by e-mail or SMS, through the configured sender.
"""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.events.senders import Channel, OutgoingMessage, Sender, load_sender
from shop_monolith_contracts import (
    BaseEvent,
    EventEnvelope,
    OrderCancelled,
    OrderCreated,
    OrderDelivered,
    OrderFailed,
    OrderPaid,
    OrderShipped,
    ShipmentDelivered,
    ShipmentPending,
    ShipmentShipped,
)

# Why this service consumes them (from the analysis):
# orders → notifications: order confirmation mail is a side effect
CONSUMED: dict[str, type[BaseEvent]] = {
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
    )
}

# Who is told about each event: "<kind>:<id>" from the person the event names, else the
# aggregate itself; the sender resolves it to an address.
RECIPIENTS: dict[str, tuple[str, str]] = {
    OrderCreated.event_type: ("user", "user_id"),
    OrderPaid.event_type: ("user", "user_id"),
    OrderShipped.event_type: ("user", "user_id"),
    OrderDelivered.event_type: ("user", "user_id"),
    OrderCancelled.event_type: ("user", "user_id"),
    OrderFailed.event_type: ("user", "user_id"),
    ShipmentPending.event_type: ("address", "address_id"),
    ShipmentShipped.event_type: ("address", "address_id"),
    ShipmentDelivered.event_type: ("address", "address_id"),
}


def describe(event: BaseEvent) -> str:
    """The message text: one line per field, one indented line per part."""
    lines: list[str] = []
    for name, value in event.wire().items():
        if isinstance(value, list):
            lines.append(f"{name}:")
            for item in value:
                text = ", ".join(f"{k}: {v}" for k, v in item.items()) if isinstance(
                    item, dict
                ) else str(item)
                lines.append(f"  - {text}")
        else:
            lines.append(f"{name}: {value}")
    return "\n".join(lines)


def subject_of(event: BaseEvent) -> str:
    what = event.aggregate_type.replace("_", " ").capitalize()
    return f"{what} {event.aggregate_id()}: {event.status or event.event_type}"


class NotifyHandler:
    def __init__(self, sender: Sender, channels: Sequence[Channel]) -> None:
        self._sender = sender
        self._channels = list(channels)

    async def __call__(
        self, session: AsyncSession, envelope: EventEnvelope, event: BaseEvent
    ) -> None:
        kind, attribute = RECIPIENTS[event.event_type]
        recipient = f"{kind}:{getattr(event, attribute)}"
        for channel in self._channels:
            message = OutgoingMessage(
                channel=channel,
                recipient=recipient,
                subject=subject_of(event),
                body=describe(event),
                event_id=envelope.event_id,
                event_type=event.event_type,
            )
            await self._sender.send(session, message)


def build_handler(sender: str, channels: Sequence[Channel]) -> NotifyHandler:
    return NotifyHandler(load_sender(sender), channels)
