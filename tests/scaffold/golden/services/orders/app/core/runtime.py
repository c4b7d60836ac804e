"""The resources a running service shares between requests, created by the lifespan."""

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from app.clients.payments_grpc import PaymentServiceClient
from app.core.config import Settings
from app.events.broker import Broker
from app.events.relay import OutboxRelay


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    broker: Broker
    relay: OutboxRelay
    # calls to the payments service: payments.v1.PaymentService (one channel per process)
    payments_grpc: PaymentServiceClient
