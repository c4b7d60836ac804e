"""REST routes of the Shipment aggregate, under ``/api/orders/shipments``."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from app.api.deps import RelayDep, SessionDep, found
from app.repositories.base import TransitionNotAllowed
from app.repositories.shipments import ShipmentRepository
from app.schemas import (
    Page,
    ShipmentCreate,
    ShipmentQuery,
    ShipmentRead,
    ShipmentStatusChange,
    ShipmentUpdate,
)

router = APIRouter(prefix="/api/orders/shipments", tags=["shipments"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_shipment(
    body: ShipmentCreate, session: SessionDep, relay: RelayDep
) -> ShipmentRead:
    entity = await ShipmentRepository(session).create(body)
    await session.commit()
    relay.wake()
    return ShipmentRead.model_validate(entity)


@router.get("")
async def list_shipments(
    query: Annotated[ShipmentQuery, Query()], session: SessionDep
) -> Page[ShipmentRead]:
    """Newest first; filters: order_id, address_id, tracking_number, status."""
    rows, total = await ShipmentRepository(session).search(query)
    items = [ShipmentRead.model_validate(row) for row in rows]
    return Page[ShipmentRead](items=items, total=total, limit=query.limit, offset=query.offset)


@router.get("/{id}")
async def get_shipment(id: int, session: SessionDep) -> ShipmentRead:
    repository = ShipmentRepository(session)
    entity = found(await repository.get(id), "Shipment")
    return ShipmentRead.model_validate(entity)


@router.patch("/{id}")
async def update_shipment(
    id: int, body: ShipmentUpdate, session: SessionDep, relay: RelayDep
) -> ShipmentRead:
    repository = ShipmentRepository(session)
    entity = found(await repository.get(id, for_update=True), "Shipment")
    entity = await repository.update(entity, body)
    await session.commit()
    relay.wake()
    return ShipmentRead.model_validate(entity)


@router.post("/{id}/status", responses={409: {"description": "not allowed"}})
async def change_shipment_status(
    id: int, body: ShipmentStatusChange, session: SessionDep, relay: RelayDep
) -> ShipmentRead:
    repository = ShipmentRepository(session)
    entity = found(await repository.get(id, for_update=True), "Shipment")
    try:
        entity = await repository.change_status(entity, body.status)
    except TransitionNotAllowed as exc:
        raise HTTPException(status_code=status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    await session.commit()
    relay.wake()
    return ShipmentRead.model_validate(entity)
