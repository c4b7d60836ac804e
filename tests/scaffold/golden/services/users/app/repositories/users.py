"""Repository of the User aggregate: table ``users``."""

from sqlalchemy import select

from app.models import User
from app.repositories.base import Repository
from app.schemas import UserCreate, UserQuery, UserRead, UserUpdate


class UserRepository(Repository[User]):
    model = User
    read_schema = UserRead
    aggregate_type = "user"
    routing_prefix = "users.user"

    async def get(self, id: int, *, for_update: bool = False) -> User | None:
        return await self.session.get(User, id, with_for_update=for_update)

    async def create(self, data: UserCreate) -> User:
        entity = User(**data.model_dump())
        return await self._add(entity, "UserCreated")

    async def search(self, query: UserQuery) -> tuple[list[User], int]:
        statement = self._filter(select(User), query)
        statement = statement.order_by(User.created_at.desc(), User.id.desc())
        return await self._page(statement, limit=query.limit, offset=query.offset)

    async def update(self, entity: User, data: UserUpdate) -> User:
        changes = data.model_dump(exclude_unset=True)
        return await self._apply(entity, changes, "UserUpdated")
