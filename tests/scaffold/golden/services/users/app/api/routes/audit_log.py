"""REST routes of the AuditLog aggregate, under ``/api/users/audit-log``."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import RelayDep, SessionDep, found
from app.repositories.audit_log import AuditLogRepository
from app.schemas import AuditLogCreate, AuditLogQuery, AuditLogRead, AuditLogUpdate, Page

router = APIRouter(prefix="/api/users/audit-log", tags=["audit-log"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_audit_log(
    body: AuditLogCreate, session: SessionDep, relay: RelayDep
) -> AuditLogRead:
    entity = await AuditLogRepository(session).create(body)
    await session.commit()
    relay.wake()
    return AuditLogRead.model_validate(entity)


@router.get("")
async def list_audit_log_list(
    query: Annotated[AuditLogQuery, Query()], session: SessionDep
) -> Page[AuditLogRead]:
    """Newest first; filters: actor_id, entity_id."""
    rows, total = await AuditLogRepository(session).search(query)
    items = [AuditLogRead.model_validate(row) for row in rows]
    return Page[AuditLogRead](items=items, total=total, limit=query.limit, offset=query.offset)


@router.get("/{id}")
async def get_audit_log(id: int, session: SessionDep) -> AuditLogRead:
    repository = AuditLogRepository(session)
    entity = found(await repository.get(id), "AuditLog")
    return AuditLogRead.model_validate(entity)


@router.patch("/{id}")
async def update_audit_log(
    id: int, body: AuditLogUpdate, session: SessionDep, relay: RelayDep
) -> AuditLogRead:
    repository = AuditLogRepository(session)
    entity = found(await repository.get(id, for_update=True), "AuditLog")
    entity = await repository.update(entity, body)
    await session.commit()
    relay.wake()
    return AuditLogRead.model_validate(entity)
