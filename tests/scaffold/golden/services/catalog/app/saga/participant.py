"""The catalog service in its sagas, by choreography: it listens for the saga
events, does its steps and undoes them, and announces each outcome as an event, written
to the outbox in the transaction of the step (so a step and its event exist together).

Rules, for a saga with steps s1 … sn:
- ``Started`` → s1; ``StepSucceeded(si)`` → s(i+1); the last step's success → ``Completed``.
- A refused step publishes ``StepFailed(si)``; the latest undoable step before it is then
  undone (``StepCompensated``), then the one before, and so on; the earliest → ``Aborted``.
- A step requested after its saga failed, or past its deadline, is not done (the ledger
  holds a lock row); a step done after its saga failed (a late participant) is undone as
  soon as it hears of it.
- Every message is handled once (the processed-messages row), duplicates and redeliveries
  included, and the ledger makes each transition happen once whatever the order.
"""

import logging
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any
from uuid import UUID

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import utcnow
from app.core.runtime import Runtime
from app.events.consumer import ConsumerSettings, EventConsumer, Handler
from app.saga.actions import StepActions, StepRefused, load_actions
from app.saga.definition import MY_STEPS, SAGAS, SagaDefinition, past_deadline
from app.saga.ledger import entry, write
from shop_monolith_contracts import BaseEvent, EventEnvelope

logger = logging.getLogger(__name__)


class SagaSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="SAGA_", env_file=".env", env_ignore_empty=True, extra="ignore"
    )

    actions: str = "app.saga.actions:LedgerActions"
    timeout: float | None = Field(None, gt=0, description="overrides each saga's timeout")
    sweep_interval: float = Field(5.0, gt=0, description="seconds between timeout sweeps")


class SagaParticipant:
    def __init__(
        self, definition: SagaDefinition, mine: tuple[str, ...], actions: StepActions
    ) -> None:
        self.definition = definition
        self.mine = mine
        self.actions = actions

    async def __call__(
        self, session: AsyncSession, envelope: EventEnvelope, event: BaseEvent
    ) -> None:
        d = self.definition
        values = event.model_dump()
        saga_id: UUID = values["saga_id"]
        step: str | None = values.get("step")
        data: dict[str, Any] = dict(values.get("data") or {})
        reason: str = values.get("reason") or ""
        outcome = d.outcome_of(event)
        if outcome == "started":
            await self._do(session, saga_id, d.steps[0], data)
        elif outcome == "step_succeeded" and step is not None:
            following = d.after(step)
            if following is not None:
                await self._do(session, saga_id, following, data)
        elif outcome == "step_failed" and step is not None:
            await self._failed(session, saga_id, step, reason or f"{step} failed")
        elif outcome == "step_compensated" and step is not None:
            previous = d.next_compensable(step)
            if previous is not None:
                await self._compensate(session, saga_id, previous, reason)
        elif outcome == "aborted":
            for own in self.mine:
                await self._lock(session, saga_id, own)

    async def _do(
        self, session: AsyncSession, saga_id: UUID, step: str, data: dict[str, Any]
    ) -> None:
        d = self.definition
        if step not in self.mine or await entry(session, d.name, saga_id, step) is not None:
            return  # another service's step, or done / locked already
        if past_deadline(data, utcnow()):
            # The tracker fails the saga at its deadline: a late step must not start.
            await self._lock(session, saga_id, step)
            logger.warning("saga step after the deadline", extra={"saga_id": str(saga_id)})
            return
        try:
            # A savepoint: a refusal leaves nothing of the step behind.
            async with session.begin_nested():
                result = await self.actions.do(session, d.name, step, saga_id, data)
        except StepRefused as refusal:
            reason = str(refusal) or f"{step} refused"
            write(session, d.name, saga_id, step, "failed", data, reason)
            d.record(session, "step_failed", saga_id, step=step, reason=reason, data=data)
            if d.next_compensable(step) is None:
                d.record(session, "aborted", saga_id, reason=reason, data=data)
            logger.info("saga step refused", extra={"saga_id": str(saga_id), "step": step})
            return
        merged = {**data, **result}
        write(session, d.name, saga_id, step, "done", merged)
        d.record(session, "step_succeeded", saga_id, step=step, data=merged)
        if d.after(step) is None:
            d.record(session, "completed", saga_id, data=merged)

    async def _failed(
        self, session: AsyncSession, saga_id: UUID, failed: str, reason: str
    ) -> None:
        d = self.definition
        for own in self.mine:
            if d.steps.index(own) < d.steps.index(failed):
                continue
            row = await entry(session, d.name, saga_id, own)
            if row is None:
                await self._lock(session, saga_id, own)
            elif row.state == "done" and d.compensations[own]:
                await self._compensate(session, saga_id, own, reason)
            elif row.state == "done":
                logger.warning(
                    "saga step done after its saga failed, and nothing undoes it",
                    extra={"saga_id": str(saga_id), "step": own},
                )
        previous = d.next_compensable(failed)
        if previous is not None:
            await self._compensate(session, saga_id, previous, reason)

    async def _compensate(
        self, session: AsyncSession, saga_id: UUID, step: str, reason: str
    ) -> None:
        d = self.definition
        if step not in self.mine:
            return
        row = await entry(session, d.name, saga_id, step)
        if row is None:  # never done: nothing to undo, but the chain goes on
            data: dict[str, Any] = {}
            write(session, d.name, saga_id, step, "compensated", data, reason)
        elif row.state == "done":
            await self.actions.undo(session, d.name, step, saga_id, row.data)
            row.state, row.reason, row.updated_at = "compensated", reason, utcnow()
            data = row.data
        else:
            return  # compensated, failed or locked before: this transition happened
        d.record(session, "step_compensated", saga_id, step=step, reason=reason, data=data)
        if d.next_compensable(step) is None:
            d.record(session, "aborted", saga_id, reason=reason, data=data)

    async def _lock(self, session: AsyncSession, saga_id: UUID, step: str) -> None:
        if await entry(session, self.definition.name, saga_id, step) is None:
            write(session, self.definition.name, saga_id, step, "refused", {}, "saga failed")


def _consumer(
    runtime: Runtime, base: ConsumerSettings, queue: str, handler: Handler, d: SagaDefinition
) -> EventConsumer:
    return EventConsumer(
        runtime.sessions,
        handler,
        d.consumed,
        url=runtime.settings.rabbitmq_url,
        exchange=runtime.settings.events_exchange,
        settings=base.model_copy(update={"queue": queue}),
        connect_timeout=runtime.settings.broker_connect_timeout,
        max_delay=runtime.settings.broker_reconnect_max_delay,
        after_commit=runtime.relay.wake,
    )


@asynccontextmanager
async def taking_part(runtime: Runtime) -> AsyncIterator[list[EventConsumer]]:
    """The lifespan component (app.lifespan): one consumer per saga and role, with its own
    queue under ``EVENTS_QUEUE``."""
    options = SagaSettings()
    base = ConsumerSettings()
    actions = load_actions(options.actions)
    consumers = [
        _consumer(runtime, base, f"{base.queue}.saga.{name}",
                  SagaParticipant(SAGAS[name], steps, actions), SAGAS[name])
        for name, steps in MY_STEPS.items()
    ]
    async with AsyncExitStack() as stack:
        for consumer in consumers:
            await consumer.start()
            stack.push_async_callback(consumer.stop)
        yield consumers
