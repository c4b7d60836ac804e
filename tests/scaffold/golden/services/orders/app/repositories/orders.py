"""Repository of the Order aggregate: table ``orders`` with its parts ``order_items``."""

from sqlalchemy import select

from app.events.evidence import publish_evidenced_order
from app.models import ORDER_TRANSITIONS, Order, OrderItem, OrderStatus
from app.repositories.base import Repository, TransitionNotAllowed
from app.schemas import OrderCreate, OrderQuery, OrderRead, OrderUpdate


class OrderRepository(Repository[Order]):
    model = Order
    read_schema = OrderRead
    aggregate_type = "order"
    routing_prefix = "orders.order"

    async def get(self, id: int, *, for_update: bool = False) -> Order | None:
        return await self.session.get(Order, id, with_for_update=for_update)

    async def create(self, data: OrderCreate) -> Order:
        values = data.model_dump(exclude={"items"})
        values["items"] = [
            OrderItem(**part.model_dump()) for part in data.items
        ]
        entity = Order(**values)
        return await self._add(entity, "OrderCreated")

    async def search(self, query: OrderQuery) -> tuple[list[Order], int]:
        statement = self._filter(select(Order), query)
        statement = statement.order_by(Order.created_at.desc(), Order.id.desc())
        return await self._page(statement, limit=query.limit, offset=query.offset)

    async def update(self, entity: Order, data: OrderUpdate) -> Order:
        changes = data.model_dump(exclude_unset=True)
        return await self._apply(entity, changes, "OrderUpdated")

    async def change_status(self, entity: Order, status: OrderStatus) -> Order:
        previous = entity.status
        if status not in ORDER_TRANSITIONS[previous]:
            raise TransitionNotAllowed(previous.value, status.value)
        entity.status = status
        await self.session.flush()
        self.record(
            entity,
            "OrderStatusChanged",
            "status_changed",
            previous_status=previous.value,
            status=status.value,
        )
        await publish_evidenced_order(self.session, entity)
        return entity
