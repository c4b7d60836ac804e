"""REST routes of the Payment aggregate, under ``/api/payments``."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from app.api.deps import RelayDep, SessionDep, found
from app.repositories.base import TransitionNotAllowed
from app.repositories.payments import PaymentRepository
from app.schemas import (
    Page,
    PaymentCreate,
    PaymentQuery,
    PaymentRead,
    PaymentStatusChange,
    PaymentUpdate,
)

router = APIRouter(prefix="/api/payments", tags=["payments"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_payment(body: PaymentCreate, session: SessionDep, relay: RelayDep) -> PaymentRead:
    entity = await PaymentRepository(session).create(body)
    await session.commit()
    relay.wake()
    return PaymentRead.model_validate(entity)


@router.get("")
async def list_payments(
    query: Annotated[PaymentQuery, Query()], session: SessionDep
) -> Page[PaymentRead]:
    """Newest first; filters: order_id, status, transaction_id."""
    rows, total = await PaymentRepository(session).search(query)
    items = [PaymentRead.model_validate(row) for row in rows]
    return Page[PaymentRead](items=items, total=total, limit=query.limit, offset=query.offset)


@router.get("/{id}")
async def get_payment(id: int, session: SessionDep) -> PaymentRead:
    repository = PaymentRepository(session)
    entity = found(await repository.get(id), "Payment")
    return PaymentRead.model_validate(entity)


@router.patch("/{id}")
async def update_payment(
    id: int, body: PaymentUpdate, session: SessionDep, relay: RelayDep
) -> PaymentRead:
    repository = PaymentRepository(session)
    entity = found(await repository.get(id, for_update=True), "Payment")
    entity = await repository.update(entity, body)
    await session.commit()
    relay.wake()
    return PaymentRead.model_validate(entity)


@router.post("/{id}/status", responses={409: {"description": "not allowed"}})
async def change_payment_status(
    id: int, body: PaymentStatusChange, session: SessionDep, relay: RelayDep
) -> PaymentRead:
    repository = PaymentRepository(session)
    entity = found(await repository.get(id, for_update=True), "Payment")
    try:
        entity = await repository.change_status(entity, body.status)
    except TransitionNotAllowed as exc:
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    await session.commit()
    relay.wake()
    return PaymentRead.model_validate(entity)
