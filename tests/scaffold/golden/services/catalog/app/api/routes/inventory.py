"""REST routes of the Inventory aggregate, under ``/api/catalog/inventory``."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import RelayDep, SessionDep, found
from app.repositories.inventory import InventoryRepository
from app.schemas import InventoryCreate, InventoryQuery, InventoryRead, InventoryUpdate, Page

router = APIRouter(prefix="/api/catalog/inventory", tags=["inventory"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_inventory(
    body: InventoryCreate, session: SessionDep, relay: RelayDep
) -> InventoryRead:
    entity = await InventoryRepository(session).create(body)
    await session.commit()
    relay.wake()
    return InventoryRead.model_validate(entity)


@router.get("")
async def list_inventory_list(
    query: Annotated[InventoryQuery, Query()], session: SessionDep
) -> Page[InventoryRead]:
    """Newest first; filters: product_id."""
    rows, total = await InventoryRepository(session).search(query)
    items = [InventoryRead.model_validate(row) for row in rows]
    return Page[InventoryRead](items=items, total=total, limit=query.limit, offset=query.offset)


@router.get("/{id}")
async def get_inventory(id: int, session: SessionDep) -> InventoryRead:
    repository = InventoryRepository(session)
    entity = found(await repository.get(id), "Inventory")
    return InventoryRead.model_validate(entity)


@router.patch("/{id}")
async def update_inventory(
    id: int, body: InventoryUpdate, session: SessionDep, relay: RelayDep
) -> InventoryRead:
    repository = InventoryRepository(session)
    entity = found(await repository.get(id, for_update=True), "Inventory")
    entity = await repository.update(entity, body)
    await session.commit()
    relay.wake()
    return InventoryRead.model_validate(entity)
