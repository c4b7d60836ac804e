"""What every repository shares: paging, and outbox events written in the caller's
transaction, so a change and the event announcing it commit (or roll back) together."""

from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import Select, func, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.db import Base
from app.events.outbox import record_event
from app.events.published import contract_events, record_contract_event

ModelT = TypeVar("ModelT", bound=Base)


class TransitionNotAllowed(Exception):
    def __init__(self, current: str, requested: str) -> None:
        super().__init__(f"status cannot change from {current!r} to {requested!r}")
        self.current = current
        self.requested = requested


class Repository(Generic[ModelT]):
    model: ClassVar[type[Base]]
    read_schema: ClassVar[type[BaseModel]]
    aggregate_type: ClassVar[str]  # e.g. "order": the routing-key word and payload key
    routing_prefix: ClassVar[str]  # "<service>.<aggregate>"

    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def _filter(self, statement: Select[Any], query: BaseModel) -> Select[Any]:
        """Equality filters from the query's fields that are set (paging fields aside)."""
        wanted = query.model_dump(exclude={"limit", "offset"}, exclude_none=True)
        for name, value in wanted.items():
            statement = statement.where(getattr(self.model, name) == value)
        return statement

    # Select[Any]: SQLAlchemy 2.0 and 2.1 spell the row type of a select differently.
    async def _page(
        self, statement: Select[Any], *, limit: int, offset: int
    ) -> tuple[list[ModelT], int]:
        counted = select(func.count()).select_from(statement.order_by(None).subquery())
        total = await self.session.scalar(counted)
        rows = await self.session.scalars(statement.limit(limit).offset(offset))
        return list(rows.all()), total or 0

    async def _add(self, entity: ModelT, event_type: str) -> ModelT:
        self.session.add(entity)
        await self.session.flush()
        self.record(entity, event_type, "created")
        return entity

    async def _apply(self, entity: ModelT, changes: dict[str, Any], event_type: str) -> ModelT:
        for name, value in changes.items():
            setattr(entity, name, value)
        await self.session.flush()
        self.record(entity, event_type, "updated", changed=sorted(changes))
        return entity

    def record(self, entity: ModelT, event_type: str, action: str, **extra: Any) -> None:
        """Write the outbox events for a change of ``entity`` (in the same transaction).

        First the contract events the change announces (app.events.published, validated by
        the contract models); then the service's own ``event_type`` with the entity's state,
        unless a contract event of that name already announces the change.
        """
        announced = contract_events(entity, action, extra.get("status"))
        for event in announced:
            record_contract_event(self.session, event)
        if any(event.event_type == event_type for event in announced):
            return
        state = self.read_schema.model_validate(entity).model_dump(mode="json")
        record_event(
            self.session,
            event_type=event_type,
            version=1,
            # Named like the contracts' keys: <service>.<aggregate>.<action>.v<version>
            routing_key=f"{self.routing_prefix}.{action}.v1",
            aggregate_type=self.aggregate_type,
            aggregate_id=self.key_of(entity),
            payload={**extra, self.aggregate_type: state},
        )

    @staticmethod
    def key_of(entity: Base) -> str:
        identity = inspect(entity).identity or ()
        return ":".join(str(part) for part in identity)
