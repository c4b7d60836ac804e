"""Dependencies the routes share: the runtime, a database session, the outbox relay,
the gRPC clients of the services this one calls."""

from collections.abc import AsyncIterator
from typing import Annotated, TypeVar

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.ext.asyncio import AsyncSession

from app.clients.payments_grpc import PaymentServiceClient
from app.core.runtime import Runtime
from app.events.relay import OutboxRelay

T = TypeVar("T")


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def get_session(runtime: RuntimeDep) -> AsyncIterator[AsyncSession]:
    async with runtime.sessions() as session:
        yield session


def get_relay(runtime: RuntimeDep) -> OutboxRelay:
    return runtime.relay


SessionDep = Annotated[AsyncSession, Depends(get_session)]
RelayDep = Annotated[OutboxRelay, Depends(get_relay)]


def get_payments_grpc(runtime: RuntimeDep) -> PaymentServiceClient:
    return runtime.payments_grpc


PaymentServiceClientDep = Annotated[PaymentServiceClient, Depends(get_payments_grpc)]


def found(entity: T | None, what: str) -> T:
    """The entity, or a 404 naming what was not found."""
    if entity is None:
        raise HTTPException(status_code=status.HTTP_404_NOT_FOUND, detail=f"{what} not found")
    return entity
