"""gRPC client of the payments service.

Each call has one deadline (5 s by default) over all its attempts, is retried by gRPC only
on UNAVAILABLE (at most 3 times, exponential backoff), goes through a circuit breaker, and
carries an idempotency key that every retry reuses, so a retried command runs once.
Settings: GrpcClientSettings from the environment variables
PAYMENTS_GRPC_*.
Contract: payments.v1.PaymentService.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from decimal import Decimal
from types import TracebackType
from typing import Self

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc
from pydantic_settings import SettingsConfigDict

from . import payments_pb2 as pb
from . import payments_pb2_grpc as pb_grpc
from .grpc_resilience import (
    CircuitBreaker,
    GrpcClientSettings,
    RemoteCallError,
    ResilientCaller,
    channel_options,
)

SERVICE_NAME = pb.DESCRIPTOR.services_by_name["PaymentService"].full_name


class PaymentServiceClientSettings(GrpcClientSettings):
    model_config = SettingsConfigDict(env_prefix="PAYMENTS_GRPC_")


def new_idempotency_key() -> str:
    """A fresh key for one logical call (its retries reuse it, being the same request)."""
    return str(uuid.uuid4())


# ISO 4217 currencies whose minor unit is not the cent (exponent 2).
MINOR_UNIT_EXPONENTS = {
    **dict.fromkeys(("BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF",
                     "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF"), 0),
    **dict.fromkeys(("BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"), 3),
    **dict.fromkeys(("CLF", "UYW"), 4),
}


def to_minor_units(amount: Decimal, currency: str) -> int:
    """Decimal("19.99"), "EUR" → 1999. Refuses amounts finer than the currency's unit."""
    minor = amount.scaleb(MINOR_UNIT_EXPONENTS.get(currency.upper(), 2))
    if minor != minor.to_integral_value():
        raise ValueError(f"{amount} {currency} has more decimals than the currency allows")
    return int(minor)


class PaymentDeclined(RemoteCallError):
    """The payment method was declined (FAILED_PRECONDITION, reason PAYMENT_DECLINED)."""

    @property
    def decline_code(self) -> str:
        return self.metadata.get("decline_code", "")

    @property
    def payment_id(self) -> str:
        return self.metadata.get("payment_id", "")


class PaymentServiceClient:
    """Client of payments.v1.PaymentService.

    Use one per process: it holds the channel and the circuit breaker.
    """

    def __init__(
        self,
        settings: PaymentServiceClientSettings | None = None,
        *,
        channel: grpc.aio.Channel | None = None,
        interceptors: Sequence[grpc.aio.ClientInterceptor] = (),
    ) -> None:
        self.settings = settings or PaymentServiceClientSettings()
        # a channel passed in must carry channel_options(); ``interceptors`` (tracing: the
        # service's grpc_client_interceptors()) apply to the channel made here
        self._channel = channel or grpc.aio.insecure_channel(
            self.settings.target, options=channel_options(SERVICE_NAME, self.settings),
            interceptors=list(interceptors) or None)
        self._stub = pb_grpc.PaymentServiceStub(self._channel)
        self._caller = ResilientCaller(SERVICE_NAME, self.settings)

    @property
    def breaker(self) -> CircuitBreaker:
        return self._caller.breaker

    async def close(self) -> None:
        await self._channel.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()

    async def check_health(self) -> bool:
        """For /ready: does the service report SERVING? (no breaker, no retry)."""
        stub = health_pb2_grpc.HealthStub(self._channel)
        try:
            reply = await stub.Check(health_pb2.HealthCheckRequest(service=SERVICE_NAME),
                                     timeout=min(self.settings.deadline_seconds, 1.0))
        except grpc.aio.AioRpcError:
            return False
        serving: bool = reply.status == health_pb2.HealthCheckResponse.SERVING
        return serving

    async def charge(
        self,
        *,
        order_id: str,
        amount_minor: int,
        currency: str,
        payment_method: str,
        description: str = "",
        idempotency_key: str | None = None,
    ) -> pb.Payment:
        """Charge once; raises PaymentDeclined, RemoteCallError, CircuitOpenError.

        Pass an ``idempotency_key`` derived from the business operation (e.g. from the
        order_id) to make a repeated logical call safe as well — after a
        timeout, a restart; ``get_status(idempotency_key=...)`` tells whether it happened.
        """
        request = pb.ChargeRequest(
            idempotency_key=idempotency_key or new_idempotency_key(),
            order_id=order_id,
            amount=pb.Money(amount_minor=amount_minor, currency=currency),
            payment_method=payment_method, description=description)
        try:
            response = await self._caller.call(
                "Charge", lambda timeout: self._stub.Charge(request, timeout=timeout))
        except RemoteCallError as exc:
            if exc.reason == "PAYMENT_DECLINED":
                raise PaymentDeclined(exc.service, exc.method, exc.code, exc.message,
                                      exc.reason, exc.metadata) from exc
            raise
        payment: pb.Payment = response.payment
        return payment

    async def refund(self, *, payment_id: str, amount_minor: int | None = None,
                     currency: str | None = None, reason: str = "",
                     idempotency_key: str | None = None) -> pb.RefundResponse:
        """Refund the whole remaining balance, or ``amount_minor`` of ``currency``."""
        request = pb.RefundRequest(idempotency_key=idempotency_key or new_idempotency_key(),
                                   payment_id=payment_id, reason=reason)
        if amount_minor is not None:
            request.amount.CopyFrom(pb.Money(amount_minor=amount_minor,
                                             currency=currency or ""))
        return await self._caller.call(
            "Refund", lambda timeout: self._stub.Refund(request, timeout=timeout))

    async def get_status(self, *, payment_id: str | None = None,
                         idempotency_key: str | None = None) -> pb.Payment:
        """The payment by id, or by the idempotency key its Charge was sent with."""
        if (payment_id is None) == (idempotency_key is None):
            raise ValueError("give exactly one of payment_id and idempotency_key")
        request = (pb.GetStatusRequest(payment_id=payment_id) if payment_id is not None
                   else pb.GetStatusRequest(idempotency_key=idempotency_key))
        response = await self._caller.call(
            "GetStatus", lambda timeout: self._stub.GetStatus(request, timeout=timeout))
        payment: pb.Payment = response.payment
        return payment
