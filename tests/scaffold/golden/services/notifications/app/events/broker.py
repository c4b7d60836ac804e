"""The RabbitMQ connection: kept open in the background, reconnecting with backoff, and
publishing to a topic exchange with publisher confirms.

Consumers of these messages continue the trace they carry: wrap the handling of each one
in ``app.core.message_tracing.consume_span(message, queue_name)``.
"""

import asyncio
import contextlib
import datetime as dt
import logging
from collections.abc import Callable, Mapping

import aio_pika
from aio_pika.abc import AbstractConnection, AbstractExchange
from pamqp.commands import Basic

logger = logging.getLogger(__name__)


class BrokerUnavailable(Exception):
    """The broker is not connected, or did not confirm a message."""


class Broker:
    def __init__(
        self,
        url: str,
        exchange: str,
        *,
        app_id: str,
        connect_timeout: float = 5.0,
        max_delay: float = 10.0,
    ) -> None:
        self._url = url
        self._exchange_name = exchange
        self._app_id = app_id
        self._connect_timeout = connect_timeout
        self._max_delay = max_delay
        self._connection: AbstractConnection | None = None
        self._exchange: AbstractExchange | None = None
        self._connected = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._listeners: list[Callable[[], None]] = []

    @property
    def exchange_name(self) -> str:
        return self._exchange_name

    @property
    def is_connected(self) -> bool:
        connection = self._connection
        return self._connected.is_set() and connection is not None and not connection.is_closed

    def on_connected(self, listener: Callable[[], None]) -> None:
        self._listeners.append(listener)

    async def start(self) -> None:
        """Connect in the background; wait a little for the first connection, not forever:
        the service starts (and reports not ready) while the broker is down."""
        self._task = asyncio.create_task(self._stay_connected(), name="broker-connection")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._connected.wait(), self._connect_timeout)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._close()

    async def _stay_connected(self) -> None:
        delay = 0.2
        while True:
            try:
                await self._hold_connection()
                delay = 0.2  # it was up: reconnect quickly
            except asyncio.CancelledError:
                raise
            # aio-pika reports an unreachable broker as OS, AMQP or timeout errors alike.
            except Exception as exc:
                logger.warning("broker unavailable: %s", exc)
            await self._close()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._max_delay)

    async def _hold_connection(self) -> None:
        """Connect, declare the exchange, and return once the connection is lost."""
        lost = asyncio.Event()
        connection = await aio_pika.connect(self._url, timeout=self._connect_timeout)
        self._connection = connection
        connection.close_callbacks.add(lambda *_: lost.set())
        channel = await connection.channel(publisher_confirms=True)
        channel.close_callbacks.add(lambda *_: lost.set())
        self._exchange = await channel.declare_exchange(
            self._exchange_name, aio_pika.ExchangeType.TOPIC, durable=True
        )
        self._connected.set()
        logger.info("broker connected", extra={"exchange": self._exchange_name})
        for listener in self._listeners:
            listener()
        await lost.wait()
        logger.warning("broker connection lost")

    async def _close(self) -> None:
        self._connected.clear()
        self._exchange = None
        connection, self._connection = self._connection, None
        if connection is not None and not connection.is_closed:
            with contextlib.suppress(Exception):
                await connection.close()

    async def publish(
        self,
        *,
        routing_key: str,
        body: bytes,
        message_id: str,
        event_type: str,
        correlation_id: str | None,
        timestamp: dt.datetime,
        timeout: float,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        """Publish one persistent message; returns only once the broker confirmed it.

        ``headers``: the trace context (``traceparent``); the correlation id is added."""
        exchange = self._exchange
        if exchange is None or not self.is_connected:
            raise BrokerUnavailable("not connected to the broker")
        message = aio_pika.Message(
            body,
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            message_id=message_id,
            correlation_id=correlation_id,
            type=event_type,
            timestamp=timestamp,
            app_id=self._app_id,
            headers={**(headers or {}), "x-correlation-id": correlation_id or ""},
        )
        try:
            confirmation = await exchange.publish(
                message, routing_key=routing_key, mandatory=False, timeout=timeout
            )
        except Exception as exc:  # a lost channel, a nack or a timeout: not confirmed
            raise BrokerUnavailable(f"publish not confirmed: {exc!r}") from exc
        if not isinstance(confirmation, Basic.Ack):
            raise BrokerUnavailable(f"publish not confirmed: {confirmation!r}")
