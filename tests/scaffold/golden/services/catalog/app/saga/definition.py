"""The sagas the catalog service takes part in, derived from the analysis'
saga candidates: their steps in order, what undoes each, and the events between them."""

import datetime as dt
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy.ext.asyncio import AsyncSession

import shop_monolith_contracts.events as contract
from app.events.outbox import record_event
from shop_monolith_contracts import BaseEvent

# Where a saga's data carries its deadline (ISO 8601, set when it starts).
DEADLINE_KEY = "saga_deadline"


def past_deadline(data: dict[str, Any], now: dt.datetime) -> bool:
    value = data.get(DEADLINE_KEY)
    if not isinstance(value, str):
        return False
    try:
        return dt.datetime.fromisoformat(value) < now
    except ValueError:
        return False


@dataclass(frozen=True)
class SagaDefinition:
    name: str
    steps: tuple[str, ...]
    compensations: dict[str, str | None]  # step → the operation that undoes it
    services: dict[str, str]  # step → the service that does it
    events: dict[str, type[BaseEvent]]  # outcome → event type
    timeout: float  # seconds a saga may run before the tracker compensates it

    @property
    def consumed(self) -> dict[str, type[BaseEvent]]:
        return {schema.event_type: schema for schema in self.events.values()}

    def outcome_of(self, event: BaseEvent) -> str:
        return next(name for name, schema in self.events.items() if isinstance(event, schema))

    def after(self, step: str) -> str | None:
        """The step that follows ``step``; None after the last one."""
        index = self.steps.index(step) + 1
        return self.steps[index] if index < len(self.steps) else None

    def next_compensable(self, below: str) -> str | None:
        """The latest step before ``below`` that can be undone: the next to compensate."""
        index = self.steps.index(below)
        return next((s for s in reversed(self.steps[:index]) if self.compensations[s]), None)

    def record(self, session: AsyncSession, outcome: str, saga_id: UUID, **fields: Any) -> None:
        """Write the ``outcome`` event to the outbox, in the session's transaction."""
        event = self.events[outcome].model_validate({"saga_id": saga_id, **fields})
        record_event(
            session,
            event_type=event.event_type,
            version=event.version,
            routing_key=event.routing_key,
            aggregate_type=event.aggregate_type,
            aggregate_id=str(saga_id),
            payload=event.wire(),
        )


# From shop.services.orders.checkout (shop/services/orders.py:40).
CHECKOUT = SagaDefinition(
    name="checkout",
    steps=("reserve", "charge", "create_order"),
    compensations={
        "reserve": "release",
        "charge": "refund",
        "create_order": None,
    },
    services={
        "reserve": "catalog",
        "charge": "payments",
        "create_order": "orders",
    },
    events={
        "started": contract.CheckoutStarted,
        "step_succeeded": contract.CheckoutStepSucceeded,
        "step_failed": contract.CheckoutStepFailed,
        "step_compensated": contract.CheckoutStepCompensated,
        "completed": contract.CheckoutCompleted,
        "aborted": contract.CheckoutAborted,
    },
    timeout=60.0,
)

SAGAS: dict[str, SagaDefinition] = {
    CHECKOUT.name: CHECKOUT,
}
# The steps this service does, per saga.
MY_STEPS: dict[str, tuple[str, ...]] = {
    "checkout": ("reserve",),
}
# The sagas this service starts and tracks.
TRACKED: tuple[str, ...] = ()
# The sagas whose completion this service confirms to the customer.
CONFIRMED: tuple[str, ...] = ()
