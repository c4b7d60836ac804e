"""The catalog service's event consumers: RabbitMQ → handler, once per event.

Topology, every queue durable and of the quorum type (names from ``EVENTS_QUEUE``):

- ``<queue>``: bound to the events exchange with the routing keys of the consumed events;
  a message the consumer keeps crashing on (``x-delivery-limit`` deliveries) is
  dead-lettered by the broker to ``<queue>.dead``;
- ``<queue>.retry.<N>ms``: a failed message waits there ``N`` ms (``x-message-ttl``) and is
  dead-lettered back to ``<queue>`` for its next attempt; the queue keeps flowing meanwhile;
- ``<queue>.dead``: where a message ends after ``EVENTS_MAX_ATTEMPTS`` failed attempts, or
  at once when no retry can help (unknown type, newer version, invalid payload).

Every delivery is acknowledged by hand, only after the handler's transaction committed, or
after the message was confirmed into the retry or dead-letter queue: a crash at any point
redelivers it, and the processed-messages row makes a second run a no-op.

The service's saga participation (``app.saga``) runs one per saga.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Literal

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractIncomingMessage,
    AbstractQueue,
    AbstractRobustConnection,
)
from aiormq.abc import FieldValue
from pydantic import Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.core.db import utcnow
from app.core.logging import correlation_id
from app.core.message_tracing import consume_span
from app.events.inbox import claim
from shop_monolith_contracts import BaseEvent, EventEnvelope, UnknownEvent, UnsupportedVersion

logger = logging.getLogger(__name__)

ATTEMPT_HEADER = "x-attempt"
# Headers the broker sets on dead-lettered and quorum-queue deliveries; not copied onward.
BROKER_HEADERS = frozenset({"x-death", "x-delivery-count", "x-first-death-exchange",
                            "x-first-death-queue", "x-first-death-reason",
                            "x-last-death-exchange", "x-last-death-queue",
                            "x-last-death-reason"})
# A message no retry can fix.
PERMANENT = (ValidationError, UnknownEvent, UnsupportedVersion)

Handler = Callable[[AsyncSession, EventEnvelope, BaseEvent], Awaitable[None]]


class ConsumerSettings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="EVENTS_", env_file=".env", env_ignore_empty=True, extra="ignore"
    )

    queue: str = Field("catalog.events", pattern=r"^[A-Za-z0-9_.:-]{1,200}$")
    max_attempts: int = Field(5, ge=1)
    retry_delay: float = Field(2.0, gt=0, description="seconds between two attempts")
    prefetch: int = Field(16, ge=1)
    # Deliveries of one message (crashes before the ack) before the broker gives up on it.
    delivery_limit: int = Field(20, ge=1)
    ack_timeout: float = Field(5.0, gt=0, description="seconds to wait for a confirm")
    sender: str = "app.events.senders:RecordingSender"
    channels: list[Literal["email", "sms"]] = ["email"]

    @property
    def retry_queue(self) -> str:
        return f"{self.queue}.retry.{round(self.retry_delay * 1000)}ms"

    @property
    def dead_queue(self) -> str:
        return f"{self.queue}.dead"


def attempts_of(message: AbstractIncomingMessage) -> int:
    """Attempts made before this delivery (0 for a new message)."""
    value = (message.headers or {}).get(ATTEMPT_HEADER)
    return value if isinstance(value, int) and value >= 0 else 0


def database_unreachable(exc: BaseException) -> bool:
    """The database, not the message, failed: retry without counting an attempt."""
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    return isinstance(exc, OperationalError | InterfaceError | ConnectionRefusedError)


class EventConsumer:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        handler: Handler,
        consumed: dict[str, type[BaseEvent]],
        *,
        url: str,
        exchange: str,
        settings: ConsumerSettings,
        connect_timeout: float = 5.0,
        max_delay: float = 10.0,
        after_commit: Callable[[], None] | None = None,
    ) -> None:
        self._sessions = sessions
        self._after_commit = after_commit
        self._handler = handler
        self._consumed = consumed
        self._url = url
        self._exchange = exchange
        self.settings = settings
        self._connect_timeout = connect_timeout
        self._max_delay = max_delay
        self._connection: AbstractRobustConnection | None = None
        self._channel: AbstractChannel | None = None
        self._ready = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    @property
    def name(self) -> str:
        """The consumer's identity in the processed-messages table: its queue."""
        return self.settings.queue

    @property
    def is_connected(self) -> bool:
        connection = self._connection
        return (
            self._ready.is_set()
            and connection is not None
            and not connection.is_closed
            and connection.connected.is_set()
        )

    async def start(self) -> None:
        """Connect and consume in the background; wait a little for it, not forever."""
        self._task = asyncio.create_task(self._run(), name="event-consumer")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._ready.wait(), self._connect_timeout)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        connection, self._connection = self._connection, None
        self._ready.clear()
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()

    async def _run(self) -> None:
        delay = 0.2
        while True:
            try:
                await self._connect()
                return  # the robust connection reconnects and resumes consuming by itself
            except asyncio.CancelledError:
                raise
            # An unreachable broker shows as OS, AMQP or timeout errors alike.
            except Exception as exc:
                logger.warning("event consumer cannot start: %s", exc)
            if self._connection is not None:
                with contextlib.suppress(Exception):
                    await self._connection.close()
                self._connection = None
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max_delay)

    async def _connect(self) -> None:
        connection = await aio_pika.connect_robust(self._url, timeout=self._connect_timeout)
        self._connection = connection
        channel = await connection.channel(publisher_confirms=True)
        await channel.set_qos(prefetch_count=self.settings.prefetch)
        self._channel = channel
        queue = await self.declare(channel)
        await queue.consume(self._on_message)
        self._ready.set()
        logger.info("event consumer started", extra={"queue": self.settings.queue})

    async def declare(self, channel: AbstractChannel) -> AbstractQueue:
        """The exchange, the three queues and the bindings (idempotent)."""
        s = self.settings
        exchange = await channel.declare_exchange(
            self._exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        await channel.declare_queue(
            s.dead_queue, durable=True, arguments={"x-queue-type": "quorum"}
        )
        await channel.declare_queue(
            s.retry_queue,
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                "x-message-ttl": round(s.retry_delay * 1000),
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": s.queue,
            },
        )
        queue = await channel.declare_queue(
            s.queue,
            durable=True,
            arguments={
                "x-queue-type": "quorum",
                "x-delivery-limit": s.delivery_limit,
                "x-dead-letter-exchange": "",
                "x-dead-letter-routing-key": s.dead_queue,
            },
        )
        for routing_key in sorted({schema.routing_key for schema in self._consumed.values()}):
            await queue.bind(exchange, routing_key=routing_key)
        return queue

    async def _on_message(self, message: AbstractIncomingMessage) -> None:
        attempt = attempts_of(message) + 1
        try:
            envelope = EventEnvelope.model_validate_json(message.body)
            event = envelope.event(self._consumed)
        except PERMANENT as exc:
            await self._dead_letter(message, attempt, f"{type(exc).__name__}: {exc}")
            return
        token = correlation_id.set(envelope.correlation_id)
        try:
            with consume_span(message, self.settings.queue):
                await self._process(envelope, event)
        # The handler's failure is the message's: retried, and dead-lettered at the limit.
        except Exception as exc:
            if database_unreachable(exc):
                logger.warning("database unreachable, event retried: %s", exc)
                await self._retry(message, attempt - 1, f"database: {exc}")
            elif attempt >= self.settings.max_attempts:
                logger.exception("event failed %s times, dead-lettered", attempt)
                await self._dead_letter(message, attempt, f"{type(exc).__name__}: {exc}")
            else:
                logger.warning("event failed (attempt %s), retried: %s", attempt, exc)
                await self._retry(message, attempt, f"{type(exc).__name__}: {exc}")
            return
        finally:
            correlation_id.reset(token)
        await message.ack()

    async def _process(self, envelope: EventEnvelope, event: BaseEvent) -> None:
        """The handler's effects and the processed-message row, in one transaction."""
        async with self._sessions() as session, session.begin():
            first = await claim(session, self.name, envelope.event_id, envelope.event_type)
            if first:
                await self._handler(session, envelope, event)
        if first:
            if self._after_commit is not None:
                self._after_commit()  # e.g. wake the outbox relay for the events just written
            return
        logger.info("duplicate event skipped", extra={"event_id": str(envelope.event_id)})

    async def _retry(self, message: AbstractIncomingMessage, attempts: int, error: str) -> None:
        await self._forward(
            message,
            self.settings.retry_queue,
            {ATTEMPT_HEADER: attempts, "x-last-error": error[:1000]},
        )

    async def _dead_letter(
        self, message: AbstractIncomingMessage, attempts: int, error: str
    ) -> None:
        await self._forward(
            message,
            self.settings.dead_queue,
            {
                ATTEMPT_HEADER: attempts,
                "x-last-error": error[:1000],
                "x-failed-at": utcnow().isoformat(),
                "x-consumer": self.name,
            },
        )

    async def _forward(
        self, message: AbstractIncomingMessage, queue: str, extra: dict[str, FieldValue]
    ) -> None:
        """Publish a copy to ``queue``, confirmed, then ack the original. Without the
        confirm the original is not acked: the broker delivers it again."""
        headers: dict[str, FieldValue] = {
            key: value
            for key, value in (message.headers or {}).items()
            if key not in BROKER_HEADERS
        }
        headers.setdefault("x-original-routing-key", message.routing_key or "")
        headers.update(extra)
        copy = aio_pika.Message(
            message.body,
            headers=headers,
            content_type=message.content_type,
            message_id=message.message_id,
            correlation_id=message.correlation_id,
            type=message.type,
            timestamp=message.timestamp,
            app_id=message.app_id,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        channel = self._channel
        try:
            if channel is None:
                raise RuntimeError("no channel")
            await channel.default_exchange.publish(
                copy, routing_key=queue, timeout=self.settings.ack_timeout
            )
        # A lost channel or a nack: leave the original to be delivered again.
        except Exception as exc:
            logger.warning("could not move the message to %s: %s", queue, exc)
            with contextlib.suppress(Exception):
                await message.nack(requeue=True)
            return
        await message.ack()
