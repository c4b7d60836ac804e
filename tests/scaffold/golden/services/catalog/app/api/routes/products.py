"""REST routes of the Product aggregate, under ``/api/catalog/products``."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import RelayDep, SessionDep, found
from app.repositories.products import ProductRepository
from app.schemas import Page, ProductCreate, ProductQuery, ProductRead, ProductUpdate

router = APIRouter(prefix="/api/catalog/products", tags=["products"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_product(body: ProductCreate, session: SessionDep, relay: RelayDep) -> ProductRead:
    entity = await ProductRepository(session).create(body)
    await session.commit()
    relay.wake()
    return ProductRead.model_validate(entity)


@router.get("")
async def list_products(
    query: Annotated[ProductQuery, Query()], session: SessionDep
) -> Page[ProductRead]:
    """Newest first; filters: sku, name, is_active."""
    rows, total = await ProductRepository(session).search(query)
    items = [ProductRead.model_validate(row) for row in rows]
    return Page[ProductRead](items=items, total=total, limit=query.limit, offset=query.offset)


@router.get("/{id}")
async def get_product(id: int, session: SessionDep) -> ProductRead:
    repository = ProductRepository(session)
    entity = found(await repository.get(id), "Product")
    return ProductRead.model_validate(entity)


@router.patch("/{id}")
async def update_product(
    id: int, body: ProductUpdate, session: SessionDep, relay: RelayDep
) -> ProductRead:
    repository = ProductRepository(session)
    entity = found(await repository.get(id, for_update=True), "Product")
    entity = await repository.update(entity, body)
    await session.commit()
    relay.wake()
    return ProductRead.model_validate(entity)
