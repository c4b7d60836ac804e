"""The trace context in RabbitMQ message headers: a consumer's span continues the trace of
the request that caused the event, across the outbox and the broker.

W3C ``traceparent``/``tracestate`` go into the AMQP headers with OpenTelemetry's propagate
API. opentelemetry-instrumentation-aio-pika is not used: it requires aio-pika < 10, and it
would start the trace at the outbox relay's publish, not at the request that wrote the event.

Publisher (at the time the event is recorded, inside the request)::

    outbox_row.trace_context = trace_headers()

Relay (later, in its own loop)::

    headers = {...}
    with publish_span(exchange, routing_key, headers, parent=row.trace_context):
        await exchange.publish(aio_pika.Message(body, headers=headers), routing_key)

Consumer::

    async with message.process():
        with consume_span(message, queue.name):
            ...
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, MutableMapping
from contextlib import contextmanager
from typing import Any, Protocol

from opentelemetry import propagate
from opentelemetry.trace import Span, SpanKind
from opentelemetry.util.types import AttributeValue

from .tracing import tracer


class IncomingMessage(Protocol):
    """What ``consume_span`` reads of an aio-pika ``AbstractIncomingMessage``."""

    @property
    def headers(self) -> Mapping[str, Any]: ...
    @property
    def exchange(self) -> str | None: ...
    @property
    def routing_key(self) -> str | None: ...
    @property
    def message_id(self) -> str | None: ...


def trace_headers() -> dict[str, str]:
    """The current trace context as message headers; empty outside a span. Store it with
    an outbox row to publish the event later under the request's trace."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def _text_headers(headers: Mapping[str, Any] | None) -> dict[str, str]:
    """AMQP header values may arrive as bytes; the propagator reads strings."""
    text: dict[str, str] = {}
    for key, value in (headers or {}).items():
        if isinstance(value, bytes):
            text[key] = value.decode("latin-1")
        elif isinstance(value, str):
            text[key] = value
    return text


def _messaging(operation: str, exchange: str | None, routing_key: str | None,
               message_id: str | None) -> dict[str, AttributeValue]:
    attributes: dict[str, AttributeValue] = {
        "messaging.system": "rabbitmq",
        "messaging.operation.type": operation,
        "messaging.destination.name": exchange or "amq.default",
    }
    if routing_key:
        attributes["messaging.rabbitmq.destination.routing_key"] = routing_key
    if message_id:
        attributes["messaging.message.id"] = message_id
    return attributes


@contextmanager
def publish_span(exchange: str, routing_key: str, headers: MutableMapping[str, Any], *,
                 message_id: str | None = None,
                 parent: Mapping[str, Any] | None = None) -> Iterator[Span]:
    """A producer span around one publish; writes its context into ``headers``.

    ``parent``: headers captured by ``trace_headers()`` when the event was recorded; the
    span then joins that request's trace instead of the current one.
    """
    context = propagate.extract(_text_headers(parent)) if parent else None
    attributes = _messaging("send", exchange, routing_key, message_id)
    with tracer().start_as_current_span(f"send {exchange or 'amq.default'}", context=context,
                                        kind=SpanKind.PRODUCER, attributes=attributes) as span:
        propagate.inject(headers)
        yield span


@contextmanager
def consume_span(message: IncomingMessage, queue: str) -> Iterator[Span]:
    """A consumer span for handling one delivered message, child of its producer span."""
    context = propagate.extract(_text_headers(message.headers))
    attributes = _messaging("process", message.exchange, message.routing_key,
                            message.message_id)
    attributes["messaging.destination.subscription.name"] = queue
    with tracer().start_as_current_span(f"process {queue}", context=context,
                                        kind=SpanKind.CONSUMER, attributes=attributes) as span:
        yield span
