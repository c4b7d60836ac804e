"""REST routes of the Address aggregate, under ``/api/users/addresses``."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import RelayDep, SessionDep, found
from app.repositories.addresses import AddressRepository
from app.schemas import AddressCreate, AddressQuery, AddressRead, AddressUpdate, Page

router = APIRouter(prefix="/api/users/addresses", tags=["addresses"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_address(body: AddressCreate, session: SessionDep, relay: RelayDep) -> AddressRead:
    entity = await AddressRepository(session).create(body)
    await session.commit()
    relay.wake()
    return AddressRead.model_validate(entity)


@router.get("")
async def list_addresses(
    query: Annotated[AddressQuery, Query()], session: SessionDep
) -> Page[AddressRead]:
    """Newest first; filters: user_id."""
    rows, total = await AddressRepository(session).search(query)
    items = [AddressRead.model_validate(row) for row in rows]
    return Page[AddressRead](items=items, total=total, limit=query.limit, offset=query.offset)


@router.get("/{id}")
async def get_address(id: int, session: SessionDep) -> AddressRead:
    repository = AddressRepository(session)
    entity = found(await repository.get(id), "Address")
    return AddressRead.model_validate(entity)


@router.patch("/{id}")
async def update_address(
    id: int, body: AddressUpdate, session: SessionDep, relay: RelayDep
) -> AddressRead:
    repository = AddressRepository(session)
    entity = found(await repository.get(id, for_update=True), "Address")
    entity = await repository.update(entity, body)
    await session.commit()
    relay.wake()
    return AddressRead.model_validate(entity)
