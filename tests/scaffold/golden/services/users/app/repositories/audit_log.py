"""Repository of the AuditLog aggregate: table ``audit_log``."""

from sqlalchemy import select

from app.models import AuditLog
from app.repositories.base import Repository
from app.schemas import AuditLogCreate, AuditLogQuery, AuditLogRead, AuditLogUpdate


class AuditLogRepository(Repository[AuditLog]):
    model = AuditLog
    read_schema = AuditLogRead
    aggregate_type = "audit_log"
    routing_prefix = "users.audit_log"

    async def get(self, id: int, *, for_update: bool = False) -> AuditLog | None:
        return await self.session.get(AuditLog, id, with_for_update=for_update)

    async def create(self, data: AuditLogCreate) -> AuditLog:
        entity = AuditLog(**data.model_dump())
        return await self._add(entity, "AuditLogCreated")

    async def search(self, query: AuditLogQuery) -> tuple[list[AuditLog], int]:
        statement = self._filter(select(AuditLog), query)
        statement = statement.order_by(AuditLog.created_at.desc(), AuditLog.id.desc())
        return await self._page(statement, limit=query.limit, offset=query.offset)

    async def update(self, entity: AuditLog, data: AuditLogUpdate) -> AuditLog:
        changes = data.model_dump(exclude_unset=True)
        return await self._apply(entity, changes, "AuditLogUpdated")
