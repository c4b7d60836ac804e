"""The gRPC server of this service, with health checking and server reflection.

It serves
payments.v1.PaymentService,
the standard health service and reflection (so grpcurl can list, describe and call it).

Run it alone with ``python -m app.grpc.server``, or beside the HTTP API inside the FastAPI
lifespan with ``running_grpc_server(...)``.
"""

from __future__ import annotations

import asyncio
import logging
import signal
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from . import payments_pb2 as pb
from . import payments_pb2_grpc as pb_grpc
from .idempotency import IdempotencyStore, InMemoryIdempotencyStore, SqlIdempotencyStore
from .operations import PaymentProcessor, SandboxPaymentProcessor
from .servicer import PaymentServiceServicer

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["PaymentService"].full_name
SERVING = health_pb2.HealthCheckResponse.SERVING

log = logging.getLogger(__name__)


class GrpcServerSettings(BaseSettings):
    """Environment: GRPC_LISTEN, GRPC_GRACE_SECONDS, DATABASE_URL."""

    model_config = SettingsConfigDict(env_prefix="GRPC_")

    listen: str = "[::]:50051"
    grace_seconds: float = 5.0
    # The service's own database (postgresql+asyncpg://...) keeps the idempotency keys so
    # every replica sees them; without it they live in this process only.
    database_url: str | None = Field(None, validation_alias="DATABASE_URL")


@dataclass
class GrpcServer:
    server: grpc.aio.Server
    health: health.aio.HealthServicer
    port: int  # the bound port (useful with ":0")

    async def start(self) -> None:
        await self.server.start()
        for name in ("", SERVICE_NAME):  # "" is the whole server, as grpc-health-probe asks
            await self.health.set(name, SERVING)

    async def stop(self, grace: float | None) -> None:
        # NOT_SERVING first, so load balancers drain before in-flight calls are cut
        await self.health.enter_graceful_shutdown()
        await self.server.stop(grace)


def build_server(operations: PaymentProcessor, store: IdempotencyStore, *,
                 listen: str = "[::]:50051",
                 interceptors: Sequence[grpc.aio.ServerInterceptor] = ()) -> GrpcServer:
    """A server (not started) with the servicer, health and reflection on ``listen``."""
    server = grpc.aio.server(interceptors=list(interceptors))
    pb_grpc.add_PaymentServiceServicer_to_server(
        PaymentServiceServicer(operations, store), server)
    health_servicer = health.aio.HealthServicer()
    health_pb2_grpc.add_HealthServicer_to_server(health_servicer, server)
    reflection.enable_server_reflection(
        (SERVICE_NAME, health.SERVICE_NAME, reflection.SERVICE_NAME), server)
    port = server.add_insecure_port(listen)
    return GrpcServer(server=server, health=health_servicer, port=port)


@asynccontextmanager
async def running_grpc_server(
    operations: PaymentProcessor, store: IdempotencyStore,
    settings: GrpcServerSettings | None = None,
    interceptors: Sequence[grpc.aio.ServerInterceptor] = (),
) -> AsyncIterator[GrpcServer]:
    """Serve while the block runs: ``async with running_grpc_server(...)`` in a lifespan."""
    settings = settings or GrpcServerSettings()
    running = build_server(operations, store, listen=settings.listen,
                           interceptors=interceptors)
    await running.start()
    try:
        yield running
    finally:
        await running.stop(settings.grace_seconds)


async def idempotency_store(settings: GrpcServerSettings) -> tuple[IdempotencyStore,
                                                                   AsyncEngine | None]:
    """The SQL store on DATABASE_URL (creating its table), else an in-memory one."""
    if not settings.database_url:
        log.warning("DATABASE_URL unset: idempotency keys are kept in memory only")
        return InMemoryIdempotencyStore(), None
    engine = create_async_engine(settings.database_url, pool_pre_ping=True)
    await SqlIdempotencyStore.create_table(engine)
    return SqlIdempotencyStore(async_sessionmaker(engine, expire_on_commit=False)), engine


async def serve(operations: PaymentProcessor | None = None,
                settings: GrpcServerSettings | None = None) -> None:
    """Serve until SIGINT/SIGTERM, then drain for ``grace_seconds``."""
    settings = settings or GrpcServerSettings()
    if operations is None:
        log.warning("no PaymentProcessor given: serving the sandbox provider")
        operations = SandboxPaymentProcessor()
    store, engine = await idempotency_store(settings)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        async with running_grpc_server(operations, store, settings) as running:
            log.info("%s serving on port %d", SERVICE_NAME, running.port)
            await stop.wait()
    finally:
        if engine is not None:
            await engine.dispose()


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    asyncio.run(serve())
