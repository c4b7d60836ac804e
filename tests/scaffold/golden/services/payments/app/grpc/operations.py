"""The business port of the gRPC service: the servicer delegates every rpc here.

Plain async Python with no gRPC in it. Plug the service's business logic in by subclassing
``PaymentProcessor`` with the code moved from the monolith's
shop.services.payments;
``SandboxPaymentProcessor`` is the stand-in provider for development and tests.
"""

from __future__ import annotations

import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum

from .errors import FailedPrecondition, InvalidArgument, NotFound


@dataclass(frozen=True)
class Money:
    """Integer minor units and an ISO 4217 code: 1999 EUR is 19.99 euros."""

    amount_minor: int
    currency: str


class PaymentState(StrEnum):
    PENDING = "pending"
    CAPTURED = "captured"
    DECLINED = "declined"
    PARTIALLY_REFUNDED = "partially_refunded"
    REFUNDED = "refunded"


@dataclass(frozen=True)
class PaymentRecord:
    payment_id: str
    order_id: str
    amount: Money
    status: PaymentState
    created_at: datetime
    refunded_minor: int = 0
    decline_code: str = ""
    decline_message: str = ""


@dataclass(frozen=True)
class RefundRecord:
    refund_id: str
    payment_id: str
    amount: Money
    reason: str
    created_at: datetime


@dataclass(frozen=True)
class ChargeCommand:
    idempotency_key: str  # pass it on to the payment provider: it de-duplicates too
    order_id: str
    amount: Money
    payment_method: str
    description: str = ""


@dataclass(frozen=True)
class RefundCommand:
    idempotency_key: str
    payment_id: str
    amount: Money | None  # None: the whole remaining balance
    reason: str = ""


class PaymentDeclined(FailedPrecondition):
    def __init__(self, payment: PaymentRecord) -> None:
        super().__init__("PAYMENT_DECLINED", payment.decline_message or "payment declined",
                         resource_id=payment.payment_id, payment_id=payment.payment_id,
                         decline_code=payment.decline_code)
        self.payment = payment


class PaymentNotFound(NotFound):
    def __init__(self, payment_id: str) -> None:
        super().__init__("PAYMENT_NOT_FOUND", f"no payment {payment_id!r}",
                         payment_id=payment_id)


class PaymentNotRefundable(FailedPrecondition):
    def __init__(self, payment: PaymentRecord) -> None:
        super().__init__("PAYMENT_NOT_REFUNDABLE",
                         f"a {payment.status.value} payment cannot be refunded",
                         payment_id=payment.payment_id, status=payment.status.value)


class RefundExceedsBalance(FailedPrecondition):
    def __init__(self, payment: PaymentRecord, requested: int) -> None:
        left = payment.amount.amount_minor - payment.refunded_minor
        super().__init__("REFUND_EXCEEDS_BALANCE",
                         f"refund of {requested} exceeds the {left} left on the payment",
                         payment_id=payment.payment_id, balance_minor=str(left))


class PaymentProcessor(ABC):
    """What this service does for its gRPC callers."""

    @abstractmethod
    async def charge(self, command: ChargeCommand) -> PaymentRecord:
        """Charge the payment method once; return the CAPTURED or DECLINED payment.

        A decline is a normal result here (it is recorded); the servicer reports it as
        FAILED_PRECONDITION. Replaces:

        shop.services.payments.charge
        """

    @abstractmethod
    async def refund(self, command: RefundCommand) -> tuple[RefundRecord, PaymentRecord]:
        """Refund a captured payment; return the refund and the payment after it.

        Raises PaymentNotFound, PaymentNotRefundable, RefundExceedsBalance.
        Replaces:

        shop.services.payments.refund
        """

    @abstractmethod
    async def get_payment(self, payment_id: str) -> PaymentRecord:
        """The payment as it is now; raises PaymentNotFound.
        """


# Test tokens the sandbox declines, like a provider's documented test cards.
DECLINING_METHODS = {
    "tok_declined": ("card_declined", "The card was declined."),
    "tok_insufficient_funds": ("insufficient_funds", "The card has insufficient funds."),
    "tok_expired_card": ("expired_card", "The card has expired."),
}


class SandboxPaymentProcessor(PaymentProcessor):
    """A stand-in provider: approves every payment method but DECLINING_METHODS.

    Payments live in memory. The gRPC layer already makes each idempotency key charge once;
    ``charges`` counts the charges that really reached this processor.
    """

    def __init__(self) -> None:
        self.payments: dict[str, PaymentRecord] = {}
        self.refunds: list[RefundRecord] = []
        self.charges = 0

    async def charge(self, command: ChargeCommand) -> PaymentRecord:
        self.charges += 1
        decline = DECLINING_METHODS.get(command.payment_method)
        payment = PaymentRecord(
            payment_id=f"pay_{uuid.uuid4().hex}",
            order_id=command.order_id,
            amount=command.amount,
            status=PaymentState.DECLINED if decline else PaymentState.CAPTURED,
            created_at=datetime.now(UTC),
            decline_code=decline[0] if decline else "",
            decline_message=decline[1] if decline else "",
        )
        self.payments[payment.payment_id] = payment
        return payment

    async def refund(self, command: RefundCommand) -> tuple[RefundRecord, PaymentRecord]:
        payment = await self.get_payment(command.payment_id)
        if payment.status not in (PaymentState.CAPTURED, PaymentState.PARTIALLY_REFUNDED):
            raise PaymentNotRefundable(payment)
        left = payment.amount.amount_minor - payment.refunded_minor
        amount = command.amount or Money(left, payment.amount.currency)
        if amount.currency != payment.amount.currency:
            raise InvalidArgument({"amount.currency": "must be the payment's currency "
                                   f"{payment.amount.currency}"})
        if amount.amount_minor > left:
            raise RefundExceedsBalance(payment, amount.amount_minor)
        refunded = payment.refunded_minor + amount.amount_minor
        payment = replace(payment, refunded_minor=refunded, status=(
            PaymentState.REFUNDED if refunded == payment.amount.amount_minor
            else PaymentState.PARTIALLY_REFUNDED))
        self.payments[payment.payment_id] = payment
        refund = RefundRecord(refund_id=f"rfd_{uuid.uuid4().hex}",
                              payment_id=payment.payment_id, amount=amount,
                              reason=command.reason, created_at=datetime.now(UTC))
        self.refunds.append(refund)
        return refund, payment

    async def get_payment(self, payment_id: str) -> PaymentRecord:
        try:
            return self.payments[payment_id]
        except KeyError:
            raise PaymentNotFound(payment_id) from None
