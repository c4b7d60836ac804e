"""The gRPC servicer: checks requests, runs commands once per idempotency key, delegates
to the business port and turns domain errors into gRPC status codes.

It implements payments.v1.PaymentService.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import grpc
from google.protobuf.message import Message
from google.rpc import status_pb2
from grpc_status import rpc_status

from . import payments_pb2 as pb
from . import payments_pb2_grpc as pb_grpc
from .errors import DomainError, InvalidArgument, NotFound
from .idempotency import IdempotencyStore, Outcome, run_once
from .operations import (
    ChargeCommand,
    Money,
    PaymentDeclined,
    PaymentProcessor,
    PaymentRecord,
    PaymentState,
    RefundCommand,
    RefundRecord,
)

MAX_KEY_LENGTH = 255
CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")

_STATUS = {
    PaymentState.PENDING: pb.PAYMENT_STATUS_PENDING,
    PaymentState.CAPTURED: pb.PAYMENT_STATUS_CAPTURED,
    PaymentState.DECLINED: pb.PAYMENT_STATUS_DECLINED,
    PaymentState.PARTIALLY_REFUNDED: pb.PAYMENT_STATUS_PARTIALLY_REFUNDED,
    PaymentState.REFUNDED: pb.PAYMENT_STATUS_REFUNDED,
}

Execute = Callable[[], Awaitable[tuple[Message, str]]]


class PaymentServiceServicer(
    pb_grpc.PaymentServiceServicer,
):
    def __init__(self, port: PaymentProcessor, store: IdempotencyStore) -> None:
        self._port = port
        self._store = store

    async def Charge(self, request: pb.ChargeRequest,
                     context: grpc.aio.ServicerContext) -> pb.ChargeResponse:
        async def execute() -> tuple[pb.ChargeResponse, str]:
            payment = await self._port.charge(ChargeCommand(
                idempotency_key=request.idempotency_key,
                order_id=request.order_id,
                amount=Money(request.amount.amount_minor, request.amount.currency),
                payment_method=request.payment_method,
                description=request.description))
            if payment.status is PaymentState.DECLINED:
                raise PaymentDeclined(payment)
            return pb.ChargeResponse(payment=_payment(payment)), payment.payment_id

        violations = _key_violations(request.idempotency_key)
        violations |= _money_violations("amount", request.amount if request.HasField("amount")
                                        else None, required=True)
        if not request.order_id:
            violations["order_id"] = "required"
        if not request.payment_method:
            violations["payment_method"] = "required"
        response: pb.ChargeResponse = await self._once(
            context, "Charge", request, request.idempotency_key, violations, execute,
            pb.ChargeResponse)
        return response

    async def Refund(self, request: pb.RefundRequest,
                     context: grpc.aio.ServicerContext) -> pb.RefundResponse:
        async def execute() -> tuple[pb.RefundResponse, str]:
            amount = (Money(request.amount.amount_minor, request.amount.currency)
                      if request.HasField("amount") else None)
            refund, payment = await self._port.refund(RefundCommand(
                idempotency_key=request.idempotency_key, payment_id=request.payment_id,
                amount=amount, reason=request.reason))
            response = pb.RefundResponse(refund=_refund(refund), payment=_payment(payment))
            return response, refund.refund_id

        violations = _key_violations(request.idempotency_key)
        violations |= _money_violations("amount", request.amount if request.HasField("amount")
                                        else None, required=False)
        if not request.payment_id:
            violations["payment_id"] = "required"
        response: pb.RefundResponse = await self._once(
            context, "Refund", request, request.idempotency_key, violations, execute,
            pb.RefundResponse)
        return response

    async def GetStatus(self, request: pb.GetStatusRequest,
                        context: grpc.aio.ServicerContext) -> pb.GetStatusResponse:
        try:
            lookup = request.WhichOneof("lookup")
            if lookup == "payment_id" and request.payment_id:
                payment = await self._port.get_payment(request.payment_id)
            elif lookup == "idempotency_key" and request.idempotency_key:
                entry = await self._store.lookup("Charge", request.idempotency_key)
                if entry is not None and entry.outcome is None:
                    return pb.GetStatusResponse(
                        payment=pb.Payment(status=pb.PAYMENT_STATUS_PENDING))
                if entry is None or entry.outcome is None or not entry.outcome.resource_id:
                    raise NotFound("PAYMENT_NOT_FOUND",
                                   "no Charge with this idempotency key reached the service",
                                   idempotency_key=request.idempotency_key)
                payment = await self._port.get_payment(entry.outcome.resource_id)
            else:
                raise InvalidArgument({"lookup": "set payment_id or idempotency_key"})
        except DomainError as exc:
            await _abort(context, exc.to_status())
        return pb.GetStatusResponse(payment=_payment(payment))

    async def _once(self, context: grpc.aio.ServicerContext, scope: str, request: Message,
                    key: str, violations: dict[str, str], execute: Execute,
                    response_type: type[Message]) -> Any:
        try:
            if violations:
                raise InvalidArgument(violations)
            outcome = await run_once(self._store, scope, key, request, execute)
        except DomainError as exc:
            await _abort(context, exc.to_status())
        return await _answer(context, outcome, response_type)


async def _abort(context: grpc.aio.ServicerContext, status: status_pb2.Status) -> None:
    await context.abort_with_status(rpc_status.to_status(status))


async def _answer(context: grpc.aio.ServicerContext, outcome: Outcome,
                  response_type: type[Message]) -> Message:
    if outcome.code != 0:
        await _abort(context, status_pb2.Status.FromString(outcome.error_status))
    return response_type.FromString(outcome.response)


def _key_violations(key: str) -> dict[str, str]:
    if not key:
        return {"idempotency_key": "required: one key per logical call, reused by retries"}
    if len(key) > MAX_KEY_LENGTH:
        return {"idempotency_key": f"at most {MAX_KEY_LENGTH} characters"}
    return {}


def _money_violations(field: str, money: pb.Money | None, *, required: bool) -> dict[str, str]:
    if money is None:
        return {field: "required"} if required else {}
    violations = {}
    if money.amount_minor <= 0:
        violations[f"{field}.amount_minor"] = "must be a positive number of minor units"
    if not CURRENCY_CODE.match(money.currency):
        violations[f"{field}.currency"] = "must be an ISO 4217 code such as EUR"
    return violations


def _money(money: Money) -> pb.Money:
    return pb.Money(amount_minor=money.amount_minor, currency=money.currency)


def _payment(payment: PaymentRecord) -> pb.Payment:
    message = pb.Payment(
        payment_id=payment.payment_id,
        order_id=payment.order_id,
        amount=_money(payment.amount),
        refunded=pb.Money(amount_minor=payment.refunded_minor,
                          currency=payment.amount.currency),
        status=_STATUS[payment.status], decline_code=payment.decline_code,
        decline_message=payment.decline_message)
    message.created_at.FromDatetime(payment.created_at)
    return message


def _refund(refund: RefundRecord) -> pb.RefundRecord:
    message = pb.RefundRecord(refund_id=refund.refund_id, payment_id=refund.payment_id,
                              amount=_money(refund.amount), reason=refund.reason)
    message.created_at.FromDatetime(refund.created_at)
    return message
