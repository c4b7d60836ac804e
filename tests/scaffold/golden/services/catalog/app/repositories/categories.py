"""Repository of the Category aggregate: table ``categories``."""

from sqlalchemy import select

from app.models import Category
from app.repositories.base import Repository
from app.schemas import CategoryCreate, CategoryQuery, CategoryRead, CategoryUpdate


class CategoryRepository(Repository[Category]):
    model = Category
    read_schema = CategoryRead
    aggregate_type = "category"
    routing_prefix = "catalog.category"

    async def get(self, id: int, *, for_update: bool = False) -> Category | None:
        return await self.session.get(Category, id, with_for_update=for_update)

    async def create(self, data: CategoryCreate) -> Category:
        entity = Category(**data.model_dump())
        return await self._add(entity, "CategoryCreated")

    async def search(self, query: CategoryQuery) -> tuple[list[Category], int]:
        statement = self._filter(select(Category), query)
        statement = statement.order_by(Category.id.desc())
        return await self._page(statement, limit=query.limit, offset=query.offset)

    async def update(self, entity: Category, data: CategoryUpdate) -> Category:
        changes = data.model_dump(exclude_unset=True)
        return await self._apply(entity, changes, "CategoryUpdated")
