"""Repository of the Notification aggregate: table ``notifications``."""

from sqlalchemy import select

from app.models import Notification
from app.repositories.base import Repository
from app.schemas import NotificationCreate, NotificationQuery, NotificationRead, NotificationUpdate


class NotificationRepository(Repository[Notification]):
    model = Notification
    read_schema = NotificationRead
    aggregate_type = "notification"
    routing_prefix = "notifications.notification"

    async def get(self, id: int, *, for_update: bool = False) -> Notification | None:
        return await self.session.get(Notification, id, with_for_update=for_update)

    async def create(self, data: NotificationCreate) -> Notification:
        entity = Notification(**data.model_dump())
        return await self._add(entity, "NotificationCreated")

    async def search(self, query: NotificationQuery) -> tuple[list[Notification], int]:
        statement = self._filter(select(Notification), query)
        statement = statement.order_by(Notification.created_at.desc(), Notification.id.desc())
        return await self._page(statement, limit=query.limit, offset=query.offset)

    async def update(self, entity: Notification, data: NotificationUpdate) -> Notification:
        changes = data.model_dump(exclude_unset=True)
        return await self._apply(entity, changes, "NotificationUpdated")
