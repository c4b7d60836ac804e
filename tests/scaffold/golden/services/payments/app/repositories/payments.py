"""Repository of the Payment aggregate: table ``payments``."""

from sqlalchemy import select

from app.models import PAYMENT_TRANSITIONS, Payment, PaymentStatus
from app.repositories.base import Repository, TransitionNotAllowed
from app.schemas import PaymentCreate, PaymentQuery, PaymentRead, PaymentUpdate


class PaymentRepository(Repository[Payment]):
    model = Payment
    read_schema = PaymentRead
    aggregate_type = "payment"
    routing_prefix = "payments.payment"

    async def get(self, id: int, *, for_update: bool = False) -> Payment | None:
        return await self.session.get(Payment, id, with_for_update=for_update)

    async def create(self, data: PaymentCreate) -> Payment:
        entity = Payment(**data.model_dump())
        return await self._add(entity, "PaymentCreated")

    async def search(self, query: PaymentQuery) -> tuple[list[Payment], int]:
        statement = self._filter(select(Payment), query)
        statement = statement.order_by(Payment.created_at.desc(), Payment.id.desc())
        return await self._page(statement, limit=query.limit, offset=query.offset)

    async def update(self, entity: Payment, data: PaymentUpdate) -> Payment:
        changes = data.model_dump(exclude_unset=True)
        return await self._apply(entity, changes, "PaymentUpdated")

    async def change_status(self, entity: Payment, status: PaymentStatus) -> Payment:
        previous = entity.status
        if status not in PAYMENT_TRANSITIONS[previous]:
            raise TransitionNotAllowed(previous.value, status.value)
        entity.status = status
        await self.session.flush()
        self.record(
            entity,
            "PaymentStatusChanged",
            "status_changed",
            previous_status=previous.value,
            status=status.value,
        )
        return entity
