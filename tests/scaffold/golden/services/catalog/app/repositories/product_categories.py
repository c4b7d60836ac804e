"""Repository of the ProductCategory aggregate: table ``product_categories``."""

from sqlalchemy import select

from app.models import ProductCategory
from app.repositories.base import Repository
from app.schemas import ProductCategoryCreate, ProductCategoryQuery, ProductCategoryRead


class ProductCategoryRepository(Repository[ProductCategory]):
    model = ProductCategory
    read_schema = ProductCategoryRead
    aggregate_type = "product_category"
    routing_prefix = "catalog.product_category"

    async def get(
        self, product_id: int, category_id: int, *, for_update: bool = False
    ) -> ProductCategory | None:
        return await self.session.get(
            ProductCategory,
            (product_id, category_id),
            with_for_update=for_update,
        )

    async def create(self, data: ProductCategoryCreate) -> ProductCategory:
        entity = ProductCategory(**data.model_dump())
        return await self._add(entity, "ProductCategoryCreated")

    async def search(self, query: ProductCategoryQuery) -> tuple[list[ProductCategory], int]:
        statement = self._filter(select(ProductCategory), query)
        statement = statement.order_by(
            ProductCategory.product_id.desc(),
            ProductCategory.category_id.desc(),
        )
        return await self._page(statement, limit=query.limit, offset=query.offset)
