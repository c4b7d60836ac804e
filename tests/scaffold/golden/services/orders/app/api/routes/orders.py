"""REST routes of the Order aggregate, under ``/api/orders``."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from app.api.deps import RelayDep, SessionDep, found
from app.repositories.base import TransitionNotAllowed
from app.repositories.orders import OrderRepository
from app.schemas import OrderCreate, OrderQuery, OrderRead, OrderStatusChange, OrderUpdate, Page

router = APIRouter(prefix="/api/orders", tags=["orders"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_order(body: OrderCreate, session: SessionDep, relay: RelayDep) -> OrderRead:
    entity = await OrderRepository(session).create(body)
    await session.commit()
    relay.wake()
    return OrderRead.model_validate(entity)


@router.get("")
async def list_orders(
    query: Annotated[OrderQuery, Query()], session: SessionDep
) -> Page[OrderRead]:
    """Newest first; filters: user_id, status, shipping_address_id."""
    rows, total = await OrderRepository(session).search(query)
    items = [OrderRead.model_validate(row) for row in rows]
    return Page[OrderRead](items=items, total=total, limit=query.limit, offset=query.offset)


@router.get("/{id}")
async def get_order(id: int, session: SessionDep) -> OrderRead:
    repository = OrderRepository(session)
    entity = found(await repository.get(id), "Order")
    return OrderRead.model_validate(entity)


@router.patch("/{id}")
async def update_order(
    id: int, body: OrderUpdate, session: SessionDep, relay: RelayDep
) -> OrderRead:
    repository = OrderRepository(session)
    entity = found(await repository.get(id, for_update=True), "Order")
    entity = await repository.update(entity, body)
    await session.commit()
    relay.wake()
    return OrderRead.model_validate(entity)


@router.post("/{id}/status", responses={409: {"description": "not allowed"}})
async def change_order_status(
    id: int, body: OrderStatusChange, session: SessionDep, relay: RelayDep
) -> OrderRead:
    repository = OrderRepository(session)
    entity = found(await repository.get(id, for_update=True), "Order")
    try:
        entity = await repository.change_status(entity, body.status)
    except TransitionNotAllowed as exc:
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    await session.commit()
    relay.wake()
    return OrderRead.model_validate(entity)
