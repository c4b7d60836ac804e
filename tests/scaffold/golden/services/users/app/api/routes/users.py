"""REST routes of the User aggregate, under ``/api/users``."""

from typing import Annotated

from fastapi import APIRouter, Query, status

from app.api.deps import RelayDep, SessionDep, found
from app.repositories.users import UserRepository
from app.schemas import Page, UserCreate, UserQuery, UserRead, UserUpdate

router = APIRouter(prefix="/api/users", tags=["users"])


@router.post("", status_code=status.HTTP_201_CREATED)
async def create_user(body: UserCreate, session: SessionDep, relay: RelayDep) -> UserRead:
    entity = await UserRepository(session).create(body)
    await session.commit()
    relay.wake()
    return UserRead.model_validate(entity)


@router.get("")
async def list_users(query: Annotated[UserQuery, Query()], session: SessionDep) -> Page[UserRead]:
    """Newest first; filters: email, sms_opt_in, is_active."""
    rows, total = await UserRepository(session).search(query)
    items = [UserRead.model_validate(row) for row in rows]
    return Page[UserRead](items=items, total=total, limit=query.limit, offset=query.offset)


@router.get("/{id}")
async def get_user(id: int, session: SessionDep) -> UserRead:
    repository = UserRepository(session)
    entity = found(await repository.get(id), "User")
    return UserRead.model_validate(entity)


@router.patch("/{id}")
async def update_user(id: int, body: UserUpdate, session: SessionDep, relay: RelayDep) -> UserRead:
    repository = UserRepository(session)
    entity = found(await repository.get(id, for_update=True), "User")
    entity = await repository.update(entity, body)
    await session.commit()
    relay.wake()
    return UserRead.model_validate(entity)
