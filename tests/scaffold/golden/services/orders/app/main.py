"""The orders service's FastAPI application.

The lifespan creates the async engine (its SQL traced), connects to RabbitMQ, starts the
outbox relay, opens the gRPC channels to the services it calls and enters the components
of app.lifespan (its part in the sagas (choreography): steps of checkout; tracks
checkout; publishes OrderPaid, OrderShipped once the status and the evidence are both
known); on shutdown it leaves them, stops the rest in reverse order and exports the
spans still buffered.
"""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from app.api.main import api_router
from app.api.routes import health
from app.clients.payments_grpc import PaymentServiceClient
from app.core.config import Settings, get_settings
from app.core.db import create_engine, create_sessionmaker
from app.core.logging import CorrelationIdMiddleware, configure_logging
from app.core.runtime import Runtime
from app.core.tracing import (
    flush_tracing,
    grpc_client_interceptors,
    instrument_engine,
    setup_tracing,
)
from app.events.broker import Broker
from app.events.relay import OutboxRelay
from app.lifespan import running_components
from app.saga.routes import saga_router

DESCRIPTION = (
    "Creates and manages orders and their shipments; emits events when an order "
    "changes status; answers order history queries."
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.log_level, settings.service_name)
        engine = create_engine(settings)
        instrument_engine(engine)
        sessions = create_sessionmaker(engine)
        broker = Broker(
            settings.rabbitmq_url,
            settings.events_exchange,
            app_id=settings.service_name,
            connect_timeout=settings.broker_connect_timeout,
            max_delay=settings.broker_reconnect_max_delay,
        )
        relay = OutboxRelay(
            sessions,
            broker,
            batch_size=settings.outbox_batch_size,
            poll_interval=settings.outbox_poll_interval,
            max_backoff=settings.outbox_max_backoff,
            publish_timeout=settings.publish_timeout,
        )
        # Sync calls to these services go over gRPC (and only gRPC): the clients read their
        # <SERVICE>_GRPC_* settings from the environment; the channels connect lazily.
        runtime = Runtime(
            settings,
            engine,
            sessions,
            broker,
            relay,
            payments_grpc=PaymentServiceClient(interceptors=grpc_client_interceptors()),
        )
        app.state.runtime = runtime
        await broker.start()
        relay_task = asyncio.create_task(relay.run(), name="outbox-relay")
        try:
            async with running_components(runtime):
                yield
        finally:
            relay.stop()
            with contextlib.suppress(asyncio.CancelledError):
                await relay_task
            await runtime.payments_grpc.close()
            await broker.stop()
            await engine.dispose()
            flush_tracing()

    app = FastAPI(
        title="Orders service",
        description=DESCRIPTION,
        version="0.1.0",
        lifespan=lifespan,
    )
    app.add_middleware(CorrelationIdMiddleware)
    # After the middleware: the request's span is the outermost, so the request log line
    # carries its trace id.
    setup_tracing(app, settings.service_name, environment=settings.environment)

    @app.exception_handler(IntegrityError)
    async def conflict(request: Request, exc: IntegrityError) -> JSONResponse:
        # A unique or foreign key constraint refused the write: the client's data clashes.
        detail = str(exc.orig).splitlines()[0] if exc.orig else "constraint violated"
        return JSONResponse({"detail": detail}, status_code=status.HTTP_409_CONFLICT)

    app.include_router(health.router)
    app.include_router(api_router)
    app.include_router(saga_router)
    return app


app = create_app()
