"""REST routes of the Refund aggregate, under ``/api/payments/refunds``."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import RelayDep, SessionDep, found
from app.repositories.refunds import RefundRepository
from app.schemas import Page, RefundCreate, RefundQuery, RefundRead, RefundUpdate

router = APIRouter(prefix="/api/payments/refunds", tags=["refunds"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_refund(body: RefundCreate, session: SessionDep, relay: RelayDep) -> RefundRead:
    entity = await RefundRepository(session).create(body)
    await session.commit()
    relay.wake()
    return RefundRead.model_validate(entity)


@router.get("")
async def list_refunds(
    query: Annotated[RefundQuery, Query()], session: SessionDep
) -> Page[RefundRead]:
    """Newest first; filters: payment_id, transaction_id."""
    rows, total = await RefundRepository(session).search(query)
    items = [RefundRead.model_validate(row) for row in rows]
    return Page[RefundRead](items=items, total=total, limit=query.limit, offset=query.offset)


@router.get("/{id}")
async def get_refund(id: int, session: SessionDep) -> RefundRead:
    repository = RefundRepository(session)
    entity = found(await repository.get(id), "Refund")
    return RefundRead.model_validate(entity)


@router.patch("/{id}")
async def update_refund(
    id: int, body: RefundUpdate, session: SessionDep, relay: RelayDep
) -> RefundRead:
    repository = RefundRepository(session)
    entity = found(await repository.get(id, for_update=True), "Refund")
    entity = await repository.update(entity, body)
    await session.commit()
    relay.wake()
    return RefundRead.model_validate(entity)
