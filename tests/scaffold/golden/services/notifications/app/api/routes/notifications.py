"""REST routes of the Notification aggregate, under ``/api/notifications``."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import RelayDep, SessionDep, found
from app.repositories.notifications import NotificationRepository
from app.schemas import (
    NotificationCreate,
    NotificationQuery,
    NotificationRead,
    NotificationUpdate,
    Page,
)

router = APIRouter(prefix="/api/notifications", tags=["notifications"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_notification(
    body: NotificationCreate, session: SessionDep, relay: RelayDep
) -> NotificationRead:
    entity = await NotificationRepository(session).create(body)
    await session.commit()
    relay.wake()
    return NotificationRead.model_validate(entity)


@router.get("")
async def list_notifications(
    query: Annotated[NotificationQuery, Query()], session: SessionDep
) -> Page[NotificationRead]:
    """Newest first; filters: user_id, order_id, channel."""
    rows, total = await NotificationRepository(session).search(query)
    items = [NotificationRead.model_validate(row) for row in rows]
    return Page[NotificationRead](items=items, total=total, limit=query.limit, offset=query.offset)


@router.get("/{id}")
async def get_notification(id: int, session: SessionDep) -> NotificationRead:
    repository = NotificationRepository(session)
    entity = found(await repository.get(id), "Notification")
    return NotificationRead.model_validate(entity)


@router.patch("/{id}")
async def update_notification(
    id: int, body: NotificationUpdate, session: SessionDep, relay: RelayDep
) -> NotificationRead:
    repository = NotificationRepository(session)
    entity = found(await repository.get(id, for_update=True), "Notification")
    entity = await repository.update(entity, body)
    await session.commit()
    relay.wake()
    return NotificationRead.model_validate(entity)
