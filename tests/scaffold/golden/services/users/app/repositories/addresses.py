"""Repository of the Address aggregate: table ``addresses``."""

from sqlalchemy import select

from app.models import Address
from app.repositories.base import Repository
from app.schemas import AddressCreate, AddressQuery, AddressRead, AddressUpdate


class AddressRepository(Repository[Address]):
    model = Address
    read_schema = AddressRead
    aggregate_type = "address"
    routing_prefix = "users.address"

    async def get(self, id: int, *, for_update: bool = False) -> Address | None:
        return await self.session.get(Address, id, with_for_update=for_update)

    async def create(self, data: AddressCreate) -> Address:
        entity = Address(**data.model_dump())
        return await self._add(entity, "AddressCreated")

    async def search(self, query: AddressQuery) -> tuple[list[Address], int]:
        statement = self._filter(select(Address), query)
        statement = statement.order_by(Address.created_at.desc(), Address.id.desc())
        return await self._page(statement, limit=query.limit, offset=query.offset)

    async def update(self, entity: Address, data: AddressUpdate) -> Address:
        changes = data.model_dump(exclude_unset=True)
        return await self._apply(entity, changes, "AddressUpdated")
