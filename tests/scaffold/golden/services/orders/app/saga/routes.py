"""The saga tracker's read API over HTTP: the sagas the orders service tracks, with
their current step and history (what ``python -m app.saga.tracker list`` and ``show`` print).
"""

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, HTTPException, Query, status

from app.api.deps import SessionDep
from app.saga.tracker import list_sagas

saga_router = APIRouter(prefix="/sagas", tags=["sagas"])


@saga_router.get("")
async def read_sagas(
    session: SessionDep,
    state: Annotated[str | None, Query(alias="status")] = None,
    saga: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[dict[str, Any]]:
    """Newest first; filters: status (running, compensating, completed, ...), saga."""
    views = await list_sagas(session, status=state, saga=saga, limit=limit)
    return [view.as_dict() for view in views]


@saga_router.get("/{saga_id}")
async def read_saga(saga_id: UUID, session: SessionDep) -> dict[str, Any]:
    """One saga with its history in order."""
    views = await list_sagas(session, saga_id=saga_id, limit=1)
    if not views:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no saga {saga_id}")
    return views[0].as_dict()
