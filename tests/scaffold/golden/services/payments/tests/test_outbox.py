"""The transactional outbox: an event commits with its change, survives a broker outage,
and is published once the broker is back."""

import asyncio
import json
import uuid

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select

from app.core.config import Settings
from app.core.runtime import Runtime
from app.events.outbox import OutboxEvent, record_event
from app.main import create_app
from tests.conftest import EventTap
from tests.test_health import unreachable

pytestmark = pytest.mark.anyio


async def _stored(runtime: Runtime, event_id: uuid.UUID) -> OutboxEvent | None:
    async with runtime.sessions() as session:
        statement = select(OutboxEvent).where(OutboxEvent.event_id == event_id)
        return (await session.scalars(statement)).one_or_none()


async def test_rolled_back_change_leaves_no_event(settings: Settings) -> None:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        runtime: Runtime = app.state.runtime
        async with runtime.sessions() as session:
            event = record_event(
                session,
                event_type="ProbeCreated",
                routing_key="payments.probe.created",
                aggregate_type="probe",
                aggregate_id="rolled-back",
                payload={},
            )
            await session.flush()
            await session.rollback()
        assert await _stored(runtime, event.event_id) is None


async def test_events_wait_out_a_broker_outage(settings: Settings, events: EventTap) -> None:
    offline = settings.model_copy(
        update={"rabbitmq_url": unreachable(settings.rabbitmq_url), "broker_connect_timeout": 0.2}
    )
    key = uuid.uuid4().hex
    app = create_app(offline)
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app)
        async with AsyncClient(transport=transport, base_url="http://service") as client:
            ready = await client.get("/ready")
        assert ready.status_code == 503
        assert ready.json()["checks"] == {"database": "ok", "broker": "down"}
        runtime: Runtime = app.state.runtime
        async with runtime.sessions() as session:
            event = record_event(
                session,
                event_type="ProbeCreated",
                routing_key="payments.probe.created",
                aggregate_type="probe",
                aggregate_id=key,
                payload={"probe": key},
            )
            await session.commit()
        runtime.relay.wake()
        await asyncio.sleep(0.5)
        stored = await _stored(runtime, event.event_id)
        assert stored is not None and stored.published_at is None

    # The broker is reachable again: the relay of a fresh start drains the backlog.
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        message = await events.next("ProbeCreated", aggregate_id=key)
        assert message.message_id == str(event.event_id)
        assert json.loads(message.body)["payload"] == {"probe": key}
        runtime = app.state.runtime
        for _ in range(50):
            stored = await _stored(runtime, event.event_id)
            if stored is not None and stored.published_at is not None:
                break
            await asyncio.sleep(0.1)
        assert stored is not None and stored.published_at is not None
