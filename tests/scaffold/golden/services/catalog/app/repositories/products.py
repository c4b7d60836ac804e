"""Repository of the Product aggregate: table ``products``."""

from sqlalchemy import select

from app.models import Product
from app.repositories.base import Repository
from app.schemas import ProductCreate, ProductQuery, ProductRead, ProductUpdate


class ProductRepository(Repository[Product]):
    model = Product
    read_schema = ProductRead
    aggregate_type = "product"
    routing_prefix = "catalog.product"

    async def get(self, id: int, *, for_update: bool = False) -> Product | None:
        return await self.session.get(Product, id, with_for_update=for_update)

    async def create(self, data: ProductCreate) -> Product:
        entity = Product(**data.model_dump())
        return await self._add(entity, "ProductCreated")

    async def search(self, query: ProductQuery) -> tuple[list[Product], int]:
        statement = self._filter(select(Product), query)
        statement = statement.order_by(Product.created_at.desc(), Product.id.desc())
        return await self._page(statement, limit=query.limit, offset=query.offset)

    async def update(self, entity: Product, data: ProductUpdate) -> Product:
        changes = data.model_dump(exclude_unset=True)
        return await self._apply(entity, changes, "ProductUpdated")
