"""Repository of the Refund aggregate: table ``refunds``."""

from sqlalchemy import select

from app.models import Refund
from app.repositories.base import Repository
from app.schemas import RefundCreate, RefundQuery, RefundRead, RefundUpdate


class RefundRepository(Repository[Refund]):
    model = Refund
    read_schema = RefundRead
    aggregate_type = "refund"
    routing_prefix = "payments.refund"

    async def get(self, id: int, *, for_update: bool = False) -> Refund | None:
        return await self.session.get(Refund, id, with_for_update=for_update)

    async def create(self, data: RefundCreate) -> Refund:
        entity = Refund(**data.model_dump())
        return await self._add(entity, "RefundCreated")

    async def search(self, query: RefundQuery) -> tuple[list[Refund], int]:
        statement = self._filter(select(Refund), query)
        statement = statement.order_by(Refund.created_at.desc(), Refund.id.desc())
        return await self._page(statement, limit=query.limit, offset=query.offset)

    async def update(self, entity: Refund, data: RefundUpdate) -> Refund:
        changes = data.model_dump(exclude_unset=True)
        return await self._apply(entity, changes, "RefundUpdated")
