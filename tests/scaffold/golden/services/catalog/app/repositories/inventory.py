"""Repository of the Inventory aggregate: table ``inventory``."""

from sqlalchemy import select

from app.models import Inventory
from app.repositories.base import Repository
from app.schemas import InventoryCreate, InventoryQuery, InventoryRead, InventoryUpdate


class InventoryRepository(Repository[Inventory]):
    model = Inventory
    read_schema = InventoryRead
    aggregate_type = "inventory"
    routing_prefix = "catalog.inventory"

    async def get(self, id: int, *, for_update: bool = False) -> Inventory | None:
        return await self.session.get(Inventory, id, with_for_update=for_update)

    async def create(self, data: InventoryCreate) -> Inventory:
        entity = Inventory(**data.model_dump())
        return await self._add(entity, "InventoryCreated")

    async def search(self, query: InventoryQuery) -> tuple[list[Inventory], int]:
        statement = self._filter(select(Inventory), query)
        statement = statement.order_by(Inventory.id.desc())
        return await self._page(statement, limit=query.limit, offset=query.offset)

    async def update(self, entity: Inventory, data: InventoryUpdate) -> Inventory:
        changes = data.model_dump(exclude_unset=True)
        return await self._apply(entity, changes, "InventoryUpdated")
