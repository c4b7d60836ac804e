"""Fixtures: a fresh, migrated database per test run (dropped afterwards), the app running
its lifespan, an HTTP client, and a queue bound to the events exchange.

PostgreSQL and RabbitMQ come from the usual settings (environment or ``.env``); the tests
create their own database and exchange there and remove them at the end.
"""

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Iterator

import aio_pika
import pytest
from aio_pika.abc import AbstractIncomingMessage, AbstractQueue
from fastapi import FastAPI
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from app.core.config import Settings
from app.main import create_app
from app.prestart import migrate

ADMIN_DATABASE = "postgres"


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


async def admin(settings: Settings, statement: str) -> None:
    """Run a statement (CREATE/DROP DATABASE) on the server's maintenance database."""
    url = settings.database_url.set(database=ADMIN_DATABASE)
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as connection:
            await connection.execute(text(statement))
    finally:
        await engine.dispose()


async def _delete_exchange(settings: Settings) -> None:
    connection = await aio_pika.connect(settings.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        await channel.exchange_delete(settings.events_exchange)


@pytest.fixture(scope="session")
def settings() -> Iterator[Settings]:
    base = Settings(environment="test")
    run = uuid.uuid4().hex[:10]
    test_settings = base.model_copy(
        update={
            "postgres_db": f"test_payments_{run}",
            "events_exchange": f"test.payments.{run}",
            "outbox_poll_interval": 0.2,
            # any free port: tests of several services (or runs) side by side
            "grpc_listen": "127.0.0.1:0",
        }
    )
    asyncio.run(admin(base, f'CREATE DATABASE "{test_settings.postgres_db}"'))
    try:
        migrate(test_settings)
        yield test_settings
    finally:
        drop = f'DROP DATABASE IF EXISTS "{test_settings.postgres_db}" WITH (FORCE)'
        asyncio.run(admin(base, drop))
        asyncio.run(_delete_exchange(test_settings))


@pytest.fixture
async def app(settings: Settings) -> AsyncIterator[FastAPI]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app: FastAPI) -> AsyncIterator[AsyncClient]:
    transport = ASGITransport(app=app)
    async with AsyncClient(transport=transport, base_url="http://service") as http:
        yield http


class EventTap:
    """The messages the service publishes, read from a queue bound to its exchange."""

    def __init__(self, queue: AbstractQueue) -> None:
        self._queue = queue
        self._seen: list[AbstractIncomingMessage] = []

    async def next(
        self, event_type: str, *, aggregate_id: str | None = None, timeout: float = 10.0
    ) -> AbstractIncomingMessage:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            for message in self._seen:
                if message.type == event_type and (
                    aggregate_id is None or json.loads(message.body)["aggregate_id"] == aggregate_id
                ):
                    self._seen.remove(message)
                    return message
            if loop.time() > deadline:
                raise AssertionError(f"no {event_type} event for {aggregate_id} in {timeout}s")
            incoming = await self._queue.get(no_ack=True, fail=False)
            if incoming is None:
                await asyncio.sleep(0.05)
            else:
                self._seen.append(incoming)


@pytest.fixture
async def events(settings: Settings) -> AsyncIterator[EventTap]:
    connection = await aio_pika.connect(settings.rabbitmq_url)
    async with connection:
        channel = await connection.channel()
        exchange = await channel.declare_exchange(
            settings.events_exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key="#")
        yield EventTap(queue)
