"""REST routes of the Category aggregate, under ``/api/catalog/categories``."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import RelayDep, SessionDep, found
from app.repositories.categories import CategoryRepository
from app.schemas import CategoryCreate, CategoryQuery, CategoryRead, CategoryUpdate, Page

router = APIRouter(prefix="/api/catalog/categories", tags=["categories"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_category(
    body: CategoryCreate, session: SessionDep, relay: RelayDep
) -> CategoryRead:
    entity = await CategoryRepository(session).create(body)
    await session.commit()
    relay.wake()
    return CategoryRead.model_validate(entity)


@router.get("")
async def list_categories(
    query: Annotated[CategoryQuery, Query()], session: SessionDep
) -> Page[CategoryRead]:
    """Newest first; filters: name, slug."""
    rows, total = await CategoryRepository(session).search(query)
    items = [CategoryRead.model_validate(row) for row in rows]
    return Page[CategoryRead](items=items, total=total, limit=query.limit, offset=query.offset)


@router.get("/{id}")
async def get_category(id: int, session: SessionDep) -> CategoryRead:
    repository = CategoryRepository(session)
    entity = found(await repository.get(id), "Category")
    return CategoryRead.model_validate(entity)


@router.patch("/{id}")
async def update_category(
    id: int, body: CategoryUpdate, session: SessionDep, relay: RelayDep
) -> CategoryRead:
    repository = CategoryRepository(session)
    entity = found(await repository.get(id, for_update=True), "Category")
    entity = await repository.update(entity, body)
    await session.commit()
    relay.wake()
    return CategoryRead.model_validate(entity)
