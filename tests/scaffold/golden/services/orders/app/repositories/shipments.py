"""Repository of the Shipment aggregate: table ``shipments``."""

from sqlalchemy import select

from app.models import SHIPMENT_TRANSITIONS, Shipment, ShipmentStatus
from app.repositories.base import Repository, TransitionNotAllowed
from app.schemas import ShipmentCreate, ShipmentQuery, ShipmentRead, ShipmentUpdate


class ShipmentRepository(Repository[Shipment]):
    model = Shipment
    read_schema = ShipmentRead
    aggregate_type = "shipment"
    routing_prefix = "orders.shipment"

    async def get(self, id: int, *, for_update: bool = False) -> Shipment | None:
        return await self.session.get(Shipment, id, with_for_update=for_update)

    async def create(self, data: ShipmentCreate) -> Shipment:
        entity = Shipment(**data.model_dump())
        return await self._add(entity, "ShipmentCreated")

    async def search(self, query: ShipmentQuery) -> tuple[list[Shipment], int]:
        statement = self._filter(select(Shipment), query)
        statement = statement.order_by(Shipment.id.desc())
        return await self._page(statement, limit=query.limit, offset=query.offset)

    async def update(self, entity: Shipment, data: ShipmentUpdate) -> Shipment:
        changes = data.model_dump(exclude_unset=True)
        return await self._apply(entity, changes, "ShipmentUpdated")

    async def change_status(self, entity: Shipment, status: ShipmentStatus) -> Shipment:
        previous = entity.status
        if status not in SHIPMENT_TRANSITIONS[previous]:
            raise TransitionNotAllowed(previous.value, status.value)
        entity.status = status
        await self.session.flush()
        self.record(
            entity,
            "ShipmentStatusChanged",
            "status_changed",
            previous_status=previous.value,
            status=status.value,
        )
        return entity
