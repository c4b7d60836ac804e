"""The outbox relay: publishes committed outbox rows to RabbitMQ, oldest first.

Rows are claimed with ``SELECT ... FOR UPDATE SKIP LOCKED`` (several replicas share the
work), and marked published only after the broker confirmed them, so an event is never lost
between commit and publish. A crash after the confirm and before the mark publishes the
event again: delivery is at least once, and consumers de-duplicate on ``message_id``.
Each publish is a producer span in the trace of the request that recorded the event; its
context travels in the message headers, with the correlation id.
"""

import asyncio
import contextlib
import json
import logging

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.db import utcnow
from app.core.message_tracing import publish_span
from app.events.broker import Broker, BrokerUnavailable
from app.events.outbox import OutboxEvent

logger = logging.getLogger(__name__)


class OutboxRelay:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        broker: Broker,
        *,
        batch_size: int = 100,
        poll_interval: float = 1.0,
        max_backoff: float = 10.0,
        publish_timeout: float = 5.0,
    ) -> None:
        self._sessions = sessions
        self._broker = broker
        self._batch_size = batch_size
        self._poll_interval = poll_interval
        self._max_backoff = max_backoff
        self._publish_timeout = publish_timeout
        self._wake = asyncio.Event()
        self._stopping = False
        broker.on_connected(self.wake)

    def wake(self) -> None:
        """Publish now instead of at the next poll (called after a commit with events)."""
        self._wake.set()

    def stop(self) -> None:
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        delay = self._poll_interval
        while not self._stopping:
            try:
                published = await self.publish_pending()
            except BrokerUnavailable as exc:
                logger.warning("outbox relay waiting for the broker: %s", exc)
                delay = min(delay * 2, self._max_backoff)
            # The database may be down too; the relay keeps trying, with backoff.
            except Exception:
                logger.exception("outbox relay failed")
                delay = min(delay * 2, self._max_backoff)
            else:
                delay = self._poll_interval
                if published == self._batch_size:
                    continue  # more rows are waiting
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), delay)
            self._wake.clear()

    async def publish_pending(self) -> int:
        """Publish one batch of unpublished events; returns how many were confirmed."""
        if not self._broker.is_connected:
            raise BrokerUnavailable("not connected to the broker")
        failure: BrokerUnavailable | None = None
        published = 0
        async with self._sessions() as session, session.begin():
            statement = (
                select(OutboxEvent)
                .where(OutboxEvent.published_at.is_(None))
                .order_by(OutboxEvent.id)
                .limit(self._batch_size)
                .with_for_update(skip_locked=True)
            )
            for event in (await session.scalars(statement)).all():
                headers: dict[str, str] = {}
                try:
                    with publish_span(
                        self._broker.exchange_name,
                        event.routing_key,
                        headers,
                        message_id=str(event.event_id),
                        parent=event.headers,
                    ):
                        await self._broker.publish(
                            routing_key=event.routing_key,
                            body=json.dumps(event.envelope()).encode(),
                            message_id=str(event.event_id),
                            event_type=event.event_type,
                            correlation_id=event.correlation_id,
                            timestamp=event.created_at,
                            timeout=self._publish_timeout,
                            headers=headers,
                        )
                except BrokerUnavailable as exc:
                    # Keep the order: stop at the first failure, retry it first next time.
                    event.attempts += 1
                    event.last_error = str(exc)[:2000]
                    failure = exc
                    break
                event.published_at = utcnow()
                published += 1
        if failure is not None:
            raise failure
        if published:
            logger.info("outbox events published", extra={"count": published})
        return published
