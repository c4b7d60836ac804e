"""REST routes of the ProductCategory aggregate, under ``/api/catalog/product-categories``."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import RelayDep, SessionDep, found
from app.repositories.product_categories import ProductCategoryRepository
from app.schemas import Page, ProductCategoryCreate, ProductCategoryQuery, ProductCategoryRead

router = APIRouter(prefix="/api/catalog/product-categories", tags=["product-categories"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_product_category(
    body: ProductCategoryCreate, session: SessionDep, relay: RelayDep
) -> ProductCategoryRead:
    entity = await ProductCategoryRepository(session).create(body)
    await session.commit()
    relay.wake()
    return ProductCategoryRead.model_validate(entity)


@router.get("")
async def list_product_categories(
    query: Annotated[ProductCategoryQuery, Query()], session: SessionDep
) -> Page[ProductCategoryRead]:
    """Newest first; filters: none."""
    rows, total = await ProductCategoryRepository(session).search(query)
    items = [ProductCategoryRead.model_validate(row) for row in rows]
    return Page[ProductCategoryRead](
        items=items,
        total=total,
        limit=query.limit,
        offset=query.offset,
    )


@router.get("/{product_id}/{category_id}")
async def get_product_category(
    product_id: int, category_id: int, session: SessionDep
) -> ProductCategoryRead:
    repository = ProductCategoryRepository(session)
    entity = found(await repository.get(product_id, category_id), "ProductCategory")
    return ProductCategoryRead.model_validate(entity)
